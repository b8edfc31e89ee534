import { DataSource } from 'typeorm';
import {
  ALL_MIGRATIONS,
  buildDataSourceOptions,
  createDatabaseIfMissing,
  dropDatabase,
} from '@app/database';

/**
 * Migration 1733500000000-order-value-and-status over attributions the earlier triggers wrote:
 * each row gets its order's revenue, the rows of orders whose known payment is not above 0
 * go, orders without amounts keep theirs (revenue NULL), and the new triggers work on them.
 */
describe('migration order-value-and-status: the back-fill of attributions', () => {
  const settings = {
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: Number(process.env.DB_PORT ?? 3306),
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: `${process.env.DB_NAME ?? 'wpp_test_adhoc'}_value_mig`,
  };
  const before = ALL_MIGRATIONS.slice(
    0,
    ALL_MIGRATIONS.findIndex((m) => m.name === 'OrderValueAndStatus1733500000000'),
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
  const attributed = async () =>
    (
      (await db.query(
        'SELECT order_id AS o, revenue FROM wechat_push_attributions ORDER BY order_id',
      )) as { o: number; revenue: string | null }[]
    ).map((r) => `${r.o}=${r.revenue}`);

  beforeAll(async () => {
    await dropDatabase(settings);
    await createDatabaseIfMissing(settings);
    await migrate(before);
    db = new DataSource({ ...buildDataSourceOptions(settings), poolSize: 1 });
    await db.initialize();
    await db.query(
      `INSERT INTO customers (id, name, nickname, external_userid) VALUES (1, 'a', 'a', 'ext-a')`,
    );
    await db.query(
      `INSERT INTO wechat_push_deliveries (batch_id, external_userid, run_id, push_id, run_day,
         recipient_key, customer_id, pushed_at, accepted, updated_at)
       VALUES (1, 'ext-a', 1, 1, '2025-03-01', 1, 1, '2025-03-01 10:00:00', 1, NOW())`,
    );
    // Written under the earlier schema: the old triggers attribute all three.
    await db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time, payment)
       VALUES (1, 'E1', '1', '2025-03-01 12:00:00', 19.90),
              (2, 'E2', '1', '2025-03-01 13:00:00', 0.00),
              (3, 'E3', '1', '2025-03-01 14:00:00', NULL)`,
    );
    expect(
      (await db.query('SELECT COUNT(*) AS n FROM wechat_push_attributions'))[0].n,
    ).toBeGreaterThanOrEqual(3);
    await migrate(ALL_MIGRATIONS);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(settings);
  });

  it('gives each attribution its order revenue and drops those of orders paid 0', async () => {
    expect(await attributed()).toEqual(['1=19.90', '3=null']);
  });

  it('the new columns are NULL for existing orders, and refunds then follow the new triggers', async () => {
    expect(
      await db.query('SELECT id, refunded_fee, status FROM youzan_orders ORDER BY id'),
    ).toEqual([
      { id: 1, refunded_fee: null, status: null },
      { id: 2, refunded_fee: null, status: null },
      { id: 3, refunded_fee: null, status: null },
    ]);
    await db.query(`UPDATE youzan_orders SET refunded_fee = 9.90 WHERE id = 1`);
    await db.query(`UPDATE youzan_orders SET payment = 5.00, status = 'paid' WHERE id = 2`);
    expect(await attributed()).toEqual(['1=10.00', '2=5.00', '3=null']);
  });
});
