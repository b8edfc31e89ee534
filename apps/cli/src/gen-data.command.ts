import { Readable } from 'node:stream';
import { AppConfig, BUSINESS_TZ, seededRandom } from '@app/common';
import { DbConnectionSettings } from '@app/database';
import { DateTime } from 'luxon';
import { bulkLoadCompany, load, tsv, tsvMany } from './bulk-load';
import { simulatedOrderValue } from './simulated-trade';

/**
 * `gen:data`: fills the company tables (labels, customers, orders, label links) with a
 * deterministic, realistic data set for benchmarks. Same flags, same rows, every time.
 *
 *   --customers N     customers (default 10000)
 *   --orders M        orders (default 100000), spread evenly over the year ending --end-date
 *   --db NAME         target database (default wpp_bench), DROPPED and re-created from the
 *                     migrations, so a failed run never leaves a half-built schema behind
 *   --seed S          PRNG seed (default 1)
 *   --end-date D      last day of the generated year, YYYY-MM-DD (default 2025-06-30)
 *
 * Shapes: ~4 label links per order and buyer (the buyer's city, a brand, a second-level
 * category, a SKU; popular labels much more common than rare ones), 2 % orders with two or
 * three buyers, 10 % customers without an external id (8 % NULL, 2 % empty); amounts of
 * 9.90–509.90 yuan, ~3 % of orders closed, ~3 % refunded in full, ~4 % in part.
 *
 * Rows go in with LOAD DATA LOCAL INFILE streamed from memory (no temporary files,
 * `bulk-load.ts`, shared with gen:demo); secondary indexes and the buyer-projection triggers are dropped for
 * the load and rebuilt afterwards, the projection derived by the migration's backfill.
 */

interface GenDataOptions {
  customers: number;
  orders: number;
  db: string;
  seed: number;
  endDate: string;
}

const GEN_CITIES = [
  '上海', '北京', '苏州', '杭州', '南京', '深圳', '广州', '成都', '武汉', '西安',
  '重庆', '天津', '长沙', '郑州', '青岛', '宁波', '无锡', '厦门', '合肥', '福州',
  '济南', '沈阳', '大连', '昆明', '南昌', '贵阳', '南宁', '太原', '石家庄', '哈尔滨',
]; // prettier-ignore
const GEN_WAREHOUSES = 20;
const GEN_CATEGORIES = 60;
const GEN_BRANDS = 100;
const GEN_SKUS = 5000;

/** bind_id / name of the generated labels, so a benchmark can name real ones. */
export const genLabel = {
  warehouseBindId: (i: number) => String(1001 + i),
  categoryBindId: (i: number) => String(2001 + i),
  brandName: (i: number) => `品牌${String(i + 1).padStart(3, '0')}`,
  skuBindId: (i: number) => `SKU${String(i + 1).padStart(6, '0')}`,
};

const LABEL_OFFSET = {
  city: 1,
  warehouse: 1 + GEN_CITIES.length,
  category: 1 + GEN_CITIES.length + GEN_WAREHOUSES,
  brand: 1 + GEN_CITIES.length + GEN_WAREHOUSES + GEN_CATEGORIES,
  sku: 1 + GEN_CITIES.length + GEN_WAREHOUSES + GEN_CATEGORIES + GEN_BRANDS,
};

/** A per-row generator, so any row can be re-derived without replaying the others. */
const rowRng = (seed: number, stream: number, row: number) =>
  seededRandom(
    Math.imul(seed, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b) ^ Math.imul(row, 0xc2b2ae35),
  );

/** Index in [0, n), item 0 most popular (density falls like 1/sqrt). */
const skewed = (u: number, n: number) => Math.min(n - 1, Math.floor(n * u * u));

function customerCity(seed: number, customerId: number): number {
  return skewed(rowRng(seed, 1, customerId)(), GEN_CITIES.length);
}

function externalUserid(seed: number, customerId: number): string | null | '' {
  const u = rowRng(seed, 2, customerId)();
  if (u < 0.08) return null;
  if (u < 0.1) return '';
  return `wm${seed.toString(36)}_${customerId.toString(36).padStart(6, '0')}`;
}

interface GenOrder {
  id: number;
  buyers: number[];
  createdAt: string;
  labels: number[];
}

function genOrder(o: GenDataOptions, id: number, yearStart: number): GenOrder {
  const r = rowRng(o.seed, 3, id);
  const first = 1 + Math.floor(r() * o.customers);
  const buyers = [first];
  if (r() < 0.02) {
    const extra = r() < 0.5 ? 1 : 2;
    for (let k = 0; k < extra; k++) {
      const b = 1 + Math.floor(r() * o.customers);
      if (!buyers.includes(b)) buyers.push(b);
    }
  }
  const second = Math.floor(r() * 365 * 86400);
  const createdAt = DateTime.fromSeconds(yearStart + second, { zone: BUSINESS_TZ }).toFormat(
    'yyyy-MM-dd HH:mm:ss',
  );
  const labels = [
    LABEL_OFFSET.brand + skewed(r(), GEN_BRANDS),
    LABEL_OFFSET.category + skewed(r(), GEN_CATEGORIES),
    LABEL_OFFSET.sku + skewed(r(), GEN_SKUS),
  ];
  return { id, buyers, createdAt, labels };
}

/** An order's amounts and status: 9.90–509.90 yuan, most small; a few closed or refunded. */
function orderValue(seed: number, id: number) {
  const r = rowRng(seed, 4, id);
  return simulatedOrderValue(990 + Math.floor(r() ** 2 * 50_000), r);
}

function parseArgs(args: string[], config: AppConfig): GenDataOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unexpected argument ${args[i]}`);
    flags.set(m[1], m[2] ?? args[++i]);
  }
  const known = ['customers', 'orders', 'db', 'seed', 'end-date'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k}`);
  const int = (name: string, def: number, min: number) => {
    const v = flags.has(name) ? Number(flags.get(name)) : def;
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return v;
  };
  const db = flags.get('db') ?? 'wpp_bench';
  if (!/^[A-Za-z0-9_]{1,64}$/.test(db)) throw new Error('--db: letters, digits and _ only');
  if (db === config.DB_NAME) throw new Error(`--db ${db} is the app's own database; name another`);
  const endDate = flags.get('end-date') ?? '2025-06-30';
  if (!DateTime.fromISO(endDate, { zone: BUSINESS_TZ }).isValid) {
    throw new Error('--end-date must be YYYY-MM-DD');
  }
  return {
    customers: int('customers', 10_000, 1),
    orders: int('orders', 100_000, 0),
    db,
    seed: int('seed', 1, 0),
    endDate,
  };
}

async function generateData(
  o: GenDataOptions,
  base: DbConnectionSettings,
  log: (msg: string) => void = (m) => console.error(m),
): Promise<void> {
  let links = 0;
  const seconds = await bulkLoadCompany(
    { ...base, DB_NAME: o.db },
    { label: 'gen:data', log, backfillProjection: true },
    async (conn, step) => {
      await step('labels', () => {
        const rows: string[] = [];
        GEN_CITIES.forEach((c, i) => rows.push(`${LABEL_OFFSET.city + i}\t\\N\t${c}\t0\n`));
        for (let i = 0; i < GEN_WAREHOUSES; i++) {
          rows.push(
            `${LABEL_OFFSET.warehouse + i}\t${genLabel.warehouseBindId(i)}\t分仓${i + 1}\t1\n`,
          );
        }
        for (let i = 0; i < GEN_CATEGORIES; i++) {
          rows.push(
            `${LABEL_OFFSET.category + i}\t${genLabel.categoryBindId(i)}\t品类${i + 1}\t2\n`,
          );
        }
        for (let i = 0; i < GEN_BRANDS; i++) {
          rows.push(`${LABEL_OFFSET.brand + i}\tB${i + 1}\t${genLabel.brandName(i)}\t3\n`);
        }
        for (let i = 0; i < GEN_SKUS; i++) {
          rows.push(`${LABEL_OFFSET.sku + i}\t${genLabel.skuBindId(i)}\t商品${i + 1}\t4\n`);
        }
        return load(
          conn,
          'wechat_labels',
          ['id', 'bind_id', 'name', 'type'],
          Readable.from([Buffer.from(rows.join(''), 'utf8')]),
        );
      });

      await step(`${o.customers} customers`, () =>
        load(
          conn,
          'customers',
          ['id', 'name', 'nickname', 'external_userid', 'created_at'],
          tsv(o.customers, (i) => {
            const ext = externalUserid(o.seed, i);
            return `${i}\t客户${i}\t昵称${i}\t${ext === null ? '\\N' : ext}\t2024-01-01 00:00:00\n`;
          }),
        ),
      );

      const yearStart = DateTime.fromISO(o.endDate, { zone: BUSINESS_TZ })
        .plus({ days: 1 })
        .minus({ days: 365 })
        .toSeconds();
      await step(`${o.orders} orders`, () =>
        load(
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
          tsv(o.orders, (i) => {
            const g = genOrder(o, i, yearStart);
            const v = orderValue(o.seed, i);
            return `${i}\tE${String(i).padStart(12, '0')}\t${g.buyers.join(',')}\t昵称${g.buyers[0]}\t${g.createdAt}\t${v.payment}\t${v.refundedFee ?? '\\N'}\t${v.status}\n`;
          }),
        ),
      );

      await step('label links', () =>
        load(
          conn,
          'wechat_customers_labels',
          ['customer_id', 'label_id', 'order_id'],
          tsvMany(o.orders, (i, out) => {
            const g = genOrder(o, i, yearStart);
            for (const b of g.buyers) {
              out.push(`${b}\t${LABEL_OFFSET.city + customerCity(o.seed, b)}\t${i}\n`);
              for (const l of g.labels) out.push(`${b}\t${l}\t${i}\n`);
              links += 1 + g.labels.length;
            }
          }),
        ),
      );
    },
  );
  log(
    `gen:data ${o.db}: ${o.customers} customers, ${o.orders} orders, ${links} label links ` +
      `in ${seconds.toFixed(1)} s`,
  );
}

export async function genDataCommand(args: string[], config: AppConfig): Promise<void> {
  if (config.NODE_ENV === 'production') throw new Error('gen:data refuses to run in production');
  await generateData(parseArgs(args, config), config);
}
