/**
 * npm run bench:push — one run of 1,000,000 recipients (100 batches of 10,000) against the
 * WeCom simulator answering every call after 300 ms, timed from the trigger to the run's
 * completion, with 1 and with 2 worker processes; side by side, in the same run and on the
 * same data, the seed's way: one loop that uploads the attachment, then sends each batch in
 * turn and records it. Also: peak RSS of each worker process (VmHWM).
 *
 * Uses its own database (wpp_bench_push, seeded once: 1M reachable customers whose last order
 * is 30–45 days ago; pass --reseed to rebuild) and Redis prefix; runs the built apps (dist/).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { Test } from '@nestjs/testing';
import axios from 'axios';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { AppConfigModule } from '@app/common';
import { createDatabaseIfMissing, DatabaseModule, dropDatabase, runMigrations } from '@app/database';
import { AudienceModule, SelectAudienceService } from '@app/audience';
import { pollUntil, RunningProcess } from '../test/utils/process';
import { spawn } from 'node:child_process';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 1_000_000);
const LATENCY_MS = 300;
const RATE = Number(process.env.BENCH_RATE ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const API_PORT = 3931;
const SIM_PORT = 3932;
const TOKEN = 'bench-push-operator-token';
const PREFIX = `wpp_bench_push_${randomBytes(3).toString('hex')}`;
const CORP = { WECOM_CORP_ID: 'ww-bench-push', WECOM_CORP_SECRET: `s-${randomBytes(8).toString('hex')}` };
const db = { DB_HOST: '127.0.0.1', DB_PORT: 3306, DB_USER: 'root', DB_PASSWORD: '', DB_NAME: 'wpp_bench_push' };
const env: Record<string, string> = {
  ...Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)])),
  ...CORP,
  REDIS_KEY_PREFIX: PREFIX,
  WECOM_API_BASE: `http://127.0.0.1:${SIM_PORT}`,
  WECOM_MAX_CALLS_PER_SECOND: String(RATE),
  WORKER_CONCURRENCY: String(CONCURRENCY),
  ADMIN_TOKENS: `1:${TOKEN}`,
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  MEDIA_ALLOWED_HOSTS: '127.0.0.1',
};

function start(entry: string, extra: Record<string, string> = {}): RunningProcess & { pid: number } {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to every started app.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, entry], { env: { ...process.env, ...env, ...extra }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    pid: child.pid as number,
    output: () => out,
    exited: () => exited,
    kill: (s = 'SIGTERM') => void child.kill(s),
    waitFor: async () => undefined,
  };
}

const peakRssMb = (pid: number) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

async function seed(): Promise<void> {
  const conn = await createConnection({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD });
  const [rows] = await conn.query(
    `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'customer_last_order'`,
    [db.DB_NAME],
  );
  let have = 0;
  if ((rows as { n: number }[])[0].n > 0) {
    const [c] = await conn.query(`SELECT COUNT(*) AS n FROM ${db.DB_NAME}.customer_last_order`);
    have = Number((c as { n: number }[])[0].n);
  }
  await conn.end();
  if (have === RECIPIENTS && !process.argv.includes('--reseed')) {
    await runMigrations(db);
    console.log(`reusing ${db.DB_NAME} (${have} buyers)`);
    return;
  }
  console.log(`seeding ${RECIPIENTS} buyers into ${db.DB_NAME} (about a minute per million)…`);
  await dropDatabase(db);
  await createDatabaseIfMissing(db);
  await runMigrations(db);
  const c = await createConnection({ ...{ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD }, database: db.DB_NAME, multipleStatements: true });
  await c.query(`CREATE TEMPORARY TABLE d (n INT PRIMARY KEY);
    INSERT INTO d WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 999) SELECT n FROM s;
    INSERT INTO customers (id, name, external_userid)
      SELECT a.n * 1000 + b.n + 1, CONCAT('客户', a.n * 1000 + b.n + 1), CONCAT('wmBench', LPAD(a.n * 1000 + b.n + 1, 7, '0'))
        FROM d a CROSS JOIN d b WHERE a.n * 1000 + b.n < ${RECIPIENTS};`);
  // Orders 31..44 days before now, through the projection triggers.
  await c.query(`INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time)
    SELECT id, CONCAT('NO', id), id, NOW() - INTERVAL 31 DAY - INTERVAL (id % (13 * 86400)) SECOND FROM customers`);
  await c.end();
}

async function cleanRunState(redis: Redis): Promise<void> {
  const c = await createConnection({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD, database: db.DB_NAME });
  // Everything a run leaves behind, delivery tracking included: a tracking task left from an
  // earlier scenario is picked up by the next workers' startup scan, and its polls of WeCom
  // would share the rate limit (and the cores) with the run being timed.
  await c.query('SET FOREIGN_KEY_CHECKS = 0');
  for (const t of [
    'wechat_push_results', 'wechat_push_batches', 'wechat_push_runs', 'wechat_push_delivery_tasks',
    'wechat_push_deliveries', 'wechat_push_reminders', 'wechat_push_recipient_outcomes',
    'wechat_push_attributions', 'wechat_push_batch_counts', 'wechat_push_day_repeats',
  ]) {
    await c.query(`TRUNCATE TABLE ${t}`);
  }
  await c.query('SET FOREIGN_KEY_CHECKS = 1');
  await c.end();
  for await (const keys of redis.scanStream({ match: `${PREFIX}*`, count: 1000 }) as AsyncIterable<string[]>) {
    if (keys.length) await redis.del(...keys);
  }
  await axios.post(`http://127.0.0.1:${SIM_PORT}/__sim/reset`, {});
  await axios.post(`http://127.0.0.1:${SIM_PORT}/__sim/faults`, { latencyMs: LATENCY_MS });
}

async function ledgerCheck(): Promise<{ messages: number; recipients: number; duplicates: number; uploads: number }> {
  const { data } = await axios.get(`http://127.0.0.1:${SIM_PORT}/__sim/messages`, { maxContentLength: Infinity });
  const uploads = ((await axios.get(`http://127.0.0.1:${SIM_PORT}/__sim/media`)).data.media as unknown[]).length;
  const seen = new Set<string>();
  let duplicates = 0;
  for (const m of data.messages as { externalUserIds: string[] }[]) {
    for (const id of m.externalUserIds) {
      if (seen.has(id)) duplicates++;
      seen.add(id);
    }
  }
  return { messages: data.messages.length, recipients: seen.size, duplicates, uploads };
}

/**
 * The seed's push (docs of the seed, "第四阶段：消息推送"): the audience as one list, then for each
 * batch of 10,000 in turn — Step 4.1 getAttachments (token from Redis, download the image, upload
 * it as temporary media), Step 4.2 add_msg_template, then record the result. `uploadOnce` is a
 * kinder variant that hoists the download and upload out of the loop.
 */
async function seedLoop(imageUrl: string, uploadOnce: boolean): Promise<number> {
  const ref = await Test.createTestingModule({ imports: [AppConfigModule, DatabaseModule, AudienceModule] }).compile();
  const ctx = await ref.init();
  const audience = ctx.get(SelectAudienceService);
  const conn = await createConnection({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD, database: db.DB_NAME });
  const redis = new Redis('redis://127.0.0.1:6379');
  const base = `http://127.0.0.1:${SIM_PORT}/cgi-bin`;
  const tokenKey = `${PREFIX}:seed:wechat_access_token`;
  const getAccessToken = async (): Promise<string> => {
    let token = await redis.get(tokenKey);
    if (!token) {
      token = (await axios.get(`${base}/gettoken`, { params: { corpid: CORP.WECOM_CORP_ID, corpsecret: CORP.WECOM_CORP_SECRET } })).data.access_token as string;
      await redis.setex(tokenKey, 7200, token);
    }
    return token;
  };
  const getAttachments = async () => {
    const token = await getAccessToken();
    const image = await axios.get(imageUrl, { responseType: 'arraybuffer' });
    const form = new FormData();
    form.append('media', new Blob([image.data], { type: 'image/png' }), 'image.png');
    const media = (await axios.post(`${base}/media/upload?access_token=${token}&type=image`, form)).data.media_id;
    return [{ msgtype: 'image', image: { media_id: media } }];
  };
  const t0 = performance.now();
  try {
    const ids: string[] = [];
    for await (const batch of audience.select({ lastOrderDay: 30, lastOrderDayLimit: 45 }, new Date())) ids.push(...batch);
    const hoisted = uploadOnce ? await getAttachments() : undefined;
    for (let skip = 0; skip < ids.length; skip += 10_000) {
      const external_userid = ids.slice(skip, skip + 10_000);
      const attachments = hoisted ?? (await getAttachments());
      const token = await getAccessToken();
      const body = { chat_type: 'single', external_userid, text: { content: '喵～主人，猫砂告急' }, attachments };
      const add = (await axios.post(`${base}/externalcontact/add_msg_template?access_token=${token}`, body)).data;
      await conn.query('INSERT INTO wechat_push_results (name, result, created_at) VALUES (?, ?, NOW())', ['seed-loop', JSON.stringify({ ...body, add })]);
    }
    return (performance.now() - t0) / 1000;
  } finally {
    redis.disconnect();
    await conn.end();
    await ctx.close();
  }
}

/**
 * --timeline: the workers log at debug level and the run's milestones are printed in ms
 * from the trigger (slot job, each page's batch enqueued, each batch claimed just before its
 * call and sent, the run finished), to see where the time above the bound goes.
 */
const TIMELINE = process.argv.includes('--timeline');

function printTimeline(outputs: string[], t0: number, seconds: number): void {
  const events: { t: number; msg: string }[] = [];
  for (const out of outputs) {
    for (const line of out.split('\n')) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { time: number; level: number; msg?: string };
      if (e.msg) events.push({ t: e.time - t0, msg: e.msg });
      if (e.level >= 40) console.log(`  ${line}`);
    }
  }
  const of = (msg: string) => events.filter((e) => e.msg === msg).map((e) => e.t).sort((a, b) => a - b);
  const at = (ts: number[], i: number) => (ts.length > i ? `${Math.round(ts[i])}` : '–');
  console.log(`timeline (ms after the trigger; completed seen at ${Math.round(seconds * 1000)}):`);
  for (const msg of ['slot job started', 'message ready', 'run selected', 'run finished']) {
    console.log(`  ${msg}: ${of(msg).map(Math.round).join(', ') || '–'}`);
  }
  for (const msg of ['batch enqueued', 'batch job started', 'batch claimed', 'batch sent']) {
    const ts = of(msg);
    const marks = [0, 19, 20, 39, 40, 59, 60, 79, 80, 99].map((i) => `#${i + 1} ${at(ts, i)}`);
    console.log(`  ${msg} (${ts.length}): ${marks.join(' · ')}`);
  }
}

async function ours(workers: number, pushId: number): Promise<{ seconds: number; rss: number[]; run: Record<string, unknown> }> {
  const procs = Array.from({ length: workers }, () =>
    start('dist/apps/worker/main.js', TIMELINE ? { LOG_LEVEL: 'debug' } : {}),
  );
  const api = axios.create({ baseURL: `http://127.0.0.1:${API_PORT}`, headers: { authorization: `Bearer ${TOKEN}` } });
  const c = await createConnection({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD, database: db.DB_NAME });
  try {
    // Workers are up when their startup scan has run (it writes nothing; wait for the scheduler key).
    await new Promise((r) => setTimeout(r, 4000));
    const t0 = performance.now();
    const wall0 = Date.now();
    const { data } = await api.post('/wechatpush/trigger', { id: pushId });
    const runId = data.data.runId;
    let run: Record<string, unknown> = {};
    await pollUntil(async () => {
      const [rows] = await c.query('SELECT * FROM wechat_push_runs WHERE id = ?', [runId]);
      run = (rows as Record<string, unknown>[])[0];
      return ['completed', 'failed', 'cancelled'].includes(run.state as string);
    }, 600_000, 50);
    const seconds = (performance.now() - t0) / 1000;
    const rss = procs.map((p) => peakRssMb(p.pid));
    if (TIMELINE) {
      // The worker's log line may trail the row by a few ms (none when the slot job completed it).
      await pollUntil(async () => procs.some((p) => p.output().includes('"run finished"')), 2_000, 20).catch(() => undefined);
      printTimeline(procs.map((p) => p.output()), wall0, seconds);
    }
    return { seconds, rss, run };
  } finally {
    await c.end();
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited()));
  }
}

async function main(): Promise<void> {
  Object.assign(process.env, env); // the seed loop's audience reads the same database
  if (!existsSync('dist/apps/worker/main.js') || process.argv.includes('--build')) {
    for (const app of ['api', 'worker', 'wecom-simulator', 'cli']) {
      spawnSync('npx', ['nest', 'build', app], { stdio: 'inherit' });
    }
  }
  await seed();
  const redis = new Redis('redis://127.0.0.1:6379');
  const http = await import('node:http');
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
  const images = http.createServer((_q, s) => s.writeHead(200, { 'content-type': 'image/png' }).end(png)).listen(3933, '127.0.0.1');
  const imageUrl = 'http://127.0.0.1:3933/cat.png';
  const sim = start('dist/apps/wecom-simulator/main.js', { PORT: String(SIM_PORT), SIM_CORP_ID: CORP.WECOM_CORP_ID, SIM_CORP_SECRET: CORP.WECOM_CORP_SECRET, SIM_LATENCY_MS: String(LATENCY_MS) });
  const api = start('dist/apps/api/main.js', { PORT: String(API_PORT) });
  try {
    await pollUntil(async () => (await fetch(`http://127.0.0.1:${API_PORT}/health`)).ok, 60_000);
    await pollUntil(async () => (await fetch(`http://127.0.0.1:${SIM_PORT}/__sim/stats`)).ok, 60_000);
    const client = axios.create({ baseURL: `http://127.0.0.1:${API_PORT}`, headers: { authorization: `Bearer ${TOKEN}` } });
    const name = `bench-${Date.now()}`;
    await client.post('/wechatpush/create', {
      name, startDate: '2020-01-01', endDate: '2099-12-31', weekDayPushTime: [{ week: 1, time: '03:00' }],
      lastOrderDay: 30, lastOrderDayLimit: 45, content: '喵～主人，猫砂告急', img: imageUrl,
    });
    const list = await client.post('/wechatpush/lists', { searchText: name });
    const pushId = list.data.data.data[0].id as number;

    const rows: string[] = [];
    // --ours-only: skip the seed's loops (2 minutes) while iterating; ratios print as NaN.
    let seedSeconds = NaN;
    let onceSeconds = NaN;
    if (!process.argv.includes('--ours-only')) {
      await cleanRunState(redis);
      seedSeconds = await seedLoop(imageUrl, false);
      const seedLedger = await ledgerCheck();
      rows.push(`| seed loop (1 process, batches in turn, attachments per batch as the seed) | ${seedSeconds.toFixed(1)} | – | ${seedLedger.messages} + ${seedLedger.uploads} uploads | ${seedLedger.duplicates} | 1.0× |`);
      await cleanRunState(redis);
      onceSeconds = await seedLoop(imageUrl, true);
      const onceLedger = await ledgerCheck();
      rows.push(`| seed loop, image uploaded once (kinder than the seed) | ${onceSeconds.toFixed(1)} | – | ${onceLedger.messages} + ${onceLedger.uploads} uploads | ${onceLedger.duplicates} | ${(seedSeconds / onceSeconds).toFixed(1)}× |`);
    }
    const bound = Math.max(100 / RATE, (100 * LATENCY_MS) / 1000 / CONCURRENCY);
    for (const workers of [1, 2]) {
      await cleanRunState(redis);
      const r = await ours(workers, pushId);
      const l = await ledgerCheck();
      const b2 = Math.max(100 / RATE, (100 * LATENCY_MS) / 1000 / (CONCURRENCY * workers));
      rows.push(
        `| ours, ${workers} worker${workers > 1 ? 's' : ''} (${r.run.state}, ${r.run.batch_count} batches, ${r.run.accepted_count} accepted) | ${r.seconds.toFixed(1)} | ${r.rss.join(' / ')} | ${l.messages} + ${l.uploads} uploads | ${l.duplicates} | ${(seedSeconds / r.seconds).toFixed(1)}× (${(onceSeconds / r.seconds).toFixed(1)}× the kinder loop; bound ${b2.toFixed(1)} s → ${(r.seconds / b2).toFixed(2)}× of it) |`,
      );
    }
    console.log(
      `\nmachine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${RECIPIENTS} recipients; WeCom latency ${LATENCY_MS} ms; ` +
        `WECOM_MAX_CALLS_PER_SECOND=${RATE}; WORKER_CONCURRENCY=${CONCURRENCY}; bound for 1 worker ${bound.toFixed(1)} s; ${new Date().toISOString()}`,
    );
    console.log('| scenario | seconds (trigger → completed) | peak RSS per worker, MB | WeCom calls | duplicate recipients | seed ÷ this |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    api.kill('SIGTERM');
    sim.kill('SIGTERM');
    images.close();
    redis.disconnect();
    await Promise.all([api.exited(), sim.exited()]);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
