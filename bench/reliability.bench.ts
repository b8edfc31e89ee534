/**
 * npm run bench:reliability — soak and fault run (not in CI, ~15 min).
 *
 * Two worker processes, the api and the WeCom simulator (built apps, dist/), a MariaDB server of
 * its own (a temp data directory, a free port: killed and restarted here, so the machine's
 * server on 3306 is never touched; database wpp_bench_reliability) and a Redis server of its
 * own on a free port (started, flushed, restarted and stopped here: the shared Redis on 6379
 * is never touched). 50 rules × 4 slots = 200 slots over 10 consecutive
 * minutes (slots have minute granularity: 20 slots per minute), audiences of 3,000–25,000
 * recipients in batches of PUSH_BATCH_SIZE=5,000 (1–5 batches per run).
 *
 * Faults, all at once: the simulator answers 5 % of calls with HTTP 503, 2 % with -1, 1 % time
 * out after the call was carried out, 0.5 % are lost before they are carried out (time out,
 * nothing created), every call during 5 s of every 70 s with 45009, and revokes every token
 * each 30 s; worker "B" is killed with SIGKILL and restarted every 20 s (worker "A" lives
 * throughout, for the memory trend); the Redis server is stopped, left down 5 s and started
 * empty once, and FLUSHALLed once, mid-run; the MariaDB server is killed with SIGKILL (a crash)
 * and started again 5 s later, mid-run; two rules are paused mid-run (their later slots must
 * send nothing: a `skipped` run, or none when Redis lost the job — scans skip paused rules).
 * The drain waits until every `unknown` batch has been resolved by the workers (found in
 * WeCom's task list → `sent`, or `safe_to_resend`) — no operator acts during the run.
 * Exit code 2 when any check that must be 0 is not.
 *
 * Then: slots due / fired / skipped / missed / absent, runs, batches sent / failed / unknown,
 * lost batches (not terminal in MySQL, or counted by the run but absent), the simulator's
 * ledger matched to MySQL batches (duplicate recipients, WeCom tasks no batch accounts for,
 * sent batches WeCom never saw), WeCom calls, and the RSS of every process every 5 s.
 * Process logs go to bench/results/reliability-<time>/.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { DateTime } from 'luxon';
import { createConnection, Connection } from 'mysql2/promise';
import { BUSINESS_TZ } from '@app/common';
import { createDatabaseIfMissing, dropDatabase, runMigrations } from '@app/database';
import { startPrivateMariaDb } from '../test/utils/mariadb-server';
import { pollUntil } from '../test/utils/process';

const RULES = 50;
const SLOTS_PER_RULE = 4;
const SLOT_MINUTES = 10;
const CUSTOMERS = 25_000;
const DAYS = 100; // customer c's only order is 1 + (c % 100) days ago: 250 per day
const BATCH_SIZE = 5_000;
const KILL_EVERY_MS = 20_000;
const SAMPLE_EVERY_MS = 5_000;
const DRAIN_DEADLINE_MS = 5 * 60_000;
const PAUSED_RULES = [RULES - 1, RULES - 2]; // rule indexes paused mid-run
const TOKEN = `bench-reliability-${randomBytes(6).toString('hex')}`;
const CORP = {
  WECOM_CORP_ID: 'ww-bench-rel',
  WECOM_CORP_SECRET: `s-${randomBytes(8).toString('hex')}`,
};
const DB = {
  DB_HOST: '127.0.0.1',
  DB_PORT: 0, // the private server's, set when it starts
  DB_USER: 'root',
  DB_PASSWORD: '',
  DB_NAME: 'wpp_bench_reliability',
};
const SIM_FAULTS = {
  SIM_SEED: '8',
  SIM_LATENCY_MS: '20',
  SIM_JITTER_MS: '30',
  SIM_HTTP_5XX_RATE: '0.05',
  SIM_BUSY_RATE: '0.02',
  SIM_TIMEOUT_AFTER_ACCEPT_RATE: '0.01',
  SIM_TIMEOUT_BEFORE_CALL_RATE: '0.005',
  SIM_HOLD_MS: '20000',
  // Not a multiple of the slot minute: bursts drift across the sending window, and a batch
  // told to wait 60 s does not land in the next burst by construction.
  SIM_RATE_LIMIT_BURST_EVERY_MS: '70000',
  SIM_RATE_LIMIT_BURST_MS: '5000',
  SIM_TOKEN_REVOKE_EVERY_MS: '30000',
};

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const LOG_DIR = path.resolve('bench/results', `reliability-${stamp}`);
const T0 = Date.now();
const elapsed = () => `${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s`;
const log = (msg: string) => console.log(`[${elapsed()}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<Proc>();

function startProcess(
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Proc {
  const out = createWriteStream(path.join(LOG_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  const p: Proc = {
    name,
    child,
    exited: new Promise((r) =>
      child.on('exit', (code, signal) => {
        live.delete(p);
        out.end();
        r({ code, signal });
      }),
    ),
  };
  live.add(p);
  return p;
}

async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const rssMb = (pid: number | undefined): number | null => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
};

// ---------------------------------------------------------------- data

/** Rule i targets the customers whose last order is 1..w(i) days ago: 250·w recipients. */
const windowDays = (i: number) => Math.round(12 + 88 * (i / (RULES - 1)) ** 3);
const expectedAudience = (i: number) => (CUSTOMERS / DAYS) * windowDays(i);
const content = (i: number) => `规则 ${i + 1}：猫砂告急，老客专享 8 折（可靠性压测）`;

async function seed(): Promise<void> {
  await dropDatabase(DB);
  await createDatabaseIfMissing(DB);
  await runMigrations(DB);
  const c = await createConnection({ ...conn(), multipleStatements: true });
  try {
    const today = DateTime.now().setZone(BUSINESS_TZ).startOf('day');
    const customers: unknown[][] = [];
    const orders: unknown[][] = [];
    for (let id = 1; id <= CUSTOMERS; id++) {
      const daysAgo = 1 + (id % DAYS);
      customers.push([id, `客户${id}`, `wmRel${String(id).padStart(6, '0')}`]);
      orders.push([
        id,
        `REL${id}`,
        String(id),
        today.minus({ days: daysAgo }).plus({ hours: 12 }).toFormat('yyyy-MM-dd HH:mm:ss'),
      ]);
    }
    for (let i = 0; i < CUSTOMERS; i += 5000) {
      await c.query('INSERT INTO customers (id, name, external_userid) VALUES ?', [
        customers.slice(i, i + 5000),
      ]);
      await c.query(
        'INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time) VALUES ?',
        [orders.slice(i, i + 5000)],
      );
    }
  } finally {
    await c.end();
  }
}

function conn() {
  return {
    host: DB.DB_HOST,
    port: DB.DB_PORT,
    user: DB.DB_USER,
    password: DB.DB_PASSWORD,
    database: DB.DB_NAME,
    timezone: '+08:00',
  };
}

// ---------------------------------------------------------------- report helpers

interface Series {
  name: string;
  samples: { t: number; mb: number }[];
}

function trend(s: Series): string {
  const xs = s.samples;
  if (xs.length < 4) return `${s.name}: too few samples`;
  const half = xs.slice(Math.floor(xs.length / 2));
  const n = half.length;
  const mx = half.reduce((a, p) => a + p.t, 0) / n;
  const my = half.reduce((a, p) => a + p.mb, 0) / n;
  const slope =
    half.reduce((a, p) => a + (p.t - mx) * (p.mb - my), 0) /
    half.reduce((a, p) => a + (p.t - mx) ** 2, 0);
  const peak = Math.max(...xs.map((p) => p.mb));
  const q = Math.floor(xs.length / 4);
  const mean = (ys: { mb: number }[]) => ys.reduce((a, p) => a + p.mb, 0) / ys.length;
  return `| ${s.name} | ${xs.length} | ${xs[0].mb.toFixed(0)} | ${peak.toFixed(0)} | ${xs[xs.length - 1].mb.toFixed(0)} | ${mean(xs.slice(q, 2 * q)).toFixed(0)} → ${mean(xs.slice(3 * q)).toFixed(0)} | ${(slope * 60_000).toFixed(1)} |`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  mkdirSync(LOG_DIR, { recursive: true });
  if (
    !existsSync('dist/apps/worker/main.js') ||
    !existsSync('dist/apps/api/main.js') ||
    !existsSync('dist/apps/wecom-simulator/main.js') ||
    process.argv.includes('--build')
  ) {
    for (const app of ['api', 'worker', 'wecom-simulator']) {
      log(`building ${app}…`);
      const r = spawnSync('npx', ['nest', 'build', app], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`nest build ${app} failed`);
    }
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  log(
    `machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${load}`,
  );

  const mariadb = await startPrivateMariaDb();
  DB.DB_PORT = mariadb.port;
  log(`MariaDB of this run on port ${mariadb.port}`);
  log(`seeding ${DB.DB_NAME}: ${CUSTOMERS} customers, one order each 1–${DAYS} days ago`);
  await seed();

  const [redisPort, apiPort, simPort, imgPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const REDIS_URL = `redis://127.0.0.1:${redisPort}`;
  const startRedis = () =>
    startProcess(
      'redis',
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {},
    );
  let redisProc = startRedis();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', () => undefined);
  await pollUntil(async () => (await redis.ping()) === 'PONG', 10_000);

  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'base64',
  );
  const images = http
    .createServer((_q, s) => s.writeHead(200, { 'content-type': 'image/png' }).end(png))
    .listen(imgPort, '127.0.0.1');

  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(DB).map(([k, v]) => [k, String(v)])),
    ...CORP,
    REDIS_URL,
    REDIS_KEY_PREFIX: 'wpp_rel',
    WECOM_API_BASE: `http://127.0.0.1:${simPort}`,
    ADMIN_TOKENS: `1:${TOKEN}`,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    MEDIA_ALLOWED_HOSTS: '127.0.0.1',
    PUSH_BATCH_SIZE: String(BATCH_SIZE),
    // Unknown batches are checked against WeCom's task list 10 s + 30 s + 30 s after their call.
    UNKNOWN_SETTLE_SECONDS: '30',
    // The soak checks the pipeline's reliability with every rule reaching its whole audience
    // (the audience arithmetic below); the contact policy would rightly cap each customer at
    // one message a day (its own proofs: bench:policy and the policy e2e tests).
    CONTACT_POLICY_ENABLED: 'false',
  };
  const sim = startProcess('simulator', process.execPath, ['dist/apps/wecom-simulator/main.js'], {
    PORT: String(simPort),
    HOST: '127.0.0.1',
    SIM_CORP_ID: CORP.WECOM_CORP_ID,
    SIM_CORP_SECRET: CORP.WECOM_CORP_SECRET,
    ...SIM_FAULTS,
  });
  const api = startProcess('api', process.execPath, ['dist/apps/api/main.js'], {
    ...env,
    PORT: String(apiPort),
  });
  let incarnation = 0;
  const startWorker = (slot: 'A' | 'B') =>
    startProcess(
      slot === 'A' ? 'worker-A' : `worker-B${++incarnation}`,
      process.execPath,
      ['dist/apps/worker/main.js'],
      env,
    );

  const series = new Map<string, Series>();
  const sample = (name: string, pid: number | undefined) => {
    const mb = rssMb(pid);
    if (mb === null) return;
    const s = series.get(name) ?? { name, samples: [] };
    s.samples.push({ t: Date.now(), mb });
    series.set(name, s);
  };
  let workerA: Proc | undefined;
  let workerB: Proc | undefined;
  const bPeaks: number[] = [];
  let bPeak = 0;
  const sampler = setInterval(() => {
    sample('api', api.child.pid);
    sample('simulator', sim.child.pid);
    sample('redis-server', redisProc.child.pid);
    sample('worker A (lives throughout)', workerA?.child.pid);
    const b = rssMb(workerB?.child.pid);
    if (b !== null) bPeak = Math.max(bPeak, b);
    sample('worker B (each incarnation ≤ 20 s)', workerB?.child.pid);
  }, SAMPLE_EVERY_MS);

  let db: Connection = await createConnection(conn());
  let killer: NodeJS.Timeout | undefined;
  let kills = 0;
  try {
    await pollUntil(
      async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).ok,
      90_000,
      250,
    );
    await pollUntil(
      async () => (await fetch(`http://127.0.0.1:${simPort}/__sim/stats`)).ok,
      60_000,
      250,
    );
    const client = async (route: string, body: unknown) => {
      const res = await fetch(`http://127.0.0.1:${apiPort}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { data: unknown };
      if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
      return json.data;
    };

    // Slots: the 10 whole minutes starting at least 90 s from now; rule i's k-th slot in
    // minute (i + 3k) mod 10, so each rule has 4 distinct minutes and each minute 20 slots.
    const first = DateTime.now()
      .setZone(BUSINESS_TZ)
      .plus({ seconds: 90 })
      .startOf('minute')
      .plus({ minutes: 1 });
    const minuteAt = (m: number) => first.plus({ minutes: m });
    const ruleIds: number[] = [];
    const expectedSlots: { ruleIndex: number; slotAt: number }[] = [];
    for (let i = 0; i < RULES; i++) {
      const minutes = Array.from({ length: SLOTS_PER_RULE }, (_, k) => (i + 3 * k) % SLOT_MINUTES);
      const name = `可靠性压测规则-${String(i + 1).padStart(2, '0')}`;
      await client('/wechatpush/create', {
        name,
        startDate: first.minus({ days: 1 }).toFormat('yyyy-MM-dd'),
        endDate: first.plus({ days: 1 }).toFormat('yyyy-MM-dd'),
        weekDayPushTime: minutes.map((m) => ({
          week: minuteAt(m).weekday,
          time: minuteAt(m).toFormat('HH:mm'),
        })),
        lastOrderDay: 1,
        lastOrderDayLimit: windowDays(i),
        content: content(i),
        ...(i % 5 === 0 ? { img: `http://127.0.0.1:${imgPort}/cat-${i}.png` } : {}),
      });
      const [rows] = await db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
      ruleIds.push(Number((rows as { id: number }[])[0].id));
      for (const m of minutes) expectedSlots.push({ ruleIndex: i, slotAt: minuteAt(m).toMillis() });
    }
    const lastSlot = minuteAt(SLOT_MINUTES - 1).toMillis();
    log(
      `${RULES} rules, ${expectedSlots.length} slots from ${first.toFormat('HH:mm')} to ${minuteAt(SLOT_MINUTES - 1).toFormat('HH:mm')} Shanghai; audiences ${expectedAudience(0)}–${expectedAudience(RULES - 1)}`,
    );

    const at = async (ms: number) => {
      const wait = ms - Date.now();
      if (wait > 0) await sleep(wait);
    };
    workerA = startWorker('A');
    workerB = startWorker('B');
    // Restart the timed faults 1 s before the first slot minute, so the first 45009 burst
    // meets the first sends (POST /__sim/faults restarts the periods and the PRNG).
    await at(first.toMillis() - 1_000);
    const faults = await fetch(`http://127.0.0.1:${simPort}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        seed: Number(SIM_FAULTS.SIM_SEED),
        latencyMs: Number(SIM_FAULTS.SIM_LATENCY_MS),
        jitterMs: Number(SIM_FAULTS.SIM_JITTER_MS),
        http5xxRate: Number(SIM_FAULTS.SIM_HTTP_5XX_RATE),
        busyRate: Number(SIM_FAULTS.SIM_BUSY_RATE),
        timeoutAfterAcceptRate: Number(SIM_FAULTS.SIM_TIMEOUT_AFTER_ACCEPT_RATE),
        timeoutBeforeCallRate: Number(SIM_FAULTS.SIM_TIMEOUT_BEFORE_CALL_RATE),
        holdMs: Number(SIM_FAULTS.SIM_HOLD_MS),
        rateLimitBurstEveryMs: Number(SIM_FAULTS.SIM_RATE_LIMIT_BURST_EVERY_MS),
        rateLimitBurstMs: Number(SIM_FAULTS.SIM_RATE_LIMIT_BURST_MS),
        tokenRevokeEveryMs: Number(SIM_FAULTS.SIM_TOKEN_REVOKE_EVERY_MS),
      }),
    });
    if (!faults.ok) throw new Error(`simulator faults: HTTP ${faults.status}`);
    log('faults restarted: the first 45009 burst starts now');
    killer = setInterval(() => {
      const victim = workerB;
      if (!victim) return;
      workerB = undefined;
      kills++;
      void stop(victim, 'SIGKILL').then(() => {
        bPeaks.push(bPeak);
        bPeak = 0;
        workerB = startWorker('B');
      });
    }, KILL_EVERY_MS);

    // Mid-run events, at fixed points of the slot window.
    await at(minuteAt(2).toMillis() + 30_000);
    for (const i of PAUSED_RULES)
      await client('/wechatpush/editstatus', { id: ruleIds[i], status: 1 });
    const pausedAt = Date.now();
    log(`paused rules ${PAUSED_RULES.map((i) => i + 1).join(', ')}`);

    await at(minuteAt(4).toMillis() + 30_000);
    log('Redis: stopping (no persistence: every queue, job, lock, token and cache is lost)');
    await stop(redisProc, 'SIGTERM');
    await sleep(5_000);
    redisProc = startRedis();
    await pollUntil(async () => (await redis.ping()) === 'PONG', 10_000);
    const redisRestartedAt = Date.now();
    log(
      `Redis: started again with no data (${await redis.dbsize()} keys written by the apps since)`,
    );

    await at(minuteAt(6).toMillis() + 30_000);
    log('Redis: FLUSHALL');
    await redis.flushall();
    const redisFlushedAt = Date.now();

    await at(minuteAt(7).toMillis() + 45_000);
    log('MariaDB: kill -9 (a crash), started again 5 s later');
    await db.end().catch(() => undefined);
    await mariadb.kill();
    await sleep(5_000);
    await mariadb.start();
    db = await createConnection(conn());
    const mariadbRestartedAt = Date.now();
    log('MariaDB: answering again');

    await at(lastSlot + 60_000);
    clearInterval(killer);
    killer = undefined;
    await pollUntil(async () => workerB !== undefined, 10_000);
    log(`last slot minute passed; ${kills} kills of worker B; waiting for every run to finish`);

    // Drain: every slot that must run has a run in a final state and no batch is pending or
    // sending. A paused rule's later slots may have a `skipped` run (their job was enqueued
    // before the pause) or none (scans do not enqueue paused rules; Redis lost the job).
    const pausedLater = (s: { ruleIndex: number; slotAt: number }) =>
      PAUSED_RULES.includes(s.ruleIndex) && s.slotAt > pausedAt;
    const mustRun = expectedSlots.filter((s) => !pausedLater(s));
    const deadline = Date.now() + DRAIN_DEADLINE_MS;
    let open = -1;
    while (Date.now() < deadline) {
      const [[r]] = (await db.query(
        `SELECT (SELECT COUNT(*) FROM wechat_push_runs WHERE kind = 'scheduled') AS runs,
                (SELECT COUNT(*) FROM wechat_push_runs WHERE state IN ('pending','selecting','sending')) AS openRuns,
                (SELECT COUNT(*) FROM wechat_push_batches WHERE state IN ('pending','sending','unknown')) AS openBatches`,
      )) as unknown as [{ runs: number; openRuns: number; openBatches: number }[]];
      // An `unknown` batch counts as open: the workers resolve it without an operator.
      open = Number(r.openRuns) + Number(r.openBatches);
      if (Number(r.runs) >= mustRun.length && open === 0) break;
      await sleep(2_000);
    }
    const drainedAt = Date.now();
    log(open === 0 ? 'drained' : `NOT drained after ${DRAIN_DEADLINE_MS / 1000} s`);
    await sleep(SAMPLE_EVERY_MS);

    // ------------------------------------------------------------ MySQL's account
    const [runRows] = await db.query(
      `SELECT id, push_id, kind, slot_at, state, reason, audience_count, batch_count, sent_batches, failed_batches, unknown_batches, accepted_count FROM wechat_push_runs`,
    );
    const runs = runRows as {
      id: number;
      push_id: number;
      kind: string;
      slot_at: Date;
      state: string;
      reason: string | null;
      audience_count: number | null;
      batch_count: number | null;
      sent_batches: number;
      failed_batches: number;
      unknown_batches: number;
      accepted_count: number;
    }[];
    const [batchRows] = await db.query(
      `SELECT id, run_id, batch_no, state, recipients, recipient_count, attempts, msgid, errcode FROM wechat_push_batches`,
    );
    const batches = (
      batchRows as {
        id: number;
        run_id: number;
        batch_no: number;
        state: string;
        recipients: string;
        recipient_count: number;
        attempts: number;
        msgid: string | null;
        errcode: number | null;
      }[]
    ).map((b) => ({ ...b, ids: JSON.parse(b.recipients) as string[] }));
    const ruleIndexOf = new Map(ruleIds.map((id, i) => [id, i]));
    const runKey = (pushId: number, slotAt: number) => `${pushId}@${slotAt}`;
    const runBySlot = new Map(
      runs.map((r) => [runKey(Number(r.push_id), new Date(r.slot_at).getTime()), r]),
    );
    const byState = (xs: { state: string }[]) =>
      xs.reduce<Record<string, number>>((a, x) => ({ ...a, [x.state]: (a[x.state] ?? 0) + 1 }), {});
    const absent = mustRun.filter((s) => !runBySlot.has(runKey(ruleIds[s.ruleIndex], s.slotAt)));
    const pausedWithoutRun = expectedSlots.filter(
      (s) => pausedLater(s) && !runBySlot.has(runKey(ruleIds[s.ruleIndex], s.slotAt)),
    ).length;
    const runStates = byState(runs);
    const batchStates = byState(batches);
    const unexpectedSkips = runs.filter(
      (r) =>
        r.state === 'skipped' &&
        !(
          PAUSED_RULES.includes(ruleIndexOf.get(Number(r.push_id)) ?? -1) &&
          r.reason === 'rule paused'
        ),
    );
    const pausedSlotsAfter = expectedSlots.length - mustRun.length;

    const batchesOf = new Map<number, typeof batches>();
    for (const b of batches)
      batchesOf.set(Number(b.run_id), [...(batchesOf.get(Number(b.run_id)) ?? []), b]);
    const notTerminalBatches = batches.filter((b) => ['pending', 'sending'].includes(b.state));
    const runsWithMissingBatches = runs.filter(
      (r) => r.batch_count !== null && (batchesOf.get(Number(r.id))?.length ?? 0) !== r.batch_count,
    );
    const wrongAudience = runs.filter(
      (r) =>
        ['completed', 'sending'].includes(r.state) &&
        r.audience_count !== expectedAudience(ruleIndexOf.get(Number(r.push_id)) ?? -1),
    );
    let mysqlDupRecipients = 0;
    for (const [, bs] of batchesOf) {
      const all = bs.flatMap((b) => b.ids);
      mysqlDupRecipients += all.length - new Set(all).size;
    }
    const countMismatch = runs.filter((r) => {
      const bs = batchesOf.get(Number(r.id)) ?? [];
      return (
        r.state === 'completed' &&
        (r.sent_batches !== bs.filter((b) => b.state === 'sent').length ||
          r.unknown_batches !== bs.filter((b) => b.state === 'unknown').length ||
          r.failed_batches !==
            bs.filter((b) => b.state === 'failed' || b.state === 'safe_to_resend').length)
      );
    });

    // ------------------------------------------------------------ WeCom's account (the ledger)
    const ledger = (await (await fetch(`http://127.0.0.1:${simPort}/__sim/messages`)).json()) as {
      messages: { msgid: string; text: { content: string } | null; externalUserIds: string[] }[];
    };
    const stats = (await (await fetch(`http://127.0.0.1:${simPort}/__sim/stats`)).json()) as {
      requests: Record<string, number>;
      outcomes: Record<string, Record<string, number>>;
    };
    const ruleOfText = new Map(Array.from({ length: RULES }, (_, i) => [content(i), ruleIds[i]]));
    const batchByMsgid = new Map(batches.filter((b) => b.msgid).map((b) => [b.msgid as string, b]));
    const digest = (pushId: number, ids: string[]) =>
      `${pushId}:${createHash('sha1').update(ids.join(',')).digest('hex')}`;
    const unmatchedCandidates = new Map<string, typeof batches>();
    for (const b of batches.filter((x) => !x.msgid)) {
      const run = runs.find((r) => Number(r.id) === Number(b.run_id));
      const k = digest(Number(run?.push_id), b.ids);
      unmatchedCandidates.set(k, [...(unmatchedCandidates.get(k) ?? []), b]);
    }
    const ledgerOfBatch = new Map<number, number>();
    let unattributed = 0;
    let unattributedRecipients = 0;
    for (const m of ledger.messages) {
      let b = batchByMsgid.get(m.msgid);
      if (!b) {
        const cands =
          unmatchedCandidates.get(
            digest(ruleOfText.get(m.text?.content ?? '') ?? -1, m.externalUserIds),
          ) ?? [];
        b = cands.find((c) => !ledgerOfBatch.has(Number(c.id))) ?? cands[0];
      }
      if (!b) {
        unattributed++;
        unattributedRecipients += m.externalUserIds.length;
        continue;
      }
      ledgerOfBatch.set(Number(b.id), (ledgerOfBatch.get(Number(b.id)) ?? 0) + 1);
    }
    let ledgerDupRecipients = unattributedRecipients;
    for (const b of batches) {
      const n = ledgerOfBatch.get(Number(b.id)) ?? 0;
      if (n > 1) ledgerDupRecipients += (n - 1) * b.ids.length;
    }
    ledgerDupRecipients += mysqlDupRecipients; // a recipient in two batches of a run reaches WeCom twice
    const sentNotInLedger = batches.filter(
      (b) => b.state === 'sent' && !ledgerOfBatch.has(Number(b.id)),
    ).length;
    const unknownReached = batches.filter(
      (b) => b.state === 'unknown' && ledgerOfBatch.has(Number(b.id)),
    ).length;
    const failedReached = batches.filter(
      (b) => b.state === 'failed' && ledgerOfBatch.has(Number(b.id)),
    ).length;
    // Judged absent from WeCom's list, yet WeCom holds its task: a resend would send twice.
    const safeReached = batches.filter(
      (b) => b.state === 'safe_to_resend' && ledgerOfBatch.has(Number(b.id)),
    ).length;
    const recipientsDelivered = batches
      .filter((b) => b.state === 'sent')
      .reduce((a, b) => a + b.ids.length, 0);
    const calls = Object.values(stats.requests).reduce((a, n) => a + n, 0);
    const outcomesOf = (ep: string) => stats.outcomes[ep] ?? {};
    const errcodes: Record<string, number> = {};
    for (const o of Object.values(stats.outcomes))
      for (const [k, n] of Object.entries(o)) errcodes[k] = (errcodes[k] ?? 0) + n;

    // ------------------------------------------------------------ worker logs
    const logs = [...readdirLogs()].join('\n');
    const count = (re: RegExp) => (logs.match(re) ?? []).length;

    // ------------------------------------------------------------ report
    const fired = runs.filter(
      (r) => r.kind === 'scheduled' && !['skipped', 'missed'].includes(r.state),
    ).length;
    const lost =
      notTerminalBatches.length +
      runsWithMissingBatches.reduce(
        (a, r) => a + Math.abs((r.batch_count ?? 0) - (batchesOf.get(Number(r.id))?.length ?? 0)),
        0,
      );
    const lines = [
      '',
      `date ${new Date().toISOString()}; machine ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; load average at start ${load}, at end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
      `wall time ${((Date.now() - T0) / 60_000).toFixed(1)} min; slots ${first.toFormat('HH:mm')}–${minuteAt(SLOT_MINUTES - 1).toFormat('HH:mm')} Shanghai; drained ${((drainedAt - lastSlot) / 1000).toFixed(0)} s after the last slot minute; Redis restarted at +${((redisRestartedAt - first.toMillis()) / 60_000).toFixed(1)} min, flushed at +${((redisFlushedAt - first.toMillis()) / 60_000).toFixed(1)} min; MariaDB killed and restarted at +${((mariadbRestartedAt - first.toMillis()) / 60_000).toFixed(1)} min`,
      `worker B killed -9 and restarted ${kills} times; rules ${PAUSED_RULES.map((i) => i + 1).join(', ')} paused at +${((pausedAt - first.toMillis()) / 60_000).toFixed(1)} min (${pausedSlotsAfter} of their slots after that)`,
      '',
      '| measure | value | expected |',
      '|---|---|---|',
      `| slots due | ${expectedSlots.length} | ${RULES} × ${SLOTS_PER_RULE} |`,
      `| runs fired (selected and sent) | ${fired} | ${expectedSlots.length - pausedSlotsAfter} |`,
      `| paused rules' later slots: run skipped / no run | ${runStates.skipped ?? 0} (unexpected skips: ${unexpectedSkips.length}) / ${pausedWithoutRun} | ${pausedSlotsAfter} in all, nothing sent |`,
      `| runs missed | ${runStates.missed ?? 0} | 0 |`,
      `| slots of active rules with no run | ${absent.length} | 0 |`,
      `| run states | ${JSON.stringify(runStates)} | all final |`,
      `| runs with an audience ≠ the seed's arithmetic | ${wrongAudience.length} | 0 |`,
      `| runs whose counts disagree with their batches | ${countMismatch.length} | 0 |`,
      `| batches | ${batches.length} ${JSON.stringify(batchStates)} | – |`,
      `| lost batches (not final, or counted by the run but absent) | ${lost} | 0 |`,
      `| recipients in sent batches | ${recipientsDelivered} | – |`,
      `| WeCom tasks in the ledger | ${ledger.messages.length} | – |`,
      `| duplicate recipients (ledger vs batches) | ${ledgerDupRecipients} (in two batches of a run: ${mysqlDupRecipients}; tasks no batch accounts for: ${unattributed}) | 0 |`,
      `| sent batches WeCom never saw | ${sentNotInLedger} | 0 |`,
      `| unknown batches left unresolved (that did reach WeCom / not) | ${batchStates.unknown ?? 0} (${unknownReached} / ${(batchStates.unknown ?? 0) - unknownReached}) | 0 |`,
      `| unknown batches resolved by the workers: found in WeCom's list → sent / safe_to_resend | ${count(/"source":"task_list"/g)} / ${batchStates.safe_to_resend ?? 0} | – |`,
      `| safe_to_resend batches that WeCom did create | ${safeReached} | 0 |`,
      `| answers recorded from the journal (MySQL or the job lost at the answer) | ${count(/"source":"journal"/g)} | – |`,
      `| failed batches that reached WeCom | ${failedReached} | 0 |`,
      `| WeCom calls | ${calls} (add_msg_template ${stats.requests['externalcontact/add_msg_template'] ?? 0}, gettoken ${stats.requests.gettoken ?? 0}) | – |`,
      `| answers by outcome (all endpoints) | ${JSON.stringify(errcodes)} | – |`,
      `| add_msg_template outcomes | ${JSON.stringify(outcomesOf('externalcontact/add_msg_template'))} | – |`,
      `| worker log lines: "batch will be retried" / "batch unknown" / "batch failed" / "scan done" | ${count(/batch will be retried/g)} / ${count(/"msg":"batch unknown"/g)} / ${count(/"msg":"batch failed"/g)} / ${count(/"msg":"scan done"/g)} | – |`,
      '',
      '| process | samples | RSS start MB | peak MB | end MB | mean 2nd quarter → last quarter MB | slope over the 2nd half, MB/min |',
      '|---|---|---|---|---|---|---|',
      ...[...series.values()].map(trend),
      `worker B peak RSS per incarnation (MB): min ${Math.min(...bPeaks).toFixed(0)}, median ${[...bPeaks].sort((a, b) => a - b)[Math.floor(bPeaks.length / 2)]?.toFixed(0)}, max ${Math.max(...bPeaks).toFixed(0)}`,
      `logs: ${LOG_DIR}`,
    ];
    for (const l of lines) console.log(l);
    writeFileSync(
      path.join(LOG_DIR, 'rss.json'),
      JSON.stringify({ series: [...series.values()], bPeaks }, null, 1),
    );
    writeFileSync(path.join(LOG_DIR, 'sim-stats.json'), JSON.stringify(stats, null, 1));
    if (notTerminalBatches.length)
      console.log('not final:', notTerminalBatches.map((b) => `${b.id}:${b.state}`).join(' '));
    if (absent.length) console.log('absent slots:', absent.slice(0, 20));
    if (wrongAudience.length)
      console.log(
        'wrong audience:',
        wrongAudience.slice(0, 10).map((r) => `${r.id} ${r.state} ${r.audience_count}`),
      );
    if (countMismatch.length)
      console.log(
        'count mismatch runs:',
        countMismatch.slice(0, 10).map((r) => r.id),
      );
    const bad =
      ledgerDupRecipients +
      lost +
      absent.length +
      (runStates.missed ?? 0) +
      unexpectedSkips.length +
      sentNotInLedger +
      failedReached +
      (batchStates.unknown ?? 0) +
      safeReached +
      wrongAudience.length +
      countMismatch.length;
    process.exitCode = bad === 0 ? 0 : 2;
  } finally {
    if (killer) clearInterval(killer);
    clearInterval(sampler);
    await db.end().catch(() => undefined);
    for (const p of [...live].filter((x) => x.name !== 'redis')) await stop(p);
    for (const p of [...live]) await stop(p);
    redis.disconnect();
    await mariadb.close();
    images.close();
  }

  function* readdirLogs(): Iterable<string> {
    for (const f of readdirSync(LOG_DIR)) {
      if (f.startsWith('worker')) yield readFileSync(path.join(LOG_DIR, f), 'utf8');
    }
  }
}

process.on('SIGINT', () => {
  for (const p of live) p.child.kill('SIGKILL');
  process.exit(130);
});

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e);
    for (const p of live) p.child.kill('SIGKILL');
    process.exit(1);
  },
);
