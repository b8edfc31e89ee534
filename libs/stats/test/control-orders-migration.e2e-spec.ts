import { DataSource } from 'typeorm';
import {
  ALL_MIGRATIONS,
  buildDataSourceOptions,
  createDatabaseIfMissing,
  dropDatabase,
} from '@app/database';
import { experimentGroups } from '@app/stats';

/**
 * Migration 1735200000000-control-orders over holdout members and orders written before it:
 * members still without a customer id get it, every holdout member's converting orders within
 * 90 days after its assignment are kept, the experiment groups read from them equal the order
 * definition's, and the new triggers keep them from then on.
 */
describe('migration control-orders: the back-fill of the control orders', () => {
  const settings = {
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: Number(process.env.DB_PORT ?? 3306),
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: `${process.env.DB_NAME ?? 'wpp_test_adhoc'}_control_mig`,
  };
  const before = ALL_MIGRATIONS.slice(
    0,
    ALL_MIGRATIONS.findIndex((m) => m.name === 'ControlOrders1735200000000'),
  );
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
  const kept = async () =>
    (
      (await db.query(
        `SELECT run_id AS r, external_userid AS e, order_id AS o, lag_seconds AS lag, revenue
           FROM wechat_push_control_orders ORDER BY run_id, external_userid, order_id`,
      )) as { r: number; e: string; o: number; lag: number; revenue: string | null }[]
    ).map((x) => `${x.r}:${x.e}:${x.o}+${x.lag}=${x.revenue}`);

  beforeAll(async () => {
    await dropDatabase(settings);
    await createDatabaseIfMissing(settings);
    await migrate(before);
    db = new DataSource({ ...buildDataSourceOptions(settings), poolSize: 1 });
    await db.initialize();
    await db.query(
      `INSERT INTO customers (id, name, nickname, external_userid)
       VALUES (1, 'a', 'a', 'wm1'), (2, 'b', 'b', 'wm2'), (3, 'c', 'c', 'wm3')`,
    );
    await db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time, payment,
         refunded_fee, status)
       VALUES (1, 'E1', '1', '2025-03-01 12:00:00', 10.00, NULL, 'paid'),
              (2, 'E2', '1,2', '2025-03-02 10:00:00', 20.00, 5.00, 'paid'),
              (3, 'E3', '2', '2025-03-02 11:00:00', 30.00, 30.00, 'refunded'),
              (4, 'E4', '3', '2025-03-03 10:00:00', NULL, NULL, NULL),
              (5, 'E5', '1', '2025-02-28 10:00:00', 1.00, NULL, 'paid')`,
    );
    await db.query(
      `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
       VALUES (1, 1, 'scheduled', '2025-03-01 10:00:00', 'completed', 'r', NOW(), NOW()),
              (2, 1, 'scheduled', '2025-03-02 10:00:00', 'completed', 'r', NOW(), NOW())`,
    );
    // wm1 recorded with its customer id (the pipeline since 1734100000000), wm2 without (an
    // older writer), wm3 global, wm9 without a customer row.
    await db.query(
      `INSERT INTO wechat_push_run_controls (run_id, external_userid, control_group, variant,
         assigned_at, customer_id)
       VALUES (1, 'wm1', 'holdout', 0, '2025-03-01 10:00:00', 1),
              (1, 'wm2', 'holdout', 0, '2025-03-01 10:00:00', NULL),
              (1, 'wm3', 'global', 0, '2025-03-01 10:00:00', 3),
              (1, 'wm9', 'holdout', 0, '2025-03-01 10:00:00', NULL),
              (2, 'wm1', 'holdout', 0, '2025-03-02 10:00:00', 1),
              (2, 'wm3', 'holdout', 0, '2025-03-02 10:00:00', 3)`,
    );
    await migrate(ALL_MIGRATIONS);
  }, 180_000);

  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(settings);
  });

  it('resolves the customer of members recorded without one and keeps the converting orders of every holdout member', async () => {
    expect(
      await db.query(
        'SELECT run_id AS r, external_userid AS e, customer_id AS c FROM wechat_push_run_controls ORDER BY run_id, external_userid',
      ),
    ).toEqual([
      { r: 1, e: 'wm1', c: 1 },
      { r: 1, e: 'wm2', c: 2 },
      { r: 1, e: 'wm3', c: 3 },
      { r: 1, e: 'wm9', c: null },
      { r: 2, e: 'wm1', c: 1 },
      { r: 2, e: 'wm3', c: 3 },
    ]);
    expect(await kept()).toEqual([
      '1:wm1:1+7200=10.00',
      '1:wm1:2+86400=15.00',
      '1:wm2:2+86400=15.00',
      '2:wm1:2+0=15.00',
      '2:wm3:4+86400=null',
    ]);
    for (const days of [0, 1, 7]) {
      const args: [string, number[], number] = ['r.push_id', [1, 2], days * 86_400];
      expect([...(await experimentGroups(db, ...args))]).toEqual([
        ...(await experimentGroups(db, ...args, { exhaustive: true })),
      ]);
    }
  });

  it('the new triggers keep the back-filled rows from then on', async () => {
    await db.query(`UPDATE youzan_orders SET status = 'closed' WHERE id = 2`);
    await db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time, payment)
       VALUES (6, 'E6', '2', '2025-03-04 10:00:00', 6.60)`,
    );
    expect(await kept()).toEqual([
      '1:wm1:1+7200=10.00',
      '1:wm2:6+259200=6.60',
      '2:wm3:4+86400=null',
    ]);
  });
});
