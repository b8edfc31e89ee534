import { DataSource } from 'typeorm';
import { Clock } from '@app/common';
import { buildDataSourceOptions } from '@app/database';
import { ContactIdentityService } from '@app/identity';
import { FollowStore } from '../src/contacts/follow-store';
import { ContactSyncService } from '../src/contacts/contact-sync.service';
import { ProcessCallbackEventService } from '../src/process-callback-event.service';
import { dbSettings } from '../../../test/test-env';
import { truncate } from '../../../test/utils/db';
import { pollUntil } from '../../../test/utils/process';

/**
 * A callback that adds a new contact while a contact sync page links the same contact in a
 * transaction not yet committed: the callback waits for the page's identity row and finds the
 * customer the page made — one customer per contact, never two (before the fix the callback
 * read its own snapshot, saw no customer and created a second one).
 */
describe('a contact callback beside a sync page linking the same new contact (MariaDB)', () => {
  let db: DataSource;
  const clock = new Clock();
  const identity = new ContactIdentityService(clock);
  const CONTACT = 'wm-callback-identity-race';

  beforeAll(async () => {
    db = new DataSource(buildDataSourceOptions(dbSettings(process.env.DB_NAME!)));
    await db.initialize();
  });

  beforeEach(async () => {
    await truncate(
      db,
      'wecom_callback_events',
      'wecom_contact_identities',
      'wecom_follow_relations',
      'contact_unreachable',
    );
    await db.query('DELETE FROM customers WHERE external_userid = ?', [CONTACT]);
  });

  afterAll(async () => {
    await db?.destroy();
  });

  it('makes one customer: the callback waits for the page and links to its customer', async () => {
    const payload = {
      ToUserName: 'corp',
      FromUserName: 'sys',
      CreateTime: '1767225600',
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'u1',
      ExternalUserID: CONTACT,
    };
    const result = (await db.query(
      `INSERT INTO wecom_callback_events (dedupe_key, event, change_type, event_time, payload, received_at)
       VALUES (SHA2(?, 256), 'change_external_contact', 'add_external_contact', ?, ?, ?)`,
      [CONTACT, new Date(), JSON.stringify(payload), new Date()],
    )) as { insertId: number };
    // The tag library is read only for tag events: this one never reaches the sync service.
    const processor = new ProcessCallbackEventService(
      db,
      clock,
      new FollowStore(identity),
      identity,
      undefined as unknown as ContactSyncService,
    );

    const page = db.createQueryRunner();
    await page.connect();
    let processing: Promise<unknown> | undefined;
    try {
      await page.startTransaction('READ COMMITTED');
      await identity.lockContacts([CONTACT], page);
      await identity.link([{ externalUserId: CONTACT, name: '同步页' }], page);

      processing = processor.process(result.insertId);
      // The callback is waiting on the page's identity row (a lock wait), not done.
      await pollUntil(async () => {
        const [w] = (await db.query(
          `SELECT COUNT(*) AS n FROM information_schema.innodb_trx
            WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id <> CONNECTION_ID()`,
        )) as { n: number | string }[];
        return Number(w.n) >= 1;
      });
      await page.commitTransaction();
    } finally {
      if (page.isTransactionActive) await page.rollbackTransaction();
      await page.release();
    }
    expect(await processing).toBe('processed');

    const customers = (await db.query('SELECT id FROM customers WHERE external_userid = ?', [
      CONTACT,
    ])) as { id: number }[];
    expect(customers).toHaveLength(1);
    const [link] = (await db.query(
      'SELECT customer_id, method FROM wecom_contact_identities WHERE external_userid = ?',
      [CONTACT],
    )) as { customer_id: number; method: string }[];
    expect({ customer: Number(link.customer_id), method: link.method }).toEqual({
      customer: Number(customers[0].id),
      method: 'created',
    });
  });
});
