/**
 * The bulk-loader side of `bench:ingest`, run as a child process of its own (its RSS is
 * sampled by the bench): the same orders as the bench's CSV loaded by gen:data's bulk loader
 * (apps/cli/src/bulk-load.ts: LOAD DATA streamed from memory, secondary indexes and
 * triggers off, projections backfilled) into a fresh database. Loads what the import ends
 * with: the label library of the data set (copied) and the new SKUs, the new buyers, the
 * orders (ingest_number and a fingerprint included) and one link per order × label.
 * Argument: JSON { db, sourceDb, tag, orders, customers }. Prints one JSON line.
 */
import 'reflect-metadata';
import { Readable } from 'node:stream';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '@app/common';
import { bulkLoadCompany, load, tsv, tsvMany } from '../apps/cli/src/bulk-load';
import {
  benchOrder,
  LabelKey,
  labelKeyOf,
  NEW_SKU_LABELS,
  newBuyerMobile,
  orderDigest,
  orderLabelRows,
  yuan,
} from './ingest-orders';

interface BulkArgs {
  db: string;
  sourceDb: string;
  tag: string;
  orders: number;
  customers: number;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]) as BulkArgs;
  const config = loadConfig();
  const src = await createConnection({
    host: config.DB_HOST,
    port: config.DB_PORT,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
    database: a.sourceDb,
    charset: 'utf8mb4_unicode_520_ci',
  });
  const [labelRows] = (await src.query(
    'SELECT id, type, bind_id, name FROM wechat_labels ORDER BY id',
  )) as unknown as [
    { id: number; type: 0 | 1 | 2 | 3 | 4; bind_id: string | null; name: string }[],
  ];
  const [[{ maxCustomer }]] = (await src.query(
    'SELECT IFNULL(MAX(id), 0) AS maxCustomer FROM customers',
  )) as unknown as [{ maxCustomer: number }[]];
  await src.end();

  const labelIds = new Map<LabelKey, number>();
  const labelLines: string[] = [];
  let nextLabel = 1;
  const addLabel = (id: number, type: 0 | 1 | 2 | 3 | 4, bindId: string | null, name: string) => {
    const k = labelKeyOf(type, type === 0 || type === 3 ? name : (bindId ?? ''));
    if (!labelIds.has(k)) labelIds.set(k, id);
    labelLines.push(`${id}\t${bindId ?? '\\N'}\t${name}\t${type}\n`);
    nextLabel = Math.max(nextLabel, id + 1);
  };
  for (const l of labelRows) addLabel(l.id, l.type, l.bind_id, l.name);
  for (const [bindId, name] of NEW_SKU_LABELS) {
    if (!labelIds.has(labelKeyOf(4, bindId))) addLabel(nextLabel, 4, bindId, name);
  }
  const newBuyers = a.orders > 0 ? Math.floor(Math.floor((a.orders - 1) / 20) / 2) + 1 : 0;
  const buyerId = (o: ReturnType<typeof benchOrder>) =>
    o.customerId ?? maxCustomer + 1 + o.newBuyer!;

  const steps: { what: string; seconds: number }[] = [];
  let links = 0;
  const seconds = await bulkLoadCompany(
    { ...config, DB_NAME: a.db },
    {
      label: 'bulk',
      log: (msg) => {
        const m = /^bulk (.*): ([\d.]+) s$/.exec(msg);
        if (m) steps.push({ what: m[1], seconds: Number(m[2]) });
        process.stderr.write(`${msg}\n`);
      },
      backfillProjection: true,
    },
    async (conn, step) => {
      await step(`${labelLines.length} labels`, () =>
        load(
          conn,
          'wechat_labels',
          ['id', 'bind_id', 'name', 'type'],
          Readable.from([Buffer.from(labelLines.join(''), 'utf8')]),
        ),
      );
      await step(`${newBuyers} new buyers`, () =>
        load(
          conn,
          'customers',
          ['id', 'name', 'nickname', 'mobile', 'created_at'],
          tsv(newBuyers, (k) => {
            const n = k - 1;
            return `${maxCustomer + 1 + n}\t新客${n}\t新客${n}\t${newBuyerMobile(a.tag, n)}\t2025-07-01 00:00:00\n`;
          }),
        ),
      );
      await step(`${a.orders} orders`, () =>
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
            'updated_at',
            'ingest_number',
            'ingest_hash',
          ],
          tsv(a.orders, (i) => {
            const o = benchOrder(a.tag, i - 1, a.customers);
            const row = `${i}\t${o.number}\t${buyerId(o)}\t${o.nickname}\t${o.time}\t${yuan(o.paymentFen)}\t\\N\t${o.status}\t\\N\t${o.number}`;
            return `${row}\t${orderDigest(row)}\n`;
          }),
        ),
      );
      await step('label links', () =>
        load(
          conn,
          'wechat_customers_labels',
          ['customer_id', 'label_id', 'order_id'],
          tsvMany(a.orders, (i, out) => {
            const o = benchOrder(a.tag, i - 1, a.customers);
            const c = buyerId(o);
            const rows = orderLabelRows(o);
            for (const [k] of rows) out.push(`${c}\t${labelIds.get(k)}\t${i}\n`);
            links += rows.length;
          }),
        ),
      );
    },
  );
  process.stdout.write(
    `${JSON.stringify({ seconds, steps, orders: a.orders, links, newBuyers, labels: labelLines.length })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
