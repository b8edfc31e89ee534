/**
 * npm run bench:api — latency and throughput of /wechatpush/lists and /wechatpush/info
 * against the real api process and MariaDB seeded with 10,000 rules (3 slots each),
 * 50 concurrent connections, 10 s per scenario. Uses its own database (wpp_bench_api).
 * p50/p95/p99 are exact (nearest rank) over every response's latency as autocannon measured it.
 * The api runs as BENCH_API_PROCESSES (default 2) processes sharing the port (API_PROCESSES).
 */
import autocannon from 'autocannon';
import Redis from 'ioredis';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { dropDatabase, runMigrations } from '@app/database';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pollUntil } from '../test/utils/process';

const RULES = Number(process.env.BENCH_RULES ?? 10000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const PORT = Number(process.env.BENCH_PORT ?? 3917);
const TOKEN = 'bench-operator-token';
const db = {
  DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
  DB_PORT: Number(process.env.DB_PORT ?? 3306),
  DB_USER: process.env.DB_USER ?? 'root',
  DB_PASSWORD: process.env.DB_PASSWORD ?? '',
  DB_NAME: 'wpp_bench_api',
};
/**
 * The api's Redis keys (rule cache, rate limit) under the bench's own prefix, deleted at the
 * end: under the default prefix its cached rule pages were served to a development api
 * started afterwards on another database.
 */
const REDIS_PREFIX = `wpp_bench_api_${process.pid}`;

async function seed(): Promise<void> {
  await dropDatabase(db);
  await runMigrations(db);
  const conn = await createConnection({
    host: db.DB_HOST,
    port: db.DB_PORT,
    user: db.DB_USER,
    password: db.DB_PASSWORD,
    database: db.DB_NAME,
    timezone: '+08:00',
  });
  const cities = ['上海', '北京', '苏州', '杭州', '广州'];
  for (let start = 1; start <= RULES; start += 1000) {
    const rules: unknown[][] = [];
    for (let i = start; i < Math.min(start + 1000, RULES + 1); i++) {
      const created = new Date(Date.UTC(2024, 0, 1) + i * 60_000);
      rules.push([
        `规则-${i}-${i % 7 === 0 ? '召回' : '新客'}`,
        i % 5 === 0 ? 1 : 0,
        '2024-01-01',
        '2026-12-31',
        cities[i % cities.length],
        '1001,1002',
        '蓝氏,皇家',
        '2001',
        '',
        30,
        45,
        '喵～主人，猫砂告急',
        1,
        1,
        created,
        created,
      ]);
    }
    await conn.query(
      `INSERT INTO wechat_push (name, status, start_date, end_date, city_labels, store_labels, brand_labels,
         cate_labels, sku_labels, last_order_day, last_order_day_limit, content, created_by, updated_by,
         created_at, updated_at) VALUES ?`,
      [rules],
    );
  }
  await conn.query(
    `INSERT INTO wechat_push_time (push_id, name, week_day, push_time, created_by, updated_by, created_at, updated_at)
     SELECT p.id, p.name, w.d, '10:00', 1, 1, p.created_at, p.created_at
     FROM wechat_push p JOIN (SELECT 1 AS d UNION ALL SELECT 3 UNION ALL SELECT 5) w`,
  );
  await conn.end();
}

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time (user + system) of the api processes per request, µs: insensitive to other load. */
  cpuUsPerReq: number;
  /** CPU time of this process (autocannon, the load generator) per request, µs. */
  loadgenUsPerReq: number;
}

/**
 * CPU seconds used so far by process `pid` and its descendants (Linux /proc; NaN elsewhere).
 * /proc counts in clock ticks of 10 ms (USER_HZ is 100 on Linux).
 */
function cpuMsOfTree(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    let ms = (Number(fields[11]) + Number(fields[12])) * 10;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean);
    for (const child of children) ms += cpuMsOfTree(Number(child));
    return ms;
  } catch {
    return NaN;
  }
}

/** The value at rank ⌈q·n⌉ of the sorted sample (nearest-rank percentile). */
function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * autocannon's summary has p90 and p97.5 but no p95, so every response's latency (autocannon's
 * own per-request figure, in ms) is kept and the percentiles are computed from all of them.
 */
async function measure(
  apiPid: number,
  scenario: string,
  path: string,
  body: () => unknown,
  credential: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
): Promise<Row> {
  const latencies: number[] = [];
  const cpuBefore = cpuMsOfTree(apiPid);
  const loadgenBefore = process.cpuUsage();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${PORT}`,
        connections: CONNECTIONS,
        duration: DURATION,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', ...credential },
            setupRequest: (req) => ({ ...req, body: JSON.stringify(body()) }),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, ms: number) => latencies.push(ms));
  });
  const cpuMs = cpuMsOfTree(apiPid) - cpuBefore;
  const loadgen = process.cpuUsage(loadgenBefore);
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    rps: Math.round(result.requests.average),
    p50: round1(percentile(latencies, 0.5)),
    p95: round1(percentile(latencies, 0.95)),
    p99: round1(percentile(latencies, 0.99)),
    errors: result.errors,
    non2xx: result.non2xx,
    cpuUsPerReq: Math.round((cpuMs * 1000) / result.requests.total),
    loadgenUsPerReq: Math.round((loadgen.user + loadgen.system) / result.requests.total),
  };
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Starts the api of the tree at `dir`, measures every scenario, stops it. */
async function runTree(dir: string, from = process.env.BENCH_API_FROM): Promise<Row[]> {
  // The api's request logs go to /dev/null: collecting them here would tax this shared CPU.
  // BENCH_API_FROM=dist runs the built bundle (`npm run build` in that tree), as deployed;
  // the default runs the sources through ts-node, as the e2e tests do.
  const entry =
    from === 'dist'
      ? ['dist/apps/api/main.js']
      : [
          '-r',
          'ts-node/register/transpile-only',
          '-r',
          'tsconfig-paths/register',
          'apps/api/src/main.ts',
        ];
  const api = spawn(
    process.execPath,
    [
      // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the api
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      ...entry,
    ],
    {
      cwd: dir,
      stdio: 'ignore',
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)])),
        PORT: String(PORT),
        REDIS_KEY_PREFIX: REDIS_PREFIX,
        ADMIN_TOKENS: `1:${TOKEN}`,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        API_PROCESSES: process.env.BENCH_API_PROCESSES ?? '2',
        NODE_ENV: 'production',
        // Measures the api itself: one operator's budget far above what a run can send.
        THROTTLE_LIMIT: '10000000',
      },
    },
  );
  const exited = once(api, 'exit');
  try {
    await pollUntil(async () => (await fetch(`http://127.0.0.1:${PORT}/health`)).ok, 60000);
    const rand = (n: number) => 1 + Math.floor(Math.random() * n);
    // Warm up caches and the JIT before measuring.
    await measure(api.pid as number, 'warmup', '/wechatpush/info', () => ({ id: rand(RULES) }));
    return [
      await measure(
        api.pid as number,
        'lists (page 1..50, no filter)',
        '/wechatpush/lists',
        () => ({
          page: rand(50),
          pagesize: 10,
        }),
      ),
      await measure(
        api.pid as number,
        'lists (searchText "召回", date range)',
        '/wechatpush/lists',
        () => ({
          searchText: '召回',
          startTime: '2024-01-01',
          endTime: '2024-12-31',
          page: rand(5),
          pagesize: 10,
        }),
      ),
      await measure(api.pid as number, 'info (random id)', '/wechatpush/info', () => ({
        id: rand(RULES),
      })),
      ...(await otherCredentials(api.pid as number, rand)),
    ];
  } finally {
    api.kill('SIGTERM');
    await exited;
  }
}

/**
 * The cached reads with the credentials of issue 23 beside the deprecated operator token: a
 * viewer's API key (hashed, looked up per request) and a signed-in viewer's session cookie (a
 * Redis read per request). A tree without accounts (an older baseline) measures none.
 */
async function otherCredentials(apiPid: number, rand: (n: number) => number): Promise<Row[]> {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${PORT}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: JSON.stringify(body),
    });
  const created = await post('/apikeys/create', { name: 'bench', role: 'viewer' });
  if (created.status === 404) return [];
  const { data: key } = (await created.json()) as { data: { key: string } };
  const username = `bench${process.pid}r${Date.now() % 1e6}`;
  const password = 'Bench-viewer-passphrase-42';
  const user = await post('/users/create', { username, password, role: 'viewer' });
  if (!user.ok) throw new Error(`users/create: ${user.status} ${await user.text()}`);
  const login = await fetch(`http://127.0.0.1:${PORT}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`auth/login: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  // Every route is a POST: a cookie-authenticated one carries the session's CSRF token.
  const { data: session } = (await login.json()) as { data: { csrfToken: string } };
  const signedIn = { cookie, 'x-csrf-token': session.csrfToken };
  const info = () => ({ id: rand(RULES) });
  return [
    await measure(apiPid, 'info (random id), API key', '/wechatpush/info', info, {
      authorization: `Bearer ${key.key}`,
    }),
    await measure(apiPid, 'info (random id), session cookie', '/wechatpush/info', info, signedIn),
    await measure(
      apiPid,
      'lists (page 1..50), session cookie',
      '/wechatpush/lists',
      () => ({
        page: rand(50),
        pagesize: 10,
      }),
      signedIn,
    ),
  ];
}

function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(
    '| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | non-2xx | api CPU µs/request | load generator CPU µs/request |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${r.cpuUsPerReq} | ${r.loadgenUsPerReq} |`,
    );
  }
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

/**
 * With BENCH_BASELINE_DIR (another checkout with its node_modules, e.g. an older commit) the
 * bench alternates baseline and this tree BENCH_ROUNDS times (default 2) on the same seeded
 * database, and prints each run and the ratios this tree ÷ baseline. BENCH_BASELINE_FROM
 * (ts | dist) starts the baseline differently from this tree: with BENCH_BASELINE_DIR=. it
 * compares the ts-node run with the built bundle.
 */
async function main(): Promise<void> {
  console.log(`seeding ${RULES} rules into ${db.DB_NAME}…`);
  await seed();
  const here = process.cwd();
  const baseline = process.env.BENCH_BASELINE_DIR;
  const rounds = baseline ? Number(process.env.BENCH_ROUNDS ?? 2) : 1;
  const runs: { tree: 'baseline' | 'this tree'; rows: Row[] }[] = [];
  try {
    for (let i = 1; i <= rounds; i++) {
      for (const [tree, dir] of baseline
        ? ([
            ['baseline', baseline],
            ['this tree', here],
          ] as const)
        : ([['this tree', here]] as const)) {
        const before = load();
        const rows = await runTree(
          dir,
          tree === 'baseline'
            ? (process.env.BENCH_BASELINE_FROM ?? process.env.BENCH_API_FROM)
            : undefined,
        );
        runs.push({ tree, rows });
        printRows(
          `${tree}${baseline ? ` (${dir}), round ${i}` : ''} — load average ${before} before, ${load()} after, ${new Date().toISOString()}`,
          rows,
        );
      }
    }
  } finally {
    await dropDatabase(db);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    for await (const keys of redis.scanStream({
      match: `${REDIS_PREFIX}:*`,
      count: 1000,
    }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  }
  console.log(
    `\nmachine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
      `${RULES} rules; ${CONNECTIONS} connections; ${DURATION} s per scenario; ` +
      'p50/p95/p99: nearest rank over every response latency autocannon reported',
  );
  if (!baseline) return;
  const of = (tree: string, i: number) => runs.filter((r) => r.tree === tree).map((r) => r.rows[i]);
  console.log(
    '\n| scenario | req/s ratio (per round; geometric mean) | p95 ratio (per round; geometric mean) | api CPU per request ratio (per round; geometric mean) |',
  );
  console.log('|---|---|---|---|');
  runs[0].rows.forEach((row, i) => {
    const b = of('baseline', i);
    const t = of('this tree', i);
    const rps = t.map((r, k) => r.rps / b[k].rps);
    const p95 = t.map((r, k) => r.p95 / b[k].p95);
    const cpu = t.map((r, k) => r.cpuUsPerReq / b[k].cpuUsPerReq);
    const fmt = (xs: number[]) =>
      `${xs.map((x) => x.toFixed(2)).join(' / ')}; **${geomean(xs).toFixed(2)}**`;
    console.log(`| ${row.scenario} | ${fmt(rps)} | ${fmt(p95)} | ${fmt(cpu)} |`);
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
