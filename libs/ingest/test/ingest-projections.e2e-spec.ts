import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfigModule,
  ClockModule,
  formatDateTime,
  loadConfig,
  RedisModule,
} from '@app/common';
import { DatabaseModule } from '@app/database';
import { IngestOrdersService, OrderImportRecords, OrderImportRunner } from '@app/ingest';
import { YouzanModule, YouzanPullService } from '@app/youzan';
import { truncate } from '../../../test/utils/db';
import {
  startTestYouzanSimulator,
  YouzanSimulatorHarness,
} from '../../../test/utils/youzan-simulator';
import { order, resetIngestTables } from './ingest-harness';

const DAY = 86_400_000;
const CUSTOMERS = 12;
const HEADER =
  'order_number,order_time,status,payment,customer_id,city,warehouse_id,warehouse_name,sku_id,sku_name,brand,category_id,category_name,quantity,price';

/**
 * The ingestion core writes the projections of its label links set-based, per batch, with
 * the per-row link triggers standing aside (migration 1734420000000); every other writer
 * goes through the triggers. After each way orders come in — a Youzan pull, a file import,
 * another loader's rows, a refund, an order whose items change — every projection equals
 * the same rows derived from scratch from the orders, links and pushes.
 */
describe('ingestion core: the projections of its orders and links equal a recomputation from scratch', () => {
  let sim: YouzanSimulatorHarness;
  let ctx: INestApplicationContext;
  let db: DataSource;
  let dir: string;
  const pushedAt = formatDateTime(new Date(Date.now() - 40 * DAY));

  /** Rows of `sql` as sorted JSON lines, so two row sets compare regardless of order. */
  const rows = async (sql: string): Promise<string[]> =>
    ((await db.query(sql)) as Record<string, unknown>[]).map((r) => JSON.stringify(r)).sort();

  /** Label lists compared as sets: the trigger appends in link order, a recomputation sorts. */
  const sortedList = (column: string) =>
    `IF(${column} IS NULL, NULL, (SELECT GROUP_CONCAT(j.v ORDER BY j.v + 0)
        FROM JSON_TABLE(CONCAT('["', REPLACE(${column}, ',', '","'), '"]'),
                        '$[*]' COLUMNS (v VARCHAR(20) PATH '$')) j WHERE j.v <> ''))`;

  async function expectProjectionsExact(): Promise<void> {
    const [{ links, attributions }] = await db.query(
      `SELECT (SELECT COUNT(*) FROM wechat_customers_labels) AS links,
              (SELECT COUNT(*) FROM wechat_push_attributions WHERE goods_labels <> '') AS attributions`,
    );
    // The comparisons below are about something: links and labelled attributions exist.
    expect(Number(links)).toBeGreaterThan(0);
    expect(Number(attributions)).toBeGreaterThan(0);

    expect(
      await rows(
        'SELECT label_id, order_creation_time, customer_id, link_id FROM customer_label_orders',
      ),
    ).toEqual(
      await rows(
        `SELECT l.label_id, o.order_creation_time, l.customer_id, l.id AS link_id
           FROM wechat_customers_labels l JOIN youzan_orders o ON o.id = l.order_id`,
      ),
    );
    expect(
      await rows('SELECT customer_id, order_creation_time, order_id FROM order_buyers'),
    ).toEqual(
      await rows(
        `SELECT CAST(user_ids AS UNSIGNED) AS customer_id, order_creation_time, id AS order_id
           FROM youzan_orders`,
      ),
    );
    expect(await rows('SELECT customer_id, last_order_at FROM customer_last_order')).toEqual(
      await rows(
        `SELECT customer_id, MAX(order_creation_time) AS last_order_at
           FROM order_buyers GROUP BY customer_id`,
      ),
    );
    expect(
      await rows(
        `SELECT order_id, customer_id, batch_id, revenue, ${sortedList('goods_labels')} AS labels
           FROM wechat_push_attributions`,
      ),
    ).toEqual(
      await rows(
        `SELECT ob.order_id, ob.customer_id, d.batch_id,
                yo.payment - IFNULL(yo.refunded_fee, 0) AS revenue,
                (SELECT GROUP_CONCAT(l.label_id ORDER BY l.label_id)
                   FROM wechat_customers_labels l WHERE l.order_id = ob.order_id) AS labels
           FROM order_buyers ob
           JOIN youzan_orders yo ON yo.id = ob.order_id
           JOIN wechat_push_deliveries d
             ON d.recipient_key = ob.customer_id AND d.customer_id = ob.customer_id
            AND d.accepted = 1 AND d.pushed_at <= ob.order_creation_time
            AND ob.order_creation_time <= d.pushed_at + INTERVAL 90 DAY
          WHERE (yo.status IS NULL OR yo.status NOT IN ('closed', 'refunded'))
            AND (yo.payment IS NULL OR yo.payment - IFNULL(yo.refunded_fee, 0) > 0)`,
      ),
    );
  }

  const importFile = async (name: string, lines: string[]) => {
    const content = [HEADER, ...lines].join('\n');
    const path = join(dir, name);
    await writeFile(path, content);
    const id = await ctx.get(OrderImportRecords).create(
      {
        createdBy: 'test',
        fileName: name,
        filePath: path,
        fileSize: Buffer.byteLength(content),
        fileSha256: 'x'.repeat(64),
        format: 'csv',
        dryRun: false,
      },
      new Date(),
    );
    const done = await ctx.get(OrderImportRunner).run(id);
    expect(done).toMatchObject({ state: 'done', error: null });
    return done!;
  };

  /** An order of customer `c` (1…CUSTOMERS) `daysAgo` days ago, one line per SKU. */
  const fileOrder = (number: string, c: number, daysAgo: number, skus: number[], status = 'paid') =>
    skus.map((s) =>
      [
        number,
        formatDateTime(new Date(Date.now() - daysAgo * DAY)),
        status,
        (10 * skus.length).toFixed(2),
        c,
        c % 2 ? '上海' : '杭州',
        `W${c % 3}`,
        `仓${c % 3}`,
        `PSKU${s}`,
        `商品${s}`,
        `品牌${s % 4}`,
        `PC${s % 3}`,
        `类目${s % 3}`,
        1,
        '10.00',
      ].join(','),
    );

  beforeAll(async () => {
    sim = await startTestYouzanSimulator({ settings: { trades: 120, days: 10, seed: 23 } });
    const config = loadConfig({
      ...process.env,
      ...sim.env,
      YOUZAN_PAGE_SIZE: '50',
      YOUZAN_INITIAL_PULL_DAYS: '12',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule, ClockModule, DatabaseModule, RedisModule, YouzanModule],
    })
      .overrideProvider(APP_CONFIG)
      .useValue(config)
      .compile();
    ctx = await moduleRef.init();
    db = ctx.get(DataSource);
    dir = await mkdtemp(join(tmpdir(), 'wpp-projections-test-'));
    await resetIngestTables(db);
    await truncate(db, 'youzan_pull_state');
    // Customers 1…N, the simulator's first buyers among them, each pushed to 40 days ago (so
    // their orders since are attributed, with their label lists).
    const buyers = [...new Set((await sim.orders()).map((o) => o.buyer))].sort();
    expect(buyers.length).toBeGreaterThanOrEqual(CUSTOMERS);
    for (let c = 1; c <= CUSTOMERS; c++) {
      await db.query(
        `INSERT INTO customers (id, name, external_userid, youzan_buyer_id) VALUES (?, ?, ?, ?)`,
        [c, `客户${c}`, `ext-${c}`, buyers[c - 1]],
      );
      await db.query(
        `INSERT INTO wechat_push_deliveries (batch_id, external_userid, run_id, push_id, run_day,
           recipient_key, customer_id, pushed_at, accepted, updated_at)
         VALUES (1, ?, 1, 1, DATE(?), ?, ?, ?, 1, NOW())`,
        [`ext-${c}`, pushedAt, c, c, pushedAt],
      );
    }
  });
  afterAll(async () => {
    await ctx?.close();
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('after a Youzan pull, a file import and another loader’s rows', async () => {
    await ctx.get(YouzanPullService).pull();
    await importFile('a.csv', [
      ...fileOrder('F1', 1, 3, [1, 2, 3, 4]),
      ...fileOrder('F2', 2, 2, [2, 5]),
      ...fileOrder('F3', 3, 1, [6]),
      ...fileOrder('F4', 4, 50, [1, 7]), // before the push: no attribution
    ]);
    // Another loader (an outside ETL): an order, then its links, through the triggers.
    const [{ id: label }] = await db.query('SELECT MIN(id) AS id FROM wechat_labels');
    const { insertId } = await db.query(
      `INSERT INTO youzan_orders (order_number, user_ids, order_creation_time, payment)
       VALUES ('ETL-1', '5', ?, 30)`,
      [formatDateTime(new Date(Date.now() - DAY))],
    );
    await db.query(
      'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES (5, ?, ?), (5, ? + 1, ?)',
      [label, insertId, label, insertId],
    );
    await expectProjectionsExact();
  });

  it('after new, refunded and closed Youzan trades, and file orders refunded or with other items', async () => {
    await sim.create(15);
    await sim.churn({ refund: 4, close: 3, complete: 5 });
    await ctx.get(YouzanPullService).pull();
    await importFile('b.csv', [
      ...fileOrder('F1', 1, 3, [1, 8, 9]), // items changed: links removed and added
      ...fileOrder('F2', 2, 2, [2, 5], 'refunded'),
      ...fileOrder('F5', 6, 1, [10, 11, 12]),
    ]);
    // The core beside another loader's link on one of its orders, then an item added.
    await ctx
      .get(IngestOrdersService)
      .upsert([order('C1', { buyer: { customerId: 7 }, createdAt: new Date(Date.now() - DAY) })]);
    const [{ id: orderId }] = await db.query(
      "SELECT id FROM youzan_orders WHERE order_number = 'C1'",
    );
    const [{ id: label }] = await db.query('SELECT MAX(id) AS id FROM wechat_labels');
    await db.query(
      'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES (7, ?, ?)',
      [label, orderId],
    );
    await expectProjectionsExact();
  });
});
