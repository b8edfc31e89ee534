import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { createConnection, Connection } from 'mysql2/promise';
import { DateTime } from 'luxon';
import { AUDIENCE_TRIGGERS, backfillBuyerProjection } from '@app/audience';
import { BUSINESS_TZ } from '@app/common';
import { dropDatabase } from '@app/database';
import { STATS_TRIGGERS } from '@app/stats';
import { SimCorp } from '../../wecom-simulator/src/corp/sim-corp';
import { dbSettings } from '../../../test/test-env';
import { DEMO_CORP, generateDemo } from '../src/gen-demo.command';
import { importOrdersCommand } from '../src/import-orders.command';

/**
 * gen:demo on a real MariaDB: the customers are the WeCom simulator's contacts, the orders
 * come as an order file that `import:orders` (the CLI's own code) brings in through the
 * ingestion core with nothing rejected, and the company that results has the demo's shape,
 * relative to now, with exact projections.
 */
describe('gen:demo + import:orders: the demo company through the ingestion path', () => {
  const name = `${process.env.DB_NAME}_gendemo`;
  const settings = dbSettings(name);
  const now = DateTime.now().setZone(BUSINESS_TZ);
  const CUSTOMERS = 2000;
  const ORDERS = 20000;
  let dir: string;
  let file: string;
  let conn: Connection;
  let importExit: number;
  let importedAt: number;
  const one = async <T>(sql: string, params: unknown[] = []) =>
    ((await conn.query(sql, params))[0] as T[])[0];
  const all = async <T>(sql: string, params: unknown[] = []) =>
    (await conn.query(sql, params))[0] as T[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wpp-gendemo-'));
    file = join(dir, 'demo-orders.csv');
    const summary = await generateDemo(
      { customers: CUSTOMERS, orders: ORDERS, days: 180, seed: 7, out: file, now },
      settings,
      () => undefined,
    );
    expect(summary).toMatchObject({ customers: CUSTOMERS, orders: ORDERS, file });
    expect(summary.rows).toBeGreaterThan(ORDERS);
    conn = await createConnection({
      host: settings.DB_HOST,
      port: settings.DB_PORT,
      user: settings.DB_USER,
      password: settings.DB_PASSWORD,
      database: name,
      timezone: '+08:00',
      dateStrings: true,
    });
    // Only the customers are loaded: the orders are still in the file.
    expect(await one('SELECT COUNT(*) AS n FROM youzan_orders')).toEqual({ n: 0 });
    expect(await one('SELECT COUNT(*) AS n FROM wechat_labels')).toEqual({ n: 0 });

    // `node dist/apps/cli/main.js import:orders FILE` against the demo database.
    const saved = process.env.DB_NAME;
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    process.env.DB_NAME = name;
    try {
      importedAt = Date.now();
      importExit = await importOrdersCommand([file]);
    } finally {
      process.env.DB_NAME = saved;
      log.mockRestore();
      error.mockRestore();
    }
  }, 300_000);

  afterAll(async () => {
    await conn?.end();
    await dropDatabase(settings);
    await rm(dir, { recursive: true, force: true });
  });

  it('imports the whole file with nothing rejected, recorded as an import and as the file feed', async () => {
    const imp = await one<Record<string, unknown>>(
      `SELECT state, error, dry_run, rows_read, rows_accepted, rows_rejected, orders_accepted,
              orders_rejected, orders_written, created_by FROM order_imports`,
    );
    const rows = (parse(await readFile(file), { bom: true, columns: true }) as object[]).length;
    // The exit code beside the import's record: a failure shows its error.
    expect({ exit: importExit, ...imp }).toEqual({
      exit: 0,
      state: 'done',
      error: null,
      dry_run: 0,
      rows_read: rows,
      rows_accepted: rows,
      rows_rejected: 0,
      orders_accepted: ORDERS,
      orders_rejected: 0,
      orders_written: ORDERS,
      created_by: 'cli',
    });
    // The report holds its header only.
    expect((await readFile(`${file}.report.csv`, 'utf8')).trim().split('\n')).toHaveLength(1);
    const feed = await one<{ feed: string; last_success_at: string }>(
      'SELECT feed, last_success_at FROM order_feeds',
    );
    expect(feed.feed).toBe('file');
    expect(new Date(`${feed.last_success_at.replace(' ', 'T')}+08:00`).getTime()).toBeGreaterThan(
      importedAt - 2000,
    );
  });

  it('has customers that are the WeCom simulator corp’s contacts, and no customer the import made', async () => {
    expect(await one('SELECT COUNT(*) AS n, MAX(id) AS max FROM customers')).toEqual({
      n: CUSTOMERS,
      max: CUSTOMERS,
    });
    const { senders, ...shape } = DEMO_CORP;
    const corp = new SimCorp({ seed: 7, contacts: CUSTOMERS, ...shape }, senders);
    const customers = await all<{ id: number; ext: string | null; unionid: string | null }>(
      'SELECT id, external_userid AS ext, unionid FROM customers ORDER BY id',
    );
    const withId = customers.filter((c) => c.ext);
    expect(withId.length).toBeGreaterThan(CUSTOMERS * 0.85);
    expect(withId.length).toBeLessThan(CUSTOMERS * 0.95);
    for (const c of withId) {
      const contact = corp.contact(c.ext!);
      expect(contact).not.toBeNull();
      expect(c.ext).toBe(corp.externalId(c.id - 1));
      expect(c.unionid).toBe(contact!.unionid ?? null);
    }
    expect(withId.filter((c) => c.unionid).length).toBeGreaterThan(withId.length * 0.6);
    // The import matched every buyer by customer id: nobody gained a second row or a stranger's id.
    expect(customers.filter((c) => !c.ext && c.unionid)).toEqual([]);
  });

  it('has the labels the import created from the rows: Chinese names, the rules’ bind ids', async () => {
    expect(await one('SELECT COUNT(*) AS n FROM youzan_orders')).toEqual({ n: ORDERS });
    expect(
      await one('SELECT COUNT(*) AS n FROM youzan_orders WHERE ingest_number = order_number'),
    ).toEqual({ n: ORDERS });
    const labels = await all<{ type: number; bind_id: string | null; name: string }>(
      'SELECT type, bind_id, name FROM wechat_labels',
    );
    const names = (type: number) => labels.filter((l) => l.type === type).map((l) => l.name);
    expect(names(0)).toEqual(expect.arrayContaining(['上海', '杭州', '北京']));
    expect(labels).toContainEqual(
      expect.objectContaining({ type: 1, bind_id: '1001', name: '华东一仓（上海嘉定）' }),
    );
    expect(labels).toContainEqual(
      expect.objectContaining({ type: 2, bind_id: '2001', name: '乳制品' }),
    );
    expect(names(3)).toEqual(expect.arrayContaining(['伊利', '蒙牛']));
    expect(names(4)).toContain('伊利纯牛奶 250ml×24');
    // every order has links for the buyer's city, the warehouse, and category, brand, SKU
    const types = await all<{ type: number }>(
      `SELECT DISTINCT l.type FROM wechat_customers_labels w JOIN wechat_labels l ON l.id = w.label_id
        WHERE w.order_id = (SELECT MIN(id) FROM youzan_orders) ORDER BY l.type`,
    );
    expect(types.map((t) => t.type)).toEqual([0, 1, 2, 3, 4]);
  });

  it('links exactly the labels of each order’s rows to its buyer', async () => {
    const rows = parse(await readFile(file), { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    const expected = new Map<string, Set<string>>();
    for (const r of rows) {
      const set = expected.get(r.order_number) ?? new Set<string>();
      set.add(`0:${r.city}`).add(`1:${r.warehouse_id}`).add(`2:${r.category_id}`);
      set.add(`3:${r.brand}`).add(`4:${r.sku_id}`);
      expected.set(r.order_number, set);
    }
    const links = await all<{ n: string; customer: string; buyer: string; k: string }>(
      `SELECT o.order_number AS n, w.customer_id AS customer, o.user_ids AS buyer,
              CONCAT(l.type, ':', IF(l.type IN (0, 3), l.name, l.bind_id)) AS k
         FROM wechat_customers_labels w
         JOIN youzan_orders o ON o.id = w.order_id JOIN wechat_labels l ON l.id = w.label_id`,
    );
    const want = new Set([...expected].flatMap(([n, set]) => [...set].map((k) => `${n} ${k}`)));
    const have = new Set<string>();
    for (const l of links) have.add(`${l.n} ${l.k}`);
    // Every link is the order's buyer's.
    expect(links.filter((l) => String(l.customer) !== String(l.buyer))).toEqual([]);
    expect(links).toHaveLength(want.size);
    expect([...want].filter((k) => !have.has(k))).toEqual([]);
    expect([...have].filter((k) => !want.has(k))).toEqual([]);
  });

  it('gives every order an amount and a status: most completed or paid, a few closed or refunded', async () => {
    const rows = await all<{
      status: string | null;
      n: number;
      unpriced: string;
      partial: string;
      full_refund: string;
    }>(
      `SELECT status, COUNT(*) AS n, SUM(payment IS NULL OR payment <= 0) AS unpriced,
              SUM(refunded_fee > 0 AND refunded_fee < payment) AS partial,
              SUM(refunded_fee = payment) AS full_refund
         FROM youzan_orders GROUP BY status`,
    );
    const by = new Map(rows.map((r) => [r.status, r]));
    expect([...by.keys()].sort()).toEqual(['closed', 'completed', 'paid', 'refunded']);
    expect(rows.reduce((s, r) => s + Number(r.unpriced), 0)).toBe(0);
    const share = (status: string) => Number(by.get(status)?.n ?? 0) / ORDERS;
    expect(share('completed') + share('paid')).toBeGreaterThan(0.9);
    expect(share('closed')).toBeGreaterThan(0.01);
    expect(share('refunded')).toBeGreaterThan(0.01);
    expect(Number(by.get('refunded')?.full_refund)).toBe(by.get('refunded')?.n);
    expect(Number(by.get('completed')?.partial)).toBeGreaterThan(0);
    // Each order as its rows in the file say.
    const inFile = new Map<string, string>();
    for (const r of parse(await readFile(file), { bom: true, columns: true }) as Record<
      string,
      string
    >[]) {
      inFile.set(r.order_number, [r.status, r.payment, r.refunded_fee, r.customer_id].join('|'));
    }
    const stored = await all<{ n: string; v: string }>(
      `SELECT order_number AS n,
              CONCAT_WS('|', status, payment, IFNULL(refunded_fee, ''), user_ids) AS v FROM youzan_orders`,
    );
    expect(new Map(stored.map((o) => [o.n, o.v]))).toEqual(inFile);
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

  it('leaves every trigger of order_buyers in place', async () => {
    const rows = await all<{ name: string }>(
      `SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS
        WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'order_buyers'`,
    );
    const defined = [...AUDIENCE_TRIGGERS, ...STATS_TRIGGERS].filter(
      (t) => t.table === 'order_buyers',
    );
    expect(defined.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.name).sort()).toEqual(defined.map((t) => t.name).sort());
  });

  it('keeps the buyer projection exactly as the migration would derive it from the orders', async () => {
    const checksum = async () =>
      (await conn.query('CHECKSUM TABLE order_buyers, customer_last_order'))[0];
    const imported = await checksum();
    expect(await one('SELECT COUNT(*) AS n FROM order_buyers')).toEqual({ n: ORDERS });
    await conn.query('DELETE FROM order_buyers');
    await conn.query('DELETE FROM customer_last_order');
    expect(await checksum()).not.toEqual(imported);
    await backfillBuyerProjection({
      query: async (sql: string, params?: unknown[]) => (await conn.query(sql, params))[0],
    });
    expect(await checksum()).toEqual(imported);
  });
});
