import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatDateTime } from '@app/common';
import { genLabel } from '../apps/cli/src/gen-data.command';

/**
 * The orders of `bench:ingest`, computed per index from a seed, so the CSV the import reads
 * and the rows the bulk loader loads are the same orders: 4 line items each, labels mostly
 * from gen:data's library (cities by name, warehouses / categories / SKUs by bind_id, brands
 * by name), 1 % of the SKUs new (created by the import), 5 % of the buyers new (a mobile no
 * customer has, each buying twice), the others customers of the data set by id.
 */

export const ITEMS_PER_ORDER = 4;
/** Cities of gen:data's library (matched by name). */
const CITIES = ['上海', '北京', '苏州', '杭州', '南京', '深圳', '广州', '成都', '武汉', '西安'];
const WAREHOUSES = 20;
const CATEGORIES = 60;
const BRANDS = 100;
const SKUS = 5000;
/** First order of the year the orders fall in (2024-07-01 00:00 Shanghai = UTC+8). */
const YEAR_START_MS = Date.UTC(2024, 5, 30, 16, 0, 0);

export const CSV_HEADER =
  'order_number,order_time,status,payment,customer_id,mobile,unionid,nickname,city,warehouse_id,warehouse_name,sku_id,sku_name,brand,category_id,category_name,quantity,price';

interface BenchItem {
  skuId: string;
  skuName: string;
  brand: string;
  categoryId: string;
  categoryName: string;
  quantity: number;
  priceFen: number;
}

export interface BenchOrder {
  number: string;
  time: string;
  status: 'paid' | 'completed' | 'closed' | 'refunded';
  paymentFen: number;
  /** A customer of the data set; absent for a new buyer (then `newBuyer` and `mobile`). */
  customerId?: number;
  newBuyer?: number;
  mobile?: string;
  nickname: string;
  city: string;
  warehouseId: string;
  warehouseName: string;
  items: BenchItem[];
}

/** mulberry32, seeded per row (as gen:data does): any order can be re-derived alone. */
function rowRng(seed: number, row: number): () => number {
  let a =
    (Math.imul(seed, 0x9e3779b1) ^ Math.imul(7, 0x85ebca6b) ^ Math.imul(row, 0xc2b2ae35)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index in [0, n), item 0 most popular (as gen:data skews its labels). */
/** The SKUs no data set holds: [bind_id, name] (the bulk side loads them all). */
export const NEW_SKU_LABELS: [string, string][] = Array.from({ length: 2000 }, (_, s) => [
  `SKUX${String(s).padStart(5, '0')}`,
  `新品${s + 1}`,
]);

const skewed = (u: number, n: number) => Math.min(n - 1, Math.floor(n * u * u));

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/**
 * The mobile of new buyer `k` of a run: 19 + the run tag's last 4 digits + k, so a run on a
 * reused data set creates its new buyers again instead of finding an earlier run's.
 */
export const newBuyerMobile = (tag: string, k: number) =>
  `19${tag.replace(/\D/g, '').slice(-4)}${String(k).padStart(5, '0')}`;

/** Order `i` (0-based) of a run whose order numbers start with `tag`. */
export function benchOrder(tag: string, i: number, customers: number, seed = 1): BenchOrder {
  const r = rowRng(seed, i);
  const number = `${tag}${String(i).padStart(9, '0')}`;
  const time = formatDateTime(new Date(YEAR_START_MS + Math.floor(r() * 365 * 86_400) * 1000));
  const u = r();
  const status = u < 0.03 ? 'refunded' : u < 0.05 ? 'closed' : u < 0.2 ? 'paid' : 'completed';
  const buyer: Pick<BenchOrder, 'customerId' | 'newBuyer' | 'mobile' | 'nickname'> =
    i % 20 === 0
      ? {
          newBuyer: Math.floor(i / 40),
          mobile: newBuyerMobile(tag, Math.floor(i / 40)),
          nickname: `新客${Math.floor(i / 40)}`,
        }
      : (() => {
          const id = 1 + Math.floor(r() * customers);
          return { customerId: id, nickname: `昵称${id}` };
        })();
  const w = skewed(r(), WAREHOUSES);
  const items: BenchItem[] = [];
  for (let k = 0; k < ITEMS_PER_ORDER; k++) {
    const c = skewed(r(), CATEGORIES);
    const fresh = r() < 0.01;
    const s = fresh ? Math.floor(r() * NEW_SKU_LABELS.length) : skewed(r(), SKUS);
    items.push({
      skuId: fresh ? NEW_SKU_LABELS[s][0] : genLabel.skuBindId(s),
      skuName: fresh ? NEW_SKU_LABELS[s][1] : `商品${s + 1}`,
      brand: genLabel.brandName(skewed(r(), BRANDS)),
      categoryId: genLabel.categoryBindId(c),
      categoryName: `品类${c + 1}`,
      quantity: 1 + Math.floor(r() * 3),
      priceFen: 990 + Math.floor(r() * r() * 20_000),
    });
  }
  return {
    number,
    time,
    status,
    paymentFen: items.reduce((s, it) => s + it.quantity * it.priceFen, 0),
    ...buyer,
    city: CITIES[skewed(r(), CITIES.length)],
    warehouseId: genLabel.warehouseBindId(w),
    warehouseName: `分仓${w + 1}`,
    items,
  };
}

/** The CSV lines of an order (one per line item, the documented English columns). */
export function csvLines(o: BenchOrder): string {
  const head = `${o.number},${o.time},${o.status},${yuan(o.paymentFen)},${o.customerId ?? ''},${o.mobile ?? ''},,${o.nickname},${o.city},${o.warehouseId},${o.warehouseName}`;
  return o.items
    .map(
      (it) =>
        `${head},${it.skuId},${it.skuName},${it.brand},${it.categoryId},${it.categoryName},${it.quantity},${yuan(it.priceFen)}\n`,
    )
    .join('');
}

/** Writes the CSV of orders 0..n-1; resolves with its size in bytes. */
export async function writeCsv(
  path: string,
  tag: string,
  n: number,
  customers: number,
): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`${CSV_HEADER}\n`);
  const CHUNK = 2000;
  for (let i = 0; i < n; i += CHUNK) {
    const parts: string[] = [];
    for (let j = i; j < Math.min(n, i + CHUNK); j++)
      parts.push(csvLines(benchOrder(tag, j, customers)));
    await write(parts.join(''));
  }
  out.end();
  await once(out, 'close');
  return bytes;
}

/** wechat_labels.type and the key the audience matches a label by (name or bind_id). */
export type LabelKey = `${0 | 1 | 2 | 3 | 4}:${string}`;
export const labelKeyOf = (type: 0 | 1 | 2 | 3 | 4, key: string): LabelKey =>
  `${type}:${key.toLowerCase()}`;

/** The distinct labels of an order: [key, type, bind_id (null for city / brand), name]. */
export function orderLabelRows(o: BenchOrder): [LabelKey, number, string | null, string][] {
  const m = new Map<LabelKey, [LabelKey, number, string | null, string]>();
  const add = (type: 0 | 1 | 2 | 3 | 4, key: string, name: string) => {
    const k = labelKeyOf(type, key);
    if (!m.has(k)) m.set(k, [k, type, type === 0 || type === 3 ? null : key, name]);
  };
  add(0, o.city, o.city);
  add(1, o.warehouseId, o.warehouseName);
  for (const it of o.items) {
    add(3, it.brand, it.brand);
    add(2, it.categoryId, it.categoryName);
    add(4, it.skuId, it.skuName);
  }
  return [...m.values()];
}

/** A fingerprint of the order's row (what the bulk side stores in ingest_hash). */
export const orderDigest = (line: string) => createHash('sha1').update(line).digest('hex');

export { yuan };
