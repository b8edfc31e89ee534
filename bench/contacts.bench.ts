/**
 * npm run bench:contacts [-- --contacts N] [--callbacks M] [--chains K] — WeCom contacts
 * (issue 19); `--callbacks 0` skips the callback half, `--chains` sets the worker's
 * WECOM_CONTACTS_SYNC_CHAINS.
 *
 * The WeCom simulator (a generated corp of N contacts, default 1,000,000, across 200 members;
 * 100 ms latency on the contact endpoints; WeCom's 10,000 calls a minute per contact API), the
 * api and one worker (built apps, dist/) on a fresh database `wpp_bench_contacts` (or
 * BENCH_DB_NAME) of the machine's MariaDB and a key prefix of its own on the machine's Redis.
 *
 * 1. One full sync (POST /wecom/contacts/sync, polled through GET /wecom/contacts/sync/status):
 *    wall time against the bound WeCom's rate implies — the calls the corp needs (the member
 *    list, the tag library, and batch/get_by_user pages of ≤ 100 rows per chunk of ≤ 100
 *    members, counted by paging the same generated corp in this process) / 10,000 a minute —
 *    and the worker's RSS sampled every second (first, peak, last, slope of the second half).
 * 2. M signed callbacks (default 10,000) sent at once by the simulator (POST /__sim/callbacks):
 *    events per second from the POST to every event stored and processed
 *    (wecom_callback_events.processed_at).
 *
 * Process logs go to bench/results/contacts-<time>/.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { createDatabaseIfMissing, dropDatabase, runMigrations } from '@app/database';
import { SimCorp } from '../apps/wecom-simulator/src/corp/sim-corp';
import { DEFAULT_BEHAVIOUR } from '../apps/wecom-simulator/src/simulator-settings';
import { pollUntil } from '../test/utils/process';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a whole number`);
  return v;
};
const CONTACTS = arg('contacts', 1_000_000);
const CALLBACKS = arg('callbacks', 10_000);
/** WECOM_CONTACTS_SYNC_CHAINS for the worker (default: the app's). */
const CHAINS = arg('chains', 0);
const MEMBERS = 200;
const LATENCY_MS = 100;
const CALLS_PER_MINUTE = 10_000;
const PAGE_ROWS = 100; // batch/get_by_user: ≤ 100 rows a page
const CHUNK_MEMBERS = 100; // batch/get_by_user: ≤ 100 userids a call
const CONTACT_ENDPOINTS = [
  'externalcontact/get_follow_user_list',
  'externalcontact/batch/get_by_user',
  'externalcontact/get_corp_tag_list',
];
const TOKEN = `bench-contacts-${randomBytes(6).toString('hex')}`;
const CALLBACK_TOKEN = randomBytes(8).toString('hex');
const CALLBACK_AES_KEY = randomBytes(32)
  .toString('base64')
  .replace(/[^A-Za-z0-9]/g, 'x')
  .slice(0, 43);
const CORP_ID = 'ww-bench-contacts';
const CORP_SECRET = `s-${randomBytes(8).toString('hex')}`;
const DB = {
  DB_HOST: '127.0.0.1',
  DB_PORT: 3306,
  DB_USER: 'root',
  DB_PASSWORD: '',
  DB_NAME: process.env.BENCH_DB_NAME ?? 'wpp_bench_contacts',
};

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const LOG_DIR = path.resolve('bench/results', `contacts-${stamp}`);
const T0 = Date.now();
const log = (msg: string) =>
  console.log(`[${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
}
const live = new Set<Proc>();

function startProcess(name: string, entry: string, env: Record<string, string>): Proc {
  const out = createWriteStream(path.join(LOG_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  const p: Proc = {
    child,
    exited: new Promise((r) =>
      child.on('exit', () => {
        live.delete(p);
        out.end();
        r();
      }),
    ),
  };
  live.add(p);
  return p;
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

/** CPU seconds (user + system) a process has used, or null when it cannot be read. */
const cpuSeconds = (pid: number | undefined): number | null => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
};
/** The machine's MariaDB server (shared: its CPU includes other sessions' queries). */
const mariadbPid = (): number | undefined => {
  const r = spawnSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split(/\s+/)[0]);
  return pid > 0 ? pid : undefined;
};

/** The calls a full sync of the simulator's corp needs, by paging the same generated corp. */
function callsNeeded(): { byUser: number; rows: number; total: number } {
  const corp = new SimCorp(
    {
      seed: DEFAULT_BEHAVIOUR.corpSeed,
      members: MEMBERS,
      contacts: CONTACTS,
      unionidRate: DEFAULT_BEHAVIOUR.corpUnionidRate,
      mobileRate: DEFAULT_BEHAVIOUR.corpMobileRate,
    },
    DEFAULT_BEHAVIOUR.senders,
  );
  let byUser = 0;
  let rows = 0;
  for (let c = 0; c < corp.members.length; c += CHUNK_MEMBERS) {
    const chunk = corp.members.slice(c, c + CHUNK_MEMBERS);
    let cursor = '';
    do {
      const page = corp.byUser(chunk, cursor, PAGE_ROWS);
      if (!page) throw new Error('the corp refused its own cursor');
      byUser++;
      rows += page.rows.length;
      cursor = page.next_cursor;
    } while (cursor !== '');
  }
  // + get_follow_user_list + get_corp_tag_list
  return { byUser, rows, total: byUser + 2 };
}

interface Sample {
  t: number;
  mb: number;
}
function rssReport(xs: Sample[]): string {
  if (xs.length < 4) return `too few samples (${xs.length})`;
  const half = xs.slice(Math.floor(xs.length / 2));
  const mx = half.reduce((a, p) => a + p.t, 0) / half.length;
  const my = half.reduce((a, p) => a + p.mb, 0) / half.length;
  const slope =
    half.reduce((a, p) => a + (p.t - mx) * (p.mb - my), 0) /
    half.reduce((a, p) => a + (p.t - mx) ** 2, 0);
  const peak = Math.max(...xs.map((p) => p.mb));
  return `${xs.length} samples: first ${xs[0].mb.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, last ${xs[xs.length - 1].mb.toFixed(0)} MB, second-half slope ${(slope * 60_000).toFixed(1)} MB/min`;
}

async function main(): Promise<void> {
  mkdirSync(LOG_DIR, { recursive: true });
  if (
    process.argv.includes('--build') ||
    !['api', 'worker', 'wecom-simulator'].every((a) => existsSync(`dist/apps/${a}/main.js`))
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
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${load}`,
  );
  log(`corp: ${CONTACTS} contacts across ${MEMBERS} members; counting the calls a sync needs…`);
  const need = callsNeeded();
  const boundS = (need.total / CALLS_PER_MINUTE) * 60;
  log(
    `calls needed: ${need.byUser} get_by_user pages (${need.rows} rows) + 2 = ${need.total}; bound at ${CALLS_PER_MINUTE}/min: ${boundS.toFixed(1)} s`,
  );

  await dropDatabase(DB);
  await createDatabaseIfMissing(DB);
  await runMigrations(DB);

  const [apiPort, simPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(DB).map(([k, v]) => [k, String(v)])),
    WECOM_CORP_ID: CORP_ID,
    WECOM_CORP_SECRET: CORP_SECRET,
    WECOM_API_BASE: `http://127.0.0.1:${simPort}`,
    WECOM_API_CALLS_PER_MINUTE: String(CALLS_PER_MINUTE),
    WECOM_CALLBACK_TOKEN: CALLBACK_TOKEN,
    WECOM_CALLBACK_AES_KEY: CALLBACK_AES_KEY,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `wpp_bench_contacts_${randomBytes(3).toString('hex')}`,
    ADMIN_TOKENS: `1:${TOKEN}`,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    SCHEDULER_ENABLED: 'false',
    ...(CHAINS > 0 ? { WECOM_CONTACTS_SYNC_CHAINS: String(CHAINS) } : {}),
  };
  startProcess('simulator', 'dist/apps/wecom-simulator/main.js', {
    PORT: String(simPort),
    HOST: '127.0.0.1',
    SIM_CORP_ID: CORP_ID,
    SIM_CORP_SECRET: CORP_SECRET,
    SIM_CORP_MEMBERS: String(MEMBERS),
    SIM_CORP_CONTACTS: String(CONTACTS),
    SIM_CONTACT_CALLS_PER_MINUTE: String(CALLS_PER_MINUTE),
    SIM_LATENCY_MS: String(LATENCY_MS),
    SIM_FAULT_ENDPOINTS: CONTACT_ENDPOINTS.join(','),
    SIM_CALLBACK_URL: `http://127.0.0.1:${apiPort}/wecom/callback`,
    SIM_CALLBACK_TOKEN: CALLBACK_TOKEN,
    SIM_CALLBACK_AES_KEY: CALLBACK_AES_KEY,
  });
  startProcess('api', 'dist/apps/api/main.js', { ...env, PORT: String(apiPort) });
  const worker = startProcess('worker', 'dist/apps/worker/main.js', env);
  const samples: Sample[] = [];
  let sampling = false;
  const sampler = setInterval(() => {
    const mb = rssMb(worker.child.pid);
    if (sampling && mb !== null) samples.push({ t: Date.now(), mb });
  }, 1000);

  const db = await createConnection({ ...conn(), timezone: '+08:00' });
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
    const api = async (method: string, route: string) => {
      const res = await fetch(`http://127.0.0.1:${apiPort}${route}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const json = (await res.json()) as { data: Record<string, unknown> };
      if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
      return json.data;
    };

    // ---- 1. the full sync
    log('POST /wecom/contacts/sync');
    sampling = true;
    const dbPid = mariadbPid();
    const cpu0 = { worker: cpuSeconds(worker.child.pid), db: cpuSeconds(dbPid) };
    const t1 = Date.now();
    const started = await api('POST', '/wecom/contacts/sync');
    let last: Record<string, unknown> = started;
    let lastLog = Date.now();
    for (;;) {
      const st = await api('GET', '/wecom/contacts/sync/status');
      const done = st.lastFull as Record<string, unknown> | null;
      if (done && done.id === started.id) {
        last = done;
        break;
      }
      const running = st.running as Record<string, unknown> | null;
      if (running) last = running;
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(
          `  ${String(last.pages)} pages, ${String(last.rowsRead)} rows, members ${String(last.membersDone)}/${String(last.membersTotal)}, worker RSS ${rssMb(worker.child.pid)?.toFixed(0)} MB`,
        );
      }
      if (Date.now() - t1 > 6 * 3600_000) throw new Error('sync did not finish in 6 h');
      await new Promise((r) => setTimeout(r, 500));
    }
    const wallS = (Date.now() - t1) / 1000;
    const cpu = {
      worker: (cpuSeconds(worker.child.pid) ?? NaN) - (cpu0.worker ?? NaN),
      db: (cpuSeconds(dbPid) ?? NaN) - (cpu0.db ?? NaN),
    };
    sampling = false;
    const stats = (await (await fetch(`http://127.0.0.1:${simPort}/__sim/stats`)).json()) as {
      requests: Record<string, number>;
    };
    const contactCalls = CONTACT_ENDPOINTS.reduce((a, e) => a + (stats.requests[e] ?? 0), 0);
    const [[follows]] = (await db.query(
      'SELECT COUNT(*) AS n FROM wecom_follow_relations WHERE removed_at IS NULL',
    )) as unknown as [{ n: number }[]];
    log(`sync ${String(last.state)}: ${JSON.stringify(last)}`);
    log(`simulator requests: ${JSON.stringify(stats.requests)}`);
    const syncLines = [
      `contacts ${CONTACTS}, members ${MEMBERS}, latency ${LATENCY_MS} ms, ${CALLS_PER_MINUTE} calls/min, chains ${CHAINS || 'default'}`,
      `calls needed ${need.total} (get_by_user ${need.byUser}, rows ${need.rows}); contact calls made ${contactCalls}; pages ${String(last.pages)}, rows read ${String(last.rowsRead)}, follows stored ${Number(follows.n)}`,
      `bound ${boundS.toFixed(1)} s; wall ${wallS.toFixed(1)} s; ratio ${(wallS / boundS).toFixed(2)}× (target ≤ 1.5×); ${((wallS * 1000) / Number(last.pages)).toFixed(0)} ms a page (latency ${LATENCY_MS} ms)`,
      `worker RSS: ${rssReport(samples)}`,
      `CPU during the sync: worker ${cpu.worker.toFixed(1)} s (${((cpu.worker * 1000) / Number(last.pages)).toFixed(1)} ms a page), MariaDB ${cpu.db.toFixed(1)} s (${((cpu.db * 1000) / Number(last.pages)).toFixed(1)} ms a page; includes other sessions' queries on the shared server)`,
    ];

    if (CALLBACKS === 0) {
      console.log(
        `\n## WeCom contacts — ${new Date().toISOString()}, load average at start ${load}`,
      );
      for (const l of syncLines) console.log(`- ${l}`);
      console.log(`logs: ${LOG_DIR}`);
      return;
    }
    // ---- 2. the callback burst
    log(`sending ${CALLBACKS} callbacks at once`);
    const [[before]] = (await db.query(
      'SELECT COUNT(*) AS n FROM wecom_callback_events',
    )) as unknown as [{ n: number }[]];
    const t2 = Date.now();
    const sendRes = await fetch(`http://127.0.0.1:${simPort}/__sim/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: CALLBACKS, concurrency: 200 }),
    });
    const report = (await sendRes.json()) as { statuses: Record<string, number>; success: number };
    const sentS = (Date.now() - t2) / 1000;
    log(
      `sent in ${sentS.toFixed(1)} s: ${JSON.stringify(report.statuses)}, success ${report.success}`,
    );
    await pollUntil(
      async () => {
        const [[r]] = (await db.query(
          'SELECT COUNT(*) AS n, SUM(processed_at IS NOT NULL) AS p FROM wecom_callback_events',
        )) as unknown as [{ n: number; p: number | null }[]];
        return Number(r.n) - Number(before.n) >= CALLBACKS && Number(r.p) === Number(r.n);
      },
      30 * 60_000,
      200,
    );
    const cbS = (Date.now() - t2) / 1000;
    const [[errs]] = (await db.query(
      'SELECT COUNT(*) AS n FROM wecom_callback_events WHERE error IS NOT NULL',
    )) as unknown as [{ n: number }[]];
    const cbLines = [
      `${CALLBACKS} callbacks (simulator concurrency 200): all answered in ${sentS.toFixed(1)} s (${(CALLBACKS / sentS).toFixed(0)}/s), all stored and processed in ${cbS.toFixed(1)} s → ${(CALLBACKS / cbS).toFixed(0)} events/s; events with an error ${Number(errs.n)}`,
    ];
    console.log(`\n## WeCom contacts — ${new Date().toISOString()}, load average at start ${load}`);
    for (const l of [...syncLines, ...cbLines]) console.log(`- ${l}`);
    console.log(`logs: ${LOG_DIR}`);
  } finally {
    clearInterval(sampler);
    await db.end();
    for (const p of [...live]) {
      p.child.kill('SIGTERM');
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (live.has(p)) p.child.kill('SIGKILL');
    }
    await dropDatabase(DB);
    // The run's keys on the shared Redis (its prefix only).
    const redis = new Redis(env.REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${env.REDIS_KEY_PREFIX}*`,
        'COUNT',
        1000,
      );
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

function conn() {
  return {
    host: DB.DB_HOST,
    port: DB.DB_PORT,
    user: DB.DB_USER,
    password: DB.DB_PASSWORD,
    database: DB.DB_NAME,
  };
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    for (const p of live) p.child.kill('SIGKILL');
    process.exit(1);
  },
);
