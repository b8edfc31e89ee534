import { createConnection, Connection } from 'mysql2/promise';
import { DateTime } from 'luxon';
import { AUDIENCE_TRIGGERS, backfillBuyerProjection } from '@app/audience';
import { BUSINESS_TZ } from '@app/common';
import { dropDatabase } from '@app/database';
import { STATS_TRIGGERS } from '@app/stats';
import { dbSettings } from '../../../test/test-env';
import { generateDemo } from '../src/gen-demo.command';

/** gen:demo on a real MariaDB: the company's shape, relative to now, and a correct projection. */
describe('gen:demo', () => {
  const name = `${process.env.DB_NAME}_gendemo`;
  const settings = dbSettings(name);
  const now = DateTime.now().setZone(BUSINESS_TZ);
  let conn: Connection;
  const one = async <T>(sql: string, params: unknown[] = []) =>
    ((await conn.query(sql, params))[0] as T[])[0];

  beforeAll(async () => {
    const summary = await generateDemo(
      { customers: 2000, orders: 20000, days: 180, seed: 7, now },
      settings,
      () => undefined,
    );
    expect(summary).toMatchObject({ customers: 2000, orders: 20000 });
    conn = await createConnection({
      host: settings.DB_HOST,
      port: settings.DB_PORT,
      user: settings.DB_USER,
      password: settings.DB_PASSWORD,
      database: name,
      timezone: '+08:00',
      dateStrings: true,
    });
  }, 180_000);

  afterAll(async () => {
    await conn?.end();
    await dropDatabase(settings);
  });

  it('has the company: counts, labels with Chinese names, unreachable customers, shared orders', async () => {
    expect(await one('SELECT COUNT(*) AS n FROM customers')).toEqual({ n: 2000 });
    expect(await one('SELECT COUNT(*) AS n FROM youzan_orders')).toEqual({ n: 20000 });
    const labels = (await conn.query('SELECT type, bind_id, name FROM wechat_labels'))[0] as {
      type: number;
      bind_id: string | null;
      name: string;
    }[];
    const names = (type: number) => labels.filter((l) => l.type === type).map((l) => l.name);
    expect(names(0)).toEqual(expect.arrayContaining(['上海', '杭州', '北京']));
    expect(labels).toContainEqual({ type: 1, bind_id: '1001', name: '华东一仓（上海嘉定）' });
    expect(labels).toContainEqual({ type: 2, bind_id: '2001', name: '乳制品' });
    expect(names(3)).toEqual(expect.arrayContaining(['伊利', '蒙牛']));
    expect(names(4)).toContain('伊利纯牛奶 250ml×24');
    const noId = await one<{ n: number }>(
      "SELECT COUNT(*) AS n FROM customers WHERE external_userid IS NULL OR external_userid = ''",
    );
    expect(noId.n).toBeGreaterThan(100);
    expect(noId.n).toBeLessThan(300);
    const shared = await one<{ n: number }>(
      "SELECT COUNT(*) AS n FROM youzan_orders WHERE user_ids LIKE '%,%'",
    );
    expect(shared.n).toBeGreaterThan(200);
    // every order has links for the buyer's city, the warehouse, and category, brand, SKU
    const types = (
      await conn.query(
        `SELECT DISTINCT l.type FROM wechat_customers_labels w JOIN wechat_labels l ON l.id = w.label_id
        WHERE w.order_id = 1 ORDER BY l.type`,
      )
    )[0] as { type: number }[];
    expect(types.map((t) => t.type)).toEqual([0, 1, 2, 3, 4]);
  });

  it('spreads orders over the last months up to now, so day windows find people today', async () => {
    const range = await one<{ first: string; last: string }>(
      'SELECT MIN(order_creation_time) AS first, MAX(order_creation_time) AS last FROM youzan_orders',
    );
    const fmt = (d: DateTime) => d.toFormat('yyyy-MM-dd HH:mm:ss');
    expect(range.last <= fmt(now)).toBe(true);
    expect(range.last >= fmt(now.minus({ days: 1 }))).toBe(true);
    expect(range.first >= fmt(now.minus({ days: 182 }))).toBe(true);
    // "45天未购买": last purchase 45–60 days ago
    const lapsed = await one<{ n: number }>(
      'SELECT COUNT(*) AS n FROM customer_last_order WHERE last_order_at BETWEEN ? AND ?',
      [fmt(now.minus({ days: 60 }).startOf('day')), fmt(now.minus({ days: 45 }).endOf('day'))],
    );
    expect(lapsed.n).toBeGreaterThan(30);
  });

  it('leaves every trigger of order_buyers in place after the load', async () => {
    const [rows] = await conn.query(
      `SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS
        WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'order_buyers'`,
    );
    const defined = [...AUDIENCE_TRIGGERS, ...STATS_TRIGGERS].filter(
      (t) => t.table === 'order_buyers',
    );
    expect(defined.length).toBeGreaterThan(0);
    expect((rows as { name: string }[]).map((r) => r.name).sort()).toEqual(
      defined.map((t) => t.name).sort(),
    );
  });

  it('loads the buyer projection exactly as the migration would derive it from the orders', async () => {
    const checksum = async () =>
      (await conn.query('CHECKSUM TABLE order_buyers, customer_last_order'))[0];
    const loaded = await checksum();
    await conn.query('DELETE FROM order_buyers');
    await conn.query('DELETE FROM customer_last_order');
    expect(await checksum()).not.toEqual(loaded);
    await backfillBuyerProjection({
      query: async (sql: string, params?: unknown[]) => (await conn.query(sql, params))[0],
    });
    expect(await checksum()).toEqual(loaded);
  });
});
