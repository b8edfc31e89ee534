import { Readable } from 'node:stream';
import { AppConfig, BUSINESS_TZ } from '@app/common';
import { DbConnectionSettings } from '@app/database';
import { DateTime } from 'luxon';
import { bulkLoadCompany, load } from './bulk-load';
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
 * must contain "demo"): DROPPED, re-created from the migrations and filled with a grocery
 * chain's customers and orders **relative to now**, so day-window rules ("no purchase for
 * 45 days") find people today.
 *
 *   --customers N   customers (default 20000)
 *   --orders M      orders (default 200000), over the last --days days
 *   --days D        history length in days (default 180)
 *   --seed S        PRNG seed (default 7); same seed and same day, same company
 *
 * Shapes: customers in 16 cities (上海, 杭州, 北京…), each served by a regional warehouse or
 * store; 55 % still buying (last order within a week), 45 % lapsed at any point of the
 * history; 6 % registered but never ordered; a few heavy buyers; 10 % without an external id
 * (8 % NULL, 2 % empty); 1–3 products per order from 12 categories and ~50 brands (伊利,
 * 蒙牛…), half of them from the customer's favourite category; 2 % orders with two buyers.
 * Label links per order and buyer: the buyer's city, the order's warehouse, and each
 * product's category, brand and SKU. The buyer projection (`order_buyers`,
 * `customer_last_order`) is loaded directly, not derived by the migration's backfill.
 */

interface GenDemoOptions {
  customers: number;
  orders: number;
  days: number;
  seed: number;
  now: DateTime;
}

interface GenDemoSummary {
  customers: number;
  orders: number;
  labelLinks: number;
  seconds: number;
}

/** mulberry32, as gen:data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Label ids in table order: cities, warehouses, categories, brands, SKUs. */
function demoLabels() {
  const brands = [...new Set(DEMO_PRODUCTS.map((p) => p[1]))];
  const rows: { id: number; bindId: string | null; name: string; type: number }[] = [];
  const add = (bindId: string | null, name: string, type: number) =>
    rows.push({ id: rows.length + 1, bindId, name, type }) && rows.length;
  const city = DEMO_CITIES.map((c) => add(null, c.name, 0));
  const warehouse = new Map(DEMO_WAREHOUSES.map((w) => [w.bindId, add(w.bindId, w.name, 1)]));
  const category = new Map(DEMO_CATEGORIES.map((c) => [c.bindId, add(c.bindId, c.name, 2)]));
  const brand = new Map(brands.map((b, i) => [b, add(`B${String(i + 1).padStart(3, '0')}`, b, 3)]));
  const sku = DEMO_PRODUCTS.map((p, i) => add(`SKU${10001 + i}`, p[2], 4));
  return { rows, city, warehouse, category, brand, sku };
}

interface Customer {
  city: number;
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
  buyers: number[];
  items: number[];
  payment: number;
}

function generateDemoCompany(o: GenDemoOptions) {
  const r = rng(o.seed);
  const nowSec = Math.floor(o.now.toSeconds());
  const day = 86400;
  const pickCity = weightedPicker(DEMO_CITIES.map((c) => c.weight));
  const pickCategory = weightedPicker(DEMO_CATEGORIES.map((c) => c.weight));
  const productsOf = DEMO_CATEGORIES.map((c) =>
    DEMO_PRODUCTS.flatMap((p, i) => (p[0] === c.bindId ? [i] : [])),
  );
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)];

  const customers: Customer[] = [];
  const weights: number[] = [];
  for (let i = 1; i <= o.customers; i++) {
    const city = pickCity(r());
    const ws = DEMO_CITIES[city].warehouses;
    const lapsed = r() < 0.45;
    const lastDaysAgo = lapsed ? 7 + Math.floor(r() * (o.days - 7)) : Math.floor(r() * 7);
    const firstDaysAgo = lastDaysAgo + Math.floor(r() * (o.days - lastDaysAgo));
    const u = r();
    const ext =
      u < 0.08
        ? null
        : u < 0.1
          ? ''
          : `wm${Array.from({ length: 22 }, () => BASE62[Math.floor(r() * 62)]).join('')}`;
    const nick = `${pick(NICKNAME_PARTS.prefix)}${pick(NICKNAME_PARTS.middle)}${pick(NICKNAME_PARTS.suffix)}`;
    customers.push({
      city,
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
    const items: number[] = [];
    let payment = 0;
    for (let k = 0; k < count; k++) {
      const category = r() < 0.5 ? c.favourite : pickCategory(r());
      const product = pick(productsOf[category]);
      if (items.includes(product)) continue;
      items.push(product);
      payment += DEMO_PRODUCTS[product][3] * (r() < 0.8 ? 1 : 2);
    }
    const buyers = [customerId];
    if (r() < 0.02) {
      const other = buyerIds[Math.floor(r() * buyerIds.length)];
      if (other !== customerId) buyers.push(other);
    }
    return { time, buyers, items, payment: Math.round(payment * 100) / 100 };
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

function parseArgs(args: string[]): Omit<GenDemoOptions, 'now'> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unexpected argument ${args[i]}`);
    flags.set(m[1], m[2] ?? args[++i]);
  }
  for (const k of flags.keys()) {
    if (!['customers', 'orders', 'days', 'seed'].includes(k))
      throw new Error(`unknown flag --${k}`);
  }
  const int = (name: string, def: number, min: number, max: number) => {
    const v = flags.has(name) ? Number(flags.get(name)) : def;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    }
    return v;
  };
  return {
    customers: int('customers', 20_000, 1, 2_000_000),
    orders: int('orders', 200_000, 0, 20_000_000),
    days: int('days', 180, 30, 3650),
    seed: int('seed', 7, 0, 2 ** 31),
  };
}

const esc = (v: string) => v.replace(/[\\\t\n]/g, ' ');

export async function generateDemo(
  o: GenDemoOptions,
  settings: DbConnectionSettings,
  log: (msg: string) => void = (m) => console.error(m),
): Promise<GenDemoSummary> {
  const labels = demoLabels();
  const { customers, orders } = generateDemoCompany(o);
  const fmt = (sec: number) =>
    DateTime.fromSeconds(sec, { zone: BUSINESS_TZ }).toFormat('yyyy-MM-dd HH:mm:ss');
  let labelLinks = 0;
  const seconds = await bulkLoadCompany(
    settings,
    { label: 'gen:demo', log, backfillProjection: false },
    async (conn, step) => {
      // Chunks of 20,000 lines: one packet must stay below max_allowed_packet.
      const put = (table: string, columns: string[], lines: string[]) =>
        load(
          conn,
          table,
          columns,
          Readable.from(
            (function* () {
              for (let i = 0; i < lines.length; i += 20_000) {
                yield Buffer.from(lines.slice(i, i + 20_000).join(''), 'utf8');
              }
            })(),
          ),
        );
      await step(`${labels.rows.length} labels`, () =>
        put(
          'wechat_labels',
          ['id', 'bind_id', 'name', 'type'],
          labels.rows.map((l) => `${l.id}\t${l.bindId ?? '\\N'}\t${esc(l.name)}\t${l.type}\n`),
        ),
      );
      await step(`${customers.length} customers`, () =>
        put(
          'customers',
          ['id', 'name', 'nickname', 'external_userid', 'created_at'],
          customers.map(
            (c, i) =>
              `${i + 1}\t${esc(c.name)}\t${esc(c.nickname)}\t${c.externalUserid ?? '\\N'}\t${fmt(c.createdAt)}\n`,
          ),
        ),
      );
      const orderLines: string[] = [];
      const linkLines: string[] = [];
      const buyerLines: string[] = [];
      const last = new Map<number, number>();
      orders.forEach((order, k) => {
        const id = k + 1;
        const at = fmt(order.time);
        const first = customers[order.buyers[0] - 1];
        const number = `E${DateTime.fromSeconds(order.time, { zone: BUSINESS_TZ }).toFormat('yyyyMMddHHmmss')}${String(id).padStart(8, '0')}`;
        orderLines.push(
          `${id}\t${number}\t${order.buyers.join(',')}\t${esc(first.nickname)}\t${at}\t${order.payment.toFixed(2)}\n`,
        );
        const orderLabels = [labels.warehouse.get(first.warehouse)!];
        for (const p of order.items) {
          const [category, brand] = DEMO_PRODUCTS[p];
          for (const l of [
            labels.category.get(category)!,
            labels.brand.get(brand)!,
            labels.sku[p],
          ]) {
            if (!orderLabels.includes(l)) orderLabels.push(l);
          }
        }
        for (const b of order.buyers) {
          buyerLines.push(`${b}\t${at}\t${id}\n`);
          last.set(b, Math.max(last.get(b) ?? 0, order.time));
          for (const l of [labels.city[customers[b - 1].city], ...orderLabels]) {
            linkLines.push(`${b}\t${l}\t${id}\n`);
          }
        }
      });
      labelLinks = linkLines.length;
      await step(`${orders.length} orders`, () =>
        put(
          'youzan_orders',
          ['id', 'order_number', 'user_ids', 'fans_nickname', 'order_creation_time', 'payment'],
          orderLines,
        ),
      );
      await step(`${labelLinks} label links`, () =>
        put('wechat_customers_labels', ['customer_id', 'label_id', 'order_id'], linkLines),
      );
      await step('buyer projection', async () => {
        buyerLines.sort((a, b) => Number(a.split('\t', 1)[0]) - Number(b.split('\t', 1)[0]));
        await put('order_buyers', ['customer_id', 'order_creation_time', 'order_id'], buyerLines);
        await put(
          'customer_last_order',
          ['customer_id', 'last_order_at'],
          [...last].map(([c, t]) => `${c}\t${fmt(t)}\n`),
        );
      });
    },
  );
  return { customers: customers.length, orders: orders.length, labelLinks, seconds };
}

export async function genDemoCommand(args: string[], config: AppConfig): Promise<void> {
  if (config.NODE_ENV === 'production') throw new Error('gen:demo refuses to run in production');
  if (!/demo/i.test(config.DB_NAME)) {
    throw new Error(
      `gen:demo drops and re-creates DB_NAME; ${config.DB_NAME} does not look like a demo database (its name must contain "demo")`,
    );
  }
  const options = { ...parseArgs(args), now: DateTime.now().setZone(BUSINESS_TZ) };
  const s = await generateDemo(options, config);
  console.log(
    `gen:demo ${config.DB_NAME}: ${s.customers} customers, ${s.orders} orders over ${options.days} days, ` +
      `${s.labelLinks} label links in ${s.seconds.toFixed(1)} s`,
  );
}
