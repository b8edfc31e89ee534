import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { formatDateTime } from '@app/common';
import { dropDatabase } from '@app/database';
import { OrderImportRunner } from '@app/ingest';
import { bulkLoadCompany, load, tsv, tsvMany } from '../../apps/cli/src/bulk-load';
import { ApiHarness, startApiWith } from '../utils/api-app';
import { plainRuleBody } from '../utils/rule-factory';
import { dbSettings, OPERATOR_1_TOKEN } from '../test-env';

/**
 * Issue 20's proof "an audience preview after an import equals the preview of the same data
 * generated directly": the same customers (loaded by the bulk loader gen:data uses) in two
 * databases; in one the orders come in as an order file through the import, in the other
 * they are written as gen:data writes them (labels, orders and one label link per order ×
 * label, LOAD DATA, projections backfilled). /wechatpush/preview must answer the same count,
 * sample and window for rules by window only and with city, warehouse, brand, category and
 * SKU labels.
 */
const DAY = 86_400_000;
const CUSTOMERS = 40;
const ORDERS = 160;

const CITIES = ['上海', '杭州', '北京'];
const WAREHOUSES = [
  { id: '1001', name: '华东一仓' },
  { id: '1002', name: '华东二仓' },
  { id: '1003', name: '华北一仓' },
];
const CATEGORIES = [
  { id: '2001', name: '乳制品' },
  { id: '2002', name: '饼干' },
];
const SKUS = [
  { id: 'SKU000123', name: '伊利纯牛奶 250ml×24', brand: '伊利', category: 0, price: 99.14 },
  { id: 'SKU000456', name: '蒙牛酸奶 100g×8', brand: '蒙牛', category: 0, price: 20 },
  { id: 'SKU000789', name: '奥利奥 388g', brand: '奥利奥', category: 1, price: 35 },
  { id: 'SKU000999', name: '伊利安慕希 205g×12', brand: '伊利', category: 0, price: 59.9 },
];
const BRANDS = [...new Set(SKUS.map((s) => s.brand))];

/** 10 % without an external id (NULL or empty), as gen:data's customers. */
const externalId = (c: number) => (c % 10 === 0 ? null : c % 10 === 5 ? '' : `wm_ip_${c}`);

interface Order {
  id: number;
  number: string;
  buyer: number;
  createdAt: string;
  status: 'paid' | 'completed' | 'closed' | 'refunded';
  payment: string;
  refundedFee: string | null;
  city: string;
  warehouse: (typeof WAREHOUSES)[number];
  items: { sku: (typeof SKUS)[number]; quantity: number }[];
}

/** Deterministic orders over the last 120 days; a few closed or refunded, 1–3 items each. */
function orders(now: number): Order[] {
  return Array.from({ length: ORDERS }, (_, k) => {
    const i = k + 1;
    const items = [0, 1, 2]
      .slice(0, 1 + (i % 3))
      .map((j) => ({ sku: SKUS[(i + j * 3) % SKUS.length], quantity: 1 + ((i + j) % 2) }));
    const fen = items.reduce((s, it) => s + Math.round(it.sku.price * 100) * it.quantity, 0);
    const payment = (fen / 100).toFixed(2);
    const status =
      i % 17 === 0 ? 'refunded' : i % 19 === 0 ? 'closed' : i % 2 ? 'completed' : 'paid';
    return {
      id: i,
      number: `IP${String(i).padStart(6, '0')}`,
      buyer: 1 + ((i * 7) % CUSTOMERS),
      createdAt: formatDateTime(new Date(now - ((i * 13) % 120) * DAY - ((i * 37) % 600) * 60_000)),
      status,
      payment,
      refundedFee: status === 'refunded' ? payment : null,
      city: CITIES[i % CITIES.length],
      warehouse: WAREHOUSES[(i * 5) % WAREHOUSES.length],
      items,
    };
  });
}

/** The order file: one row per line item, the documented English headers. */
function orderFile(list: Order[]): string {
  const header = [
    'order_number',
    'order_time',
    'status',
    'payment',
    'refunded_fee',
    'customer_id',
    'nickname',
    'city',
    'warehouse_id',
    'warehouse_name',
    'sku_id',
    'sku_name',
    'brand',
    'category_id',
    'category_name',
    'quantity',
    'price',
  ];
  const rows = list.flatMap((o) =>
    o.items.map((it) =>
      [
        o.number,
        o.createdAt,
        o.status,
        o.payment,
        o.refundedFee ?? '',
        o.buyer,
        `昵称${o.buyer}`,
        o.city,
        o.warehouse.id,
        o.warehouse.name,
        it.sku.id,
        it.sku.name,
        it.sku.brand,
        CATEGORIES[it.sku.category].id,
        CATEGORIES[it.sku.category].name,
        it.quantity,
        it.sku.price.toFixed(2),
      ].join(','),
    ),
  );
  return [header.join(','), ...rows].join('\n');
}

/** The customers as gen:data loads them (ids 1…N, a few without an external id). */
const loadCustomers = (conn: Parameters<typeof load>[0]) =>
  load(
    conn,
    'customers',
    ['id', 'name', 'nickname', 'external_userid', 'created_at'],
    tsv(CUSTOMERS, (c) => {
      const ext = externalId(c);
      return `${c}\t客户${c}\t昵称${c}\t${ext === null ? '\\N' : ext}\t2024-01-01 00:00:00\n`;
    }),
  );

/** Label ids as gen:data numbers them: cities, warehouses, categories, brands, SKUs. */
const LABEL = {
  city: (name: string) => 1 + CITIES.indexOf(name),
  warehouse: (i: number) => 1 + CITIES.length + i,
  category: (i: number) => 1 + CITIES.length + WAREHOUSES.length + i,
  brand: (name: string) =>
    1 + CITIES.length + WAREHOUSES.length + CATEGORIES.length + BRANDS.indexOf(name),
  sku: (i: number) => 1 + CITIES.length + WAREHOUSES.length + CATEGORIES.length + BRANDS.length + i,
};

/** The rules compared: a window alone, and each kind of label (with the window). */
const RULES: [string, Record<string, unknown>][] = [
  ['window only', { lastOrderDay: 30, lastOrderDayLimit: 60 }],
  ['wide window', { lastOrderDay: 1, lastOrderDayLimit: 365 }],
  ['city', { lastOrderDay: 1, lastOrderDayLimit: 90, cityLabels: '上海,北京' }],
  ['warehouse', { lastOrderDay: 5, lastOrderDayLimit: 100, storeLabels: '1002' }],
  ['brand', { lastOrderDay: 10, lastOrderDayLimit: 80, brandLabels: '伊利' }],
  ['category', { lastOrderDay: 1, lastOrderDayLimit: 120, cateLabels: '2002' }],
  ['SKU', { lastOrderDay: 1, lastOrderDayLimit: 90, skuLabels: 'SKU000456,SKU000999' }],
  [
    'city, brand and SKU',
    {
      lastOrderDay: 3,
      lastOrderDayLimit: 110,
      cityLabels: '杭州',
      brandLabels: '伊利,蒙牛',
      skuLabels: 'SKU000123',
    },
  ],
];

interface Preview {
  count: number;
  sample: string[];
  window: { from: string; to: string };
}

describe('an audience preview after an import equals the preview of the same data generated directly', () => {
  const base = process.env.DB_NAME as string;
  const imported = dbSettings(`${base}_ipi`);
  const generated = dbSettings(`${base}_ipg`);
  const prefix = process.env.REDIS_KEY_PREFIX as string;
  const list = orders(Date.now());
  let dir: string;
  let importApi: ApiHarness | undefined;
  let directApi: ApiHarness | undefined;

  const preview = async (api: ApiHarness, rule: Record<string, unknown>): Promise<Preview> => {
    const res = await api.post('/wechatpush/preview', plainRuleBody(rule));
    expect(res.body).toMatchObject({ success: true });
    const { count, sample, window } = res.body.data as Preview;
    return { count, sample, window };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wpp-import-preview-'));
    const log = () => undefined;

    // The import's database: the customers only; the orders come in through the import.
    await bulkLoadCompany(
      imported,
      { label: 'customers', log, backfillProjection: true },
      async (conn) => loadCustomers(conn),
    );
    importApi = await startApiWith({
      DB_NAME: imported.DB_NAME,
      REDIS_KEY_PREFIX: `${prefix}ipi:`,
      IMPORT_DIR: dir,
      SCHEDULER_ENABLED: 'false',
    });
    const upload = await request(importApi.app.getHttpServer())
      .post('/import/orders')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`)
      .field('dryRun', 'false')
      .attach('file', Buffer.from(orderFile(list)), {
        filename: 'orders.csv',
        contentType: 'text/csv',
      });
    expect(upload.status).toBe(200);
    // The worker's job, run here.
    const done = await importApi.app
      .get(OrderImportRunner, { strict: false })
      .run(upload.body.data.id as number);
    expect(done).toMatchObject({ state: 'done', rowsRejected: 0, ordersWritten: ORDERS });

    // The direct database: everything as gen:data writes it.
    await bulkLoadCompany(
      generated,
      { label: 'direct', log, backfillProjection: true },
      async (conn) => {
        const labels = [
          ...CITIES.map((c) => `${LABEL.city(c)}\t\\N\t${c}\t0\n`),
          ...WAREHOUSES.map((w, i) => `${LABEL.warehouse(i)}\t${w.id}\t${w.name}\t1\n`),
          ...CATEGORIES.map((c, i) => `${LABEL.category(i)}\t${c.id}\t${c.name}\t2\n`),
          ...BRANDS.map((b, i) => `${LABEL.brand(b)}\tB${i + 1}\t${b}\t3\n`),
          ...SKUS.map((s, i) => `${LABEL.sku(i)}\t${s.id}\t${s.name}\t4\n`),
        ];
        await load(
          conn,
          'wechat_labels',
          ['id', 'bind_id', 'name', 'type'],
          tsv(labels.length, (i) => labels[i - 1]),
        );
        await loadCustomers(conn);
        await load(
          conn,
          'youzan_orders',
          [
            'id',
            'order_number',
            'user_ids',
            'fans_nickname',
            'order_creation_time',
            'payment',
            'refunded_fee',
            'status',
          ],
          tsv(list.length, (i) => {
            const o = list[i - 1];
            return `${o.id}\t${o.number}\t${o.buyer}\t昵称${o.buyer}\t${o.createdAt}\t${o.payment}\t${o.refundedFee ?? '\\N'}\t${o.status}\n`;
          }),
        );
        await load(
          conn,
          'wechat_customers_labels',
          ['customer_id', 'label_id', 'order_id'],
          tsvMany(list.length, (i, out) => {
            const o = list[i - 1];
            const ids = new Set([
              LABEL.city(o.city),
              LABEL.warehouse(WAREHOUSES.indexOf(o.warehouse)),
              ...o.items.flatMap((it) => [
                LABEL.brand(it.sku.brand),
                LABEL.category(it.sku.category),
                LABEL.sku(SKUS.indexOf(it.sku)),
              ]),
            ]);
            for (const id of ids) out.push(`${o.buyer}\t${id}\t${o.id}\n`);
          }),
        );
      },
    );
    directApi = await startApiWith({
      DB_NAME: generated.DB_NAME,
      REDIS_KEY_PREFIX: `${prefix}ipg:`,
      SCHEDULER_ENABLED: 'false',
    });
  }, 180_000);

  afterAll(async () => {
    await importApi?.close();
    await directApi?.close();
    await dropDatabase(imported);
    await dropDatabase(generated);
    if (dir) await rm(dir, { recursive: true, force: true });
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      for await (const keys of redis.scanStream({
        match: `${prefix}ip*`,
        count: 1000,
      }) as AsyncIterable<string[]>) {
        if (keys.length) await redis.del(...keys);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('the two databases hold the same orders and label links', async () => {
    const orderRows = (api: ApiHarness) =>
      api.db.query(
        `SELECT order_number, user_ids, order_creation_time, payment, refunded_fee, status
           FROM youzan_orders ORDER BY order_number`,
      );
    expect(await orderRows(importApi!)).toEqual(await orderRows(directApi!));
    // Cities and brands are matched by name, the other labels by bind_id (docs/AUDIENCE.md).
    const links = (api: ApiHarness) =>
      api.db.query(
        `SELECT o.order_number, l.customer_id, w.type,
                CASE WHEN w.type IN (0, 3) THEN w.name ELSE w.bind_id END AS label_key
           FROM wechat_customers_labels l
           JOIN youzan_orders o ON o.id = l.order_id
           JOIN wechat_labels w ON w.id = l.label_id
          ORDER BY o.order_number, w.type, label_key`,
      );
    const direct = (await links(directApi!)) as unknown[];
    expect(await links(importApi!)).toEqual(direct);
    expect(direct.length).toBeGreaterThan(ORDERS * 4);
  });

  it.each(RULES)('%s: the same count, sample and window', async (_what, rule) => {
    const fromImport = await preview(importApi!, rule);
    const direct = await preview(directApi!, rule);
    expect(fromImport).toEqual(direct);
  });

  it('the rules select someone and not everyone (the comparison means something)', async () => {
    const counts = await Promise.all(RULES.map(([, rule]) => preview(directApi!, rule)));
    for (const [i, p] of counts.entries()) {
      expect([RULES[i][0], p.count > 0, p.count < CUSTOMERS]).toEqual([RULES[i][0], true, true]);
    }
    expect(new Set(counts.map((p) => p.count)).size).toBeGreaterThan(3);
  });
});
