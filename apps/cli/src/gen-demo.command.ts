import { join, resolve } from 'node:path';
import { AppConfig, BUSINESS_TZ, seededRandom } from '@app/common';
import { DbConnectionSettings } from '@app/database';
import { DateTime } from 'luxon';
import { SimCorp } from '../../wecom-simulator/src/corp/sim-corp';
import { bulkLoadCompany, load, tsv } from './bulk-load';
import { DemoFileRow, writeDemoOrderFile } from './demo-order-file';
import { simulatedOrderValue } from './simulated-trade';
import {
  DEMO_CATEGORIES,
  DEMO_CITIES,
  DEMO_PRODUCTS,
  DEMO_WAREHOUSES,
  GIVEN_NAMES,
  NICKNAME_PARTS,
  SURNAMES,
} from './demo-catalog';

/**
 * `gen:demo`: the demo company of `npm run demo` in the app's own database (DB_NAME, which
 * must contain "demo"): DROPPED, re-created from the migrations, its customers loaded and its
 * orders written as an **order file** (`--out`) that `import:orders` then brings in through
 * the ingestion core (docs/INGEST.md), like a shop's export — orders, label links and every
 * projection are written by the import, never by this command. Orders are **relative to now**,
 * so day-window rules ("no purchase for 45 days") find people today.
 *
 *   --customers N   customers (default 20000)
 *   --orders M      orders (default 200000), over the last --days days
 *   --days D        history length in days (default 180)
 *   --seed S        PRNG seed (default 7), also the seed of the WeCom simulator's corp
 *                   (SIM_CORP_SEED): same seed and same day, same company
 *   --out FILE      where the order file goes (default demo-orders.csv in IMPORT_DIR)
 *
 * Customers are the WeCom contacts of the simulator's generated corp (seed S, N contacts,
 * DEMO_CORP members): customer k is contact k−1 — its `external_userid` and, when WeCom gives
 * one, its `unionid` — except 10 % who are shop buyers without an external id (8 % NULL, 2 %
 * empty). Shapes: customers in 16 cities (上海, 杭州, 北京…), each served by a regional
 * warehouse or store; 55 % still buying (last order within a week), 45 % lapsed at any point
 * of the history; 6 % registered but never ordered; a few heavy buyers; 1–3 products per order
 * from 12 categories and ~50 brands (伊利, 蒙牛…), half of them from the customer's favourite
 * category. Each order's row carries the buyer's city and warehouse and each item's category,
 * brand and SKU: the labels the import creates and links.
 */

/** The WeCom simulator's corp the demo's customers come from (SIM_CORP_* in scripts/demo.js). */
export const DEMO_CORP = {
  members: 5,
  senders: ['zhangmin', 'liqiang', 'wangfang', 'chenjing', 'liuyang'],
  unionidRate: 0.7,
  mobileRate: 0.3,
};

interface GenDemoOptions {
  customers: number;
  orders: number;
  days: number;
  seed: number;
  /** The order file to write. */
  out: string;
  now: DateTime;
}

interface GenDemoSummary {
  customers: number;
  orders: number;
  /** Line items: the order file's rows. */
  rows: number;
  file: string;
  seconds: number;
}

function weightedPicker(weights: number[]): (u: number) => number {
  const cum: number[] = [];
  let sum = 0;
  for (const w of weights) cum.push((sum += w));
  return (u) => {
    const x = u * sum;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** The SKU code of product `i` in the order file (a label of type 4 by this bind id). */
const skuId = (i: number) => `SKU${10001 + i}`;
const WAREHOUSE_NAMES = new Map(DEMO_WAREHOUSES.map((w) => [w.bindId, w.name]));
const CATEGORY_NAMES = new Map(DEMO_CATEGORIES.map((c) => [c.bindId, c.name]));

interface Customer {
  city: number;
  unionid: string | null;
  warehouse: string;
  favourite: number;
  firstDaysAgo: number;
  lastDaysAgo: number;
  buys: boolean;
  name: string;
  nickname: string;
  externalUserid: string | null;
  createdAt: number;
}

interface Order {
  time: number;
  buyer: number;
  /** Products and their quantities. */
  items: { product: number; quantity: number }[];
  value: ReturnType<typeof simulatedOrderValue>;
}

function generateDemoCompany(o: GenDemoOptions) {
  const r = seededRandom(o.seed);
  const nowSec = Math.floor(o.now.toSeconds());
  const day = 86400;
  const pickCity = weightedPicker(DEMO_CITIES.map((c) => c.weight));
  const pickCategory = weightedPicker(DEMO_CATEGORIES.map((c) => c.weight));
  const productsOf = DEMO_CATEGORIES.map((c) =>
    DEMO_PRODUCTS.flatMap((p, i) => (p[0] === c.bindId ? [i] : [])),
  );
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)];
  const corp = new SimCorp(
    {
      seed: o.seed,
      members: DEMO_CORP.members,
      contacts: o.customers,
      unionidRate: DEMO_CORP.unionidRate,
      mobileRate: DEMO_CORP.mobileRate,
    },
    DEMO_CORP.senders,
  );

  const customers: Customer[] = [];
  const weights: number[] = [];
  for (let i = 1; i <= o.customers; i++) {
    const city = pickCity(r());
    const ws = DEMO_CITIES[city].warehouses;
    const lapsed = r() < 0.45;
    const lastDaysAgo = lapsed ? 7 + Math.floor(r() * (o.days - 7)) : Math.floor(r() * 7);
    const firstDaysAgo = lastDaysAgo + Math.floor(r() * (o.days - lastDaysAgo));
    const u = r();
    // Customer i is the corp's contact i − 1, unless a shop buyer who is no WeCom contact.
    const contact = u < 0.1 ? null : corp.contact(corp.externalId(i - 1));
    const ext = u < 0.08 ? null : u < 0.1 ? '' : contact!.external_userid;
    const nick = `${pick(NICKNAME_PARTS.prefix)}${pick(NICKNAME_PARTS.middle)}${pick(NICKNAME_PARTS.suffix)}`;
    customers.push({
      city,
      unionid: contact?.unionid ?? null,
      warehouse: ws.length > 1 && r() < 0.3 ? ws[1] : ws[0],
      favourite: pickCategory(r()),
      firstDaysAgo,
      lastDaysAgo,
      buys: r() >= 0.06,
      name: `${pick(SURNAMES)}${pick(GIVEN_NAMES)}`,
      nickname: nick,
      externalUserid: ext,
      createdAt: nowSec - (firstDaysAgo + 1 + Math.floor(r() * 400)) * day,
    });
    // A few heavy buyers, most buy now and then.
    weights.push(0.3 + r() ** 4 * 12);
  }
  const buyerIds = customers.flatMap((c, i) => (c.buys ? [i + 1] : []));
  const pickBuyer = weightedPicker(buyerIds.map((id) => weights[id - 1]));

  const orders: Order[] = [];
  const newOrder = (customerId: number, daysAgo: number): Order => {
    const c = customers[customerId - 1];
    const time = nowSec - 600 - Math.floor((daysAgo + r()) * day);
    const count = r() < 0.7 ? 1 : r() < 0.8 ? 2 : 3;
    const items: Order['items'] = [];
    let paymentFen = 0;
    for (let k = 0; k < count; k++) {
      const category = r() < 0.5 ? c.favourite : pickCategory(r());
      const product = pick(productsOf[category]);
      if (items.some((it) => it.product === product)) continue;
      const quantity = r() < 0.8 ? 1 : 2;
      items.push({ product, quantity });
      paymentFen += Math.round(DEMO_PRODUCTS[product][3] * 100) * quantity;
    }
    return { time, buyer: customerId, items, value: simulatedOrderValue(paymentFen, r) };
  };
  // Every buyer's last order on its last day, then the rest spread over each buyer's span.
  for (const id of buyerIds) {
    if (orders.length >= o.orders) break;
    orders.push(newOrder(id, customers[id - 1].lastDaysAgo));
  }
  while (orders.length < o.orders) {
    const id = buyerIds[pickBuyer(r())];
    const c = customers[id - 1];
    orders.push(
      newOrder(id, c.lastDaysAgo + Math.floor(r() * (c.firstDaysAgo - c.lastDaysAgo + 1))),
    );
  }
  orders.sort((a, b) => a.time - b.time);
  return { customers, orders };
}

function parseArgs(args: string[], importDir: string): Omit<GenDemoOptions, 'now'> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unexpected argument ${args[i]}`);
    flags.set(m[1], m[2] ?? args[++i]);
  }
  for (const k of flags.keys()) {
    if (!['customers', 'orders', 'days', 'seed', 'out'].includes(k))
      throw new Error(`unknown flag --${k}`);
  }
  const int = (name: string, def: number, min: number, max: number) => {
    const v = flags.has(name) ? Number(flags.get(name)) : def;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    }
    return v;
  };
  const out = flags.has('out') ? flags.get('out')?.trim() : join(importDir, 'demo-orders.csv');
  if (!out) throw new Error('--out needs a file name');
  return {
    customers: int('customers', 20_000, 1, 2_000_000),
    orders: int('orders', 200_000, 0, 20_000_000),
    days: int('days', 180, 30, 3650),
    // The corp's seed (SIM_CORP_SEED) is at most 999,999.
    seed: int('seed', 7, 1, 999_999),
    out: resolve(out),
  };
}

const esc = (v: string) => v.replace(/[\\\t\n]/g, ' ');

/** The order file's rows: one per line item, the rows of an order adjacent. */
function* orderFileRows(
  customers: Customer[],
  orders: Order[],
  fmt: (sec: number) => string,
): Generator<DemoFileRow> {
  for (let k = 0; k < orders.length; k++) {
    const order = orders[k];
    const buyer = customers[order.buyer - 1];
    const number = `E${DateTime.fromSeconds(order.time, { zone: BUSINESS_TZ }).toFormat('yyyyMMddHHmmss')}${String(k + 1).padStart(8, '0')}`;
    for (const { product, quantity } of order.items) {
      const [category, brand, name, price] = DEMO_PRODUCTS[product];
      yield {
        order_number: number,
        order_time: fmt(order.time),
        status: order.value.status,
        payment: order.value.payment,
        refunded_fee: order.value.refundedFee ?? '',
        customer_id: order.buyer,
        nickname: buyer.nickname,
        city: DEMO_CITIES[buyer.city].name,
        warehouse_id: buyer.warehouse,
        warehouse_name: WAREHOUSE_NAMES.get(buyer.warehouse)!,
        sku_id: skuId(product),
        sku_name: name,
        brand,
        category_id: category,
        category_name: CATEGORY_NAMES.get(category)!,
        quantity,
        price: price.toFixed(2),
      };
    }
  }
}

/**
 * Re-creates the database with the demo's customers (bulk-loaded: they stand for the WeCom
 * contacts) and writes its orders as an order file for `import:orders`; nothing else is
 * written to the company tables.
 */
export async function generateDemo(
  o: GenDemoOptions,
  settings: DbConnectionSettings,
  log: (msg: string) => void = (m) => console.error(m),
): Promise<GenDemoSummary> {
  const { customers, orders } = generateDemoCompany(o);
  const fmt = (sec: number) =>
    DateTime.fromSeconds(sec, { zone: BUSINESS_TZ }).toFormat('yyyy-MM-dd HH:mm:ss');
  const t0 = Date.now();
  await bulkLoadCompany(
    settings,
    { label: 'gen:demo', log, backfillProjection: true },
    async (conn, step) => {
      await step(`${customers.length} customers`, () =>
        load(
          conn,
          'customers',
          ['id', 'name', 'nickname', 'external_userid', 'unionid', 'created_at'],
          tsv(customers.length, (i) => {
            const c = customers[i - 1];
            return `${i}\t${esc(c.name)}\t${esc(c.nickname)}\t${c.externalUserid ?? '\\N'}\t${c.unionid ?? '\\N'}\t${fmt(c.createdAt)}\n`;
          }),
        ),
      );
    },
  );
  const t = Date.now();
  const rows = await writeDemoOrderFile(o.out, orderFileRows(customers, orders, fmt));
  log(`gen:demo order file ${o.out}: ${rows} rows, ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return {
    customers: customers.length,
    orders: orders.length,
    rows,
    file: o.out,
    seconds: (Date.now() - t0) / 1000,
  };
}

export async function genDemoCommand(args: string[], config: AppConfig): Promise<void> {
  if (config.NODE_ENV === 'production') throw new Error('gen:demo refuses to run in production');
  if (!/demo/i.test(config.DB_NAME)) {
    throw new Error(
      `gen:demo drops and re-creates DB_NAME; ${config.DB_NAME} does not look like a demo database (its name must contain "demo")`,
    );
  }
  const options = {
    ...parseArgs(args, config.IMPORT_DIR),
    now: DateTime.now().setZone(BUSINESS_TZ),
  };
  const s = await generateDemo(options, config);
  console.log(
    `gen:demo ${config.DB_NAME}: ${s.customers} customers; ${s.orders} orders over ${options.days} days ` +
      `in ${s.rows} rows written to ${s.file} (${s.seconds.toFixed(1)} s) — bring them in with import:orders ${s.file}`,
  );
}
