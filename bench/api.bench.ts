/**
 * npm run bench:api — latency and throughput of /wechatpush/lists and /wechatpush/info
 * against the real api process and MariaDB seeded with 10,000 rules (3 slots each),
 * 50 concurrent connections, 10 s per scenario. Uses its own database (wpp_bench_api).
 * The api runs as BENCH_API_PROCESSES (default 2) processes sharing the port (API_PROCESSES).
 */
import autocannon from 'autocannon';
import os from 'node:os';
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
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function measure(scenario: string, path: string, body: () => unknown): Promise<Row> {
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(body()) }),
      },
    ],
  });
  const l = result.latency as unknown as Record<string, number>;
  return {
    scenario,
    rps: Math.round(result.requests.average),
    p50: l.p50,
    p97_5: l.p97_5,
    p99: l.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  console.log(`seeding ${RULES} rules into ${db.DB_NAME}…`);
  await seed();
  // The api's request logs go to /dev/null: collecting them here would tax this shared CPU.
  const api = spawn(
    process.execPath,
    [
      // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the api
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/api/src/main.ts',
    ],
    {
      stdio: 'ignore',
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)])),
        PORT: String(PORT),
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
    await measure('warmup', '/wechatpush/info', () => ({ id: rand(RULES) }));
    const rows = [
      await measure('lists (page 1..50, no filter)', '/wechatpush/lists', () => ({
        page: rand(50),
        pagesize: 10,
      })),
      await measure('lists (searchText "召回", date range)', '/wechatpush/lists', () => ({
        searchText: '召回',
        startTime: '2024-01-01',
        endTime: '2024-12-31',
        page: rand(5),
        pagesize: 10,
      })),
      await measure('info (random id)', '/wechatpush/info', () => ({ id: rand(RULES) })),
    ];
    console.log(
      `\nmachine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
        `${RULES} rules; ${CONNECTIONS} connections; ${DURATION} s per scenario; ${new Date().toISOString()}`,
    );
    console.log(
      '| scenario | req/s | p50 ms | p97.5 ms (autocannon has no p95; p95 ≤ this) | p99 ms | errors | non-2xx |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p97_5} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
      );
    }
  } finally {
    api.kill('SIGTERM');
    await exited;
    await dropDatabase(db);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
