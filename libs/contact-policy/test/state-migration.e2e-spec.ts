import { DataSource } from 'typeorm';
import {
  ALL_MIGRATIONS,
  buildDataSourceOptions,
  createDatabaseIfMissing,
  dropDatabase,
} from '@app/database';

/**
 * Migration 1733400000002-contact-state back-fills what the check reads from the ledger an
 * earlier version wrote: one `contact_batches` row per batch (given back whole when its rows
 * were released as a failed or cancelled batch) and one `contact_state` row per customer
 * listing the batches of their rows not given back one by one, newest first.
 */
describe('migration contact-state: the back-fill from the ledger', () => {
  const settings = {
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: Number(process.env.DB_PORT ?? 3306),
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: `${process.env.DB_NAME ?? 'wpp_test_adhoc'}_state_mig`,
  };
  const upTo = (name: string) =>
    ALL_MIGRATIONS.slice(0, 1 + ALL_MIGRATIONS.findIndex((m) => m.name === name));
  const migrate = async (migrations: typeof ALL_MIGRATIONS) => {
    const ds = new DataSource({ ...buildDataSourceOptions(settings), migrations, poolSize: 1 });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await ds.destroy();
    }
  };
  let db: DataSource;

  beforeAll(async () => {
    await dropDatabase(settings);
    await createDatabaseIfMissing(settings);
    await migrate(upTo('ContactLedgerByMonth1733400000001'));
    db = new DataSource({ ...buildDataSourceOptions(settings), poolSize: 1 });
    await db.initialize();
    const row = (
      e: string,
      pushId: number,
      batchId: number,
      at: string,
      counted = 1,
      reason: string | null = null,
    ) => [e, pushId, 1, batchId, at, counted, reason ? 1 : 0, reason];
    await db.query(
      `INSERT INTO contact_ledger
         (external_userid, push_id, run_id, batch_id, created_at, counted, released, release_reason)
       VALUES ?`,
      [
        [
          row('a', 1, 10, '2027-03-01 10:00:00'),
          row('a', 2, 11, '2027-03-02 10:00:00', 0),
          row('a', 1, 12, '2027-03-03 10:00:00', 1, 'fail_list'),
          row('b', 1, 10, '2027-03-01 10:00:00'),
          row('b', 3, 13, '2027-03-04 10:00:00', 1, 'batch_failed'),
          row('c', 3, 13, '2027-03-04 10:00:00', 1, 'batch_failed'),
          row('c', 1, 12, '2027-03-03 10:00:00', 1, 'not_friend'),
        ],
      ],
    );
    await db.query('INSERT INTO contact_locks (external_userid) VALUES (?), (?), (?), (?)', [
      'a',
      'b',
      'c',
      'never-in-the-ledger',
    ]);
    await migrate(ALL_MIGRATIONS);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(settings);
  });

  it('one contact_batches row per batch, given back whole only for failed or cancelled batches', async () => {
    const rows = (await db.query(
      `SELECT batch_id AS id, push_id AS pushId, counted, contact_at AS at, released
         FROM contact_batches ORDER BY batch_id`,
    )) as { id: number; pushId: number; counted: number; at: Date; released: number }[];
    expect(rows.map((r) => [r.id, r.pushId, r.counted, r.released])).toEqual([
      [10, 1, 1, 0],
      [11, 2, 0, 0],
      [12, 1, 1, 0],
      [13, 3, 1, 1],
    ]);
  });

  it("each customer's live contacts, newest first: rows released one by one left out, whole-batch releases kept", async () => {
    const rows = (await db.query(
      'SELECT external_userid AS e, version, recent FROM contact_state ORDER BY e',
    )) as { e: string; version: number; recent: string }[];
    expect(rows.map((r) => [r.e, r.recent])).toEqual([
      ['a', '11,10'],
      ['b', '13,10'],
      ['c', '13'],
      ['never-in-the-ledger', ''],
    ]);
    expect(rows.every((r) => r.version >= 0)).toBe(true);
  });

  it('the ledger keeps its batch key with the customer and loses the per-customer key', async () => {
    const keys = (await db.query(
      `SELECT INDEX_NAME AS k, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols
         FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'contact_ledger'
        GROUP BY INDEX_NAME ORDER BY INDEX_NAME`,
    )) as { k: string; cols: string }[];
    expect(keys).toEqual([
      { k: 'idx_ledger_batch', cols: 'batch_id,external_userid' },
      { k: 'PRIMARY', cols: 'id,created_at' },
    ]);
  });
});
