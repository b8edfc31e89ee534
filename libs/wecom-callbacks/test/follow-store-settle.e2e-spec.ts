import { DataSource } from 'typeorm';
import { Clock } from '@app/common';
import { buildDataSourceOptions } from '@app/database';
import { ContactIdentityService } from '@app/identity';
import { FollowStore } from '../src/contacts/follow-store';
import { dbSettings } from '../../../test/test-env';
import { truncate } from '../../../test/utils/db';

/**
 * Reachability is settled from the latest committed state, not from the transaction's
 * snapshot: a re-add whose snapshot was taken before a deletion of the same follow committed
 * (callbacks of one contact processed side by side) must still take the contact off the
 * unreachable list the deletion put it on. Seen on CI as a followed customer left `no_follow`.
 */
describe('FollowStore.settle beside a concurrent deletion (MariaDB)', () => {
  let db: DataSource;
  const store = new FollowStore(new ContactIdentityService(new Clock()));
  const CONTACT = 'wm-settle-race';
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  const state = async () => {
    const [rel] = (await db.query(
      'SELECT removed_at IS NULL AS active FROM wecom_follow_relations WHERE external_userid = ?',
      [CONTACT],
    )) as { active: number }[];
    const listed = (await db.query(
      'SELECT reason FROM contact_unreachable WHERE external_userid = ?',
      [CONTACT],
    )) as { reason: string }[];
    return { active: Number(rel?.active) === 1, listed: listed.map((r) => r.reason) };
  };

  beforeAll(async () => {
    db = new DataSource(buildDataSourceOptions(dbSettings(process.env.DB_NAME!)));
    await db.initialize();
  });

  beforeEach(async () => {
    await truncate(db, 'wecom_follow_relations', 'wecom_contact_tags', 'contact_unreachable');
  });

  afterAll(async () => {
    await db?.destroy();
  });

  it('a re-add with an older snapshot takes the contact off the list a deletion committed meanwhile', async () => {
    await store.apply(db, [{ externalUserId: CONTACT, userid: 'u1', at: at(0), active: true }]);
    expect(await state()).toEqual({ active: true, listed: [] });

    const readd = db.createQueryRunner();
    await readd.connect();
    try {
      await readd.startTransaction();
      // The re-add's first plain read (as the identity link's) fixes its snapshot.
      await readd.query('SELECT COUNT(*) AS n FROM contact_unreachable');

      await db.transaction((tx) =>
        store.apply(tx, [
          {
            externalUserId: CONTACT,
            userid: 'u1',
            at: at(1),
            active: false,
            removedBy: 'del_follow_user',
          },
        ]),
      );
      expect(await state()).toEqual({ active: false, listed: ['no_follow'] });

      await store.apply(readd, [
        { externalUserId: CONTACT, userid: 'u1', at: at(2), active: true },
      ]);
      await readd.commitTransaction();
    } finally {
      if (readd.isTransactionActive) await readd.rollbackTransaction();
      await readd.release();
    }
    expect(await state()).toEqual({ active: true, listed: [] });
  });
});
