/**
 * `npm run bench:ingest [-- --orders 1000000 --db wpp_bench_ingest --reuse --only file|youzan]`
 *
 * Orders in (issue 20), docs/BENCHMARKS.md "Orders in":
 *
 * - **File import beside the bulk loader.** A CSV of `--orders` orders (default 1,000,000) ×
 *   4 line items in the documented English format (bench/ingest-orders.ts) is imported by the
 *   real CLI (`import:orders FILE`, a child process: the runner, the ingestion core, the
 *   identity service, triggers on) into the 1M-customer data set, and the same rows are loaded
 *   by gen:data's bulk loader into a fresh database (bench/ingest-bulk-child.ts, a child
 *   process too), in the same run: wall time of each child, orders/s, RSS sampled every
 *   0.5 s (against the import's progress: flat or not), the ratio import / bulk, and the rows
 *   each side ended with (they must be equal).
 * - **Youzan**: the Youzan simulator (in this process) with `--seeded` trades (30,000) over
 *   30 days, their buyers linked to customers of the data set (by youzan_buyer_id) and pulled
 *   once (warm-up); then `--trades` (10,000) new trades and one incremental pull, timed until
 *   SelectAudienceService's count for "last order today" includes every buyer of them.
 *
 * The data set: `--customers` (1,000,000) and `--base-orders` (10,000,000) by gen:data into
 * `--db` (default wpp_bench_ingest, dropped and re-created), unless `--reuse` finds the one an
 * earlier run made (bench_ingest_meta). The import adds rows (each run's order numbers carry
 * the run's tag), so a reused data set grows by the earlier runs' orders; the bench prints
 * what it holds. `<db>_bulk` is dropped and re-created by the bulk side.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createConnection, Connection } from 'mysql2/promise';
import { loadConfig } from '@app/common';
import { genDataCommand } from '../apps/cli/src/gen-data.command';
import { writeCsv } from './ingest-orders';
import { youzanBench } from './ingest-youzan';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const int = (name: string, def: number) => {
  const v = Number(arg(name) ?? def);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
  return v;
};

const ORDERS = int('orders', 1_000_000);
const CUSTOMERS = int('customers', 1_000_000);
const BASE_ORDERS = int('base-orders', 10_000_000);
const DB = arg('db') ?? 'wpp_bench_ingest';
const ONLY = arg('only');
const CLI_MAIN = join(__dirname, '..', 'apps', 'cli', 'src', 'main.ts');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

async function connect(database: string): Promise<Connection> {
  const c = loadConfig();
  return createConnection({
    host: c.DB_HOST,
    port: c.DB_PORT,
    user: c.DB_USER,
    password: c.DB_PASSWORD,
    database,
    charset: 'utf8mb4_unicode_520_ci',
    supportBigNumbers: true,
  });
}

async function one<T>(conn: Connection, sql: string, params: unknown[] = []): Promise<T> {
  const [rows] = await conn.query(sql, params);
  return (rows as T[])[0];
}

/** The data set of gen:data in DB: reused when --reuse finds the same sizes, else generated. */
async function ensureDataSet(): Promise<string> {
  const want = `${CUSTOMERS} customers, ${BASE_ORDERS} orders`;
  if (flag('reuse')) {
    const conn = await connect(DB).catch(() => undefined);
    const meta = conn
      ? await one<{ v: string }>(
          conn,
          "SELECT v FROM bench_ingest_meta WHERE k = 'data set'",
        ).catch(() => undefined)
      : undefined;
    await conn?.end();
    if (meta?.v === want) return `reused (${want})`;
  }
  const t = Date.now();
  console.log(`gen:data ${want} into ${DB} …`);
  await genDataCommand(
    ['--customers', String(CUSTOMERS), '--orders', String(BASE_ORDERS), '--db', DB],
    loadConfig(),
  );
  const conn = await connect(DB);
  await conn.query('CREATE TABLE bench_ingest_meta (k VARCHAR(32) PRIMARY KEY, v VARCHAR(255))');
  await conn.query("INSERT INTO bench_ingest_meta (k, v) VALUES ('data set', ?)", [want]);
  await conn.end();
  return `generated (${want}) in ${((Date.now() - t) / 1000).toFixed(0)} s`;
}

interface Sample {
  s: number;
  rssMb: number;
  /** Orders the import had read when sampled (the CLI's last progress line). */
  orders: number;
}

interface ChildRun {
  seconds: number;
  samples: Sample[];
  peakMb: number;
  stdout: string;
}

/** VmRSS / VmHWM of a process, in bytes (Linux). */
function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** Runs a child, sampling its RSS every 0.5 s; `progress` reads an orders count from stderr. */
function runChild(
  what: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  progress: (line: string) => number | undefined,
): Promise<ChildRun> {
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const samples: Sample[] = [];
  let orders = 0;
  let peak = 0;
  let stdout = '';
  let errTail = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    errTail = (errTail + text).slice(-4000);
    for (const line of text.split('\n')) {
      const n = progress(line);
      if (n !== undefined) orders = n;
      else if (line.trim() && !/^import \d+:/.test(line)) console.log(`  [${what}] ${line}`);
    }
  });
  const timer = setInterval(() => {
    const m = procMemory(child.pid!);
    if (!m) return;
    peak = Math.max(peak, m.hwm);
    samples.push({ s: (Date.now() - started) / 1000, rssMb: mb(m.rss), orders });
  }, 500);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = (Date.now() - started) / 1000;
      // The CLI exits 3 when rows were rejected: none are expected here.
      if (code !== 0) reject(new Error(`${what} exited ${code}:\n${errTail}\n${stdout}`));
      else resolve({ seconds, samples, peakMb: mb(peak), stdout });
    });
  });
}

/** RSS against progress: the samples nearest 10 %, 25 %, 50 %, 75 % and 100 % of the orders. */
function rssByProgress(samples: Sample[], total: number): string {
  const marks = [0.1, 0.25, 0.5, 0.75, 1];
  return marks
    .map((f) => {
      const s = samples.find((x) => x.orders >= f * total) ?? samples[samples.length - 1];
      return s ? `${Math.round(f * 100)} %: ${s.rssMb} MB` : '';
    })
    .join(', ');
}

/** RSS against time: the samples at 10 %, 25 %, 50 %, 75 % and 100 % of the run. */
function rssByTime(samples: Sample[]): string {
  if (!samples.length) return '—';
  return [0.1, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const s = samples[Math.min(samples.length - 1, Math.floor(f * (samples.length - 1)))];
      return `${Math.round(f * 100)} %: ${s.rssMb} MB`;
    })
    .join(', ');
}

interface Counts {
  orders: number;
  links: number;
  buyerRows: number;
  labelOrderRows: number;
  customers: number;
}

async function tableCounts(conn: Connection, tag?: string): Promise<Counts> {
  const byTag = tag ? `WHERE o.ingest_number LIKE '${tag}%'` : '';
  const n = async (sql: string) => Number((await one<{ n: number }>(conn, sql)).n);
  return {
    orders: await n(`SELECT COUNT(*) AS n FROM youzan_orders o ${byTag}`),
    links: await n(
      `SELECT COUNT(*) AS n FROM youzan_orders o JOIN wechat_customers_labels l ON l.order_id = o.id ${byTag}`,
    ),
    buyerRows: await n(
      `SELECT COUNT(*) AS n FROM youzan_orders o JOIN order_buyers b ON b.order_id = o.id ${byTag}`,
    ),
    labelOrderRows: await n('SELECT COUNT(*) AS n FROM customer_label_orders'),
    customers: await n('SELECT COUNT(*) AS n FROM customers'),
  };
}

async function fileBench(dataSet: string): Promise<void> {
  const tag = `BI${new Date().toISOString().replace(/\D/g, '').slice(2, 12)}-`;
  const dir = join(tmpdir(), 'wpp-bench-ingest');
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, `${tag}${ORDERS}.csv`);
  let t = Date.now();
  const bytes = await writeCsv(csv, tag, ORDERS, CUSTOMERS);
  console.log(
    `CSV ${csv}: ${ORDERS} orders × 4 items, ${mb(bytes)} MB, written in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );

  // The bulk side first: it reads the data set's label library before the import adds to it.
  console.log(`bulk loader → ${DB}_bulk (load ${load()}) …`);
  const bulk = await runChild(
    'bulk',
    [
      ...TS_NODE,
      join(__dirname, 'ingest-bulk-child.ts'),
      JSON.stringify({ db: `${DB}_bulk`, sourceDb: DB, tag, orders: ORDERS, customers: CUSTOMERS }),
    ],
    {},
    () => undefined,
  );
  const bulkOut = JSON.parse(bulk.stdout.trim().split('\n').pop()!) as {
    seconds: number;
    steps: { what: string; seconds: number }[];
    links: number;
  };

  const conn = await connect(DB);
  const before = await tableCounts(conn, tag);
  console.log(`import:orders → ${DB} (load ${load()}) …`);
  t = Date.now();
  const ours = await runChild(
    'import',
    [...TS_NODE, CLI_MAIN, 'import:orders', csv],
    { DB_NAME: DB },
    (line) => {
      const m = /^import \d+: \d+ rows, (\d+) orders accepted/.exec(line);
      return m ? Number(m[1]) : undefined;
    },
  );
  const importSeconds = Number(/^seconds: ([\d.]+)/m.exec(ours.stdout)?.[1] ?? NaN);
  const after = await tableCounts(conn, tag);
  await conn.end();
  const bulkConn = await connect(`${DB}_bulk`);
  const bulkCounts = await tableCounts(bulkConn);
  await bulkConn.end();
  rmSync(csv, { force: true });
  rmSync(`${csv}.report.csv`, { force: true });

  const oursRows = {
    orders: after.orders - before.orders,
    links: after.links - before.links,
    buyerRows: after.buyerRows - before.buyerRows,
    labelOrderRows: after.labelOrderRows - before.labelOrderRows,
    newCustomers: after.customers - before.customers,
  };
  const bulkRows = {
    orders: bulkCounts.orders,
    links: bulkCounts.links,
    buyerRows: bulkCounts.buyerRows,
    labelOrderRows: bulkCounts.labelOrderRows,
    newCustomers: bulkCounts.customers,
  };
  const same = JSON.stringify(oursRows) === JSON.stringify(bulkRows);
  const bulkRowSteps = bulkOut.steps
    .filter((s) => /orders$|label links$/.test(s.what))
    .reduce((a, s) => a + s.seconds, 0);
  console.log(`\n## File import beside the bulk loader (${new Date().toISOString()})`);
  console.log(`data set ${DB}: ${dataSet}`);
  console.log(`rows written — import: ${JSON.stringify(oursRows)}`);
  console.log(`rows written — bulk:   ${JSON.stringify(bulkRows)}  ${same ? 'EQUAL' : 'DIFFER'}`);
  console.log(
    '| side | wall s (child) | inner s | orders/s | RSS by time | RSS by progress | peak RSS |',
  );
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    `| import:orders | ${ours.seconds.toFixed(1)} | ${importSeconds.toFixed(1)} | ${Math.round(ORDERS / ours.seconds)} | ${rssByTime(ours.samples)} | ${rssByProgress(ours.samples, ORDERS)} | ${ours.peakMb} MB |`,
  );
  console.log(
    `| bulk loader | ${bulk.seconds.toFixed(1)} | ${bulkOut.seconds.toFixed(1)} | ${Math.round(ORDERS / bulk.seconds)} | ${rssByTime(bulk.samples)} | — | ${bulk.peakMb} MB |`,
  );
  console.log(
    `ratio import / bulk: ${(ours.seconds / bulk.seconds).toFixed(2)} (wall), ${(importSeconds / bulkOut.seconds).toFixed(2)} (inner); ` +
      `bulk's orders + links steps alone ${bulkRowSteps.toFixed(1)} s`,
  );
  console.log(`bulk steps: ${bulkOut.steps.map((s) => `${s.what} ${s.seconds} s`).join('; ')}`);
  if (!same) process.exitCode = 1;
}

async function machine(): Promise<string> {
  const conn = await connect('mysql');
  const v = await one<{ version: string; pool: number; flush: number }>(
    conn,
    'SELECT VERSION() AS version, @@innodb_buffer_pool_size AS pool, @@innodb_flush_log_at_trx_commit AS flush',
  );
  await conn.end();
  const head = execFileSync('git', ['log', '-1', '--format=%h']).toString().trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'libs', 'apps/cli'])
    .toString()
    .split('\n')
    .filter(Boolean).length;
  return [
    `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, load ${load()}`,
    `MariaDB ${v.version}, buffer pool ${mb(Number(v.pool))} MiB, flush_log_at_trx_commit ${v.flush}`,
    `tree ${head}${dirty ? ` + ${dirty} uncommitted files under libs/ and apps/cli` : ''}`,
  ].join('; ');
}

async function main(): Promise<void> {
  console.log(`bench:ingest ${new Date().toISOString()}: ${await machine()}`);
  const dataSet = await ensureDataSet();
  console.log(`data set: ${dataSet}`);
  if (ONLY !== 'youzan') await fileBench(dataSet);
  if (ONLY !== 'file') {
    await youzanBench({
      db: DB,
      customers: CUSTOMERS,
      seeded: int('seeded', 30_000),
      trades: int('trades', 10_000),
      redisPrefix: `wpp_bench_ingest_${randomBytes(3).toString('hex')}`,
    });
  }
  console.log(`done (load ${load()})`);
}

main().then(
  () => process.exit(),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
