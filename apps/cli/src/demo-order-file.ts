import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';

/**
 * The demo's orders as an order file in the documented format (docs/INGEST.md "File format",
 * English headers): one row per line item, the rows of an order adjacent, order-level columns
 * repeated. `gen:demo` writes it and `import:orders` brings it in through the ingestion core,
 * as a shop's export would come in.
 */
const DEMO_FILE_HEADER = [
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
] as const;

export type DemoFileRow = Record<(typeof DEMO_FILE_HEADER)[number], string | number>;

/** A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (row: DemoFileRow) => `${DEMO_FILE_HEADER.map((h) => csvCell(row[h])).join(',')}\n`;

/** Writes `rows` (an iterable, so a large file is never held in memory) as UTF-8 CSV. */
export async function writeDemoOrderFile(
  path: string,
  rows: Iterable<DemoFileRow>,
): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  let count = 0;
  let chunk = `${DEMO_FILE_HEADER.join(',')}\n`;
  for (const row of rows) {
    chunk += line(row);
    count++;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return count;
}
