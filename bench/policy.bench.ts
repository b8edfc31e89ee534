/**
 * `npm run bench:policy [-- --db wpp_bench_policy --at 2025-07-01T10:00:00+08:00 --reuse]`
 *
 * The contact policy at scale (issue 16, docs/BENCHMARKS.md "Contact policy"). Needs the
 * data set of `npm run gen:data -- --customers 1000000 --orders 10000000 --db wpp_bench_policy`;
 * adds a year of contact history before `--at` (bench/policy-ledger.ts, ≥ 30M ledger rows;
 * `--reuse` keeps the one of an earlier run made for the same instant). Then, side by side
 * and alternated, each in a process of its own that boots the real worker module
 * (bench/policy-child.ts): a manual run of the seed's 30–45-day rule through FireSlotService
 * with the policy on and with it off (CONTACT_POLICY_ENABLED=false) — first batch, whole
 * selection, audience and exclusions, worker RSS — and the rule's preview (the policy's
 * streamed check, or the plain count). Last, two rules with overlapping audiences fired at
 * the same instant by two worker processes, the policy on, and the ledger checked for
 * customers taken past a cap. Every measurement starts from the same ledger: the rows,
 * batches and runs a run wrote are deleted after it.
 *
 * Also times each statement of a policy-on page (`profile`: the first pages reserved and rolled
 * back). Options: `--rounds N` (alternated rounds, default 3), `--windows 0-30,5-40` (the two
 * concurrent rules' last-order windows in days), `--no-concurrency`, `--wide` (also a
 * policy-on run of a 0–365-day rule, for memory against audience size),
 * `--only-profile`, `--only-concurrency`.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Connection, createConnection } from 'mysql2/promise';
import { loadConfig } from '@app/common';
import { runMigrations } from '@app/database';
import {
  generateLedger,
  HISTORY_FIRST_PUSH,
  HISTORY_PUSHES,
  shanghaiDateTime,
} from './policy-ledger';
import type { ChildReport, ChildTask } from './policy-child';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const flag = (name: string) => process.argv.includes(`--${name}`);

const DB = arg('db', 'wpp_bench_policy');
const AT = new Date(arg('at', '2025-07-01T10:00:00+08:00'));
const ROUNDS = Number(arg('rounds', '3'));
const REDIS_PREFIX = 'bench_policy';
const [WIN_A, WIN_B] = arg('windows', '0-30,5-40')
  .split(',')
  .map((w) => w.split('-').map(Number) as [number, number]);

/** The bench's rules. SEED is one of the history's push ids, so its cooldown has rows. */
const RULE = {
  SEED: HISTORY_FIRST_PUSH + HISTORY_PUSHES - 1,
  A: 911,
  B: 912,
  OVERLAP: 913,
  WIDE: 914,
} as const;
const RULE_WINDOWS: Record<number, [number, number]> = {
  [RULE.SEED]: [30, 45],
  [RULE.A]: WIN_A,
  [RULE.B]: WIN_B,
  [RULE.OVERLAP]: [Math.max(WIN_A[0], WIN_B[0]), Math.min(WIN_A[1], WIN_B[1])],
  [RULE.WIDE]: [0, 365],
};

const round1 = (x: number) => Math.round(x * 10) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sumOf = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);

function connect(): Promise<Connection> {
  const c = loadConfig({ ...process.env, DB_NAME: DB });
  return createConnection({
    host: c.DB_HOST,
    port: c.DB_PORT,
    user: c.DB_USER,
    password: c.DB_PASSWORD,
    database: DB,
    timezone: '+08:00',
    supportBigNumbers: true,
  });
}

async function q<T = Record<string, unknown>>(
  conn: Connection,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const [rows] = await conn.query(sql, params);
  return rows as T[];
}

/** A child process of bench/policy-child.ts, booted and waiting for `go`. */
interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  done: Promise<ChildReport>;
}

function spawnChild(task: ChildTask, policy: boolean): Child {
  const proc = fork(join(__dirname, 'policy-child.ts'), [JSON.stringify(task)], {
    execArgv: [
      '--max-old-space-size=4096',
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
    ],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DB_NAME: DB,
      REDIS_KEY_PREFIX: REDIS_PREFIX,
      // Text-only rules: selection makes no WeCom call; nothing may reach a real WeCom.
      WECOM_API_BASE: 'http://127.0.0.1:9',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'silent',
      CONTACT_POLICY_ENABLED: String(policy),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  const done = new Promise<ChildReport>((resolve, reject) => {
    proc.on('message', (m: { ready?: boolean; report?: ChildReport; error?: string }) => {
      if (m.ready) onReady();
      if (m.report) resolve(m.report);
      if (m.error) reject(new Error(`child ${JSON.stringify(task)}: ${m.error}`));
    });
    proc.on('exit', (code) => reject(new Error(`child ${JSON.stringify(task)} exited ${code}`)));
  });
  done.catch(() => onReady());
  return { proc, ready, done };
}

/** Boots the children, starts them at the same moment, returns their reports. */
async function measure(tasks: { task: ChildTask; policy: boolean }[]): Promise<ChildReport[]> {
  const children = tasks.map((t) => spawnChild(t.task, t.policy));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) if (c.proc.connected) c.proc.send({ go: true });
  return Promise.all(children.map((c) => c.done));
}

/** What the bench's runs wrote: their ledger rows, batches and runs; their queue jobs. */
async function reset(conn: Connection, redis: Redis, maxHistoryId: number): Promise<void> {
  const runs = (
    await q<{ id: number }>(conn, 'SELECT id FROM wechat_push_runs WHERE push_id IN (?)', [
      Object.values(RULE),
    ])
  ).map((r) => r.id);
  if (runs.length) {
    // The runs' batches leave their customers' live contacts (found through the ledger's
    // batch key), then their rows go.
    const batches = (
      await q<{ id: number }>(
        conn,
        'SELECT batch_id AS id FROM contact_batches WHERE run_id IN (?)',
        [runs],
      )
    ).map((r) => r.id);
    for (const b of batches) {
      await q(
        conn,
        `UPDATE contact_state s JOIN contact_ledger l ON l.external_userid = s.external_userid
            SET s.recent = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', s.recent, ','), CONCAT(',', ?, ','), ','))
          WHERE l.batch_id = ?`,
        [b, b],
      );
    }
    await q(conn, 'DELETE FROM contact_batches WHERE run_id IN (?)', [runs]);
    await q(conn, 'DELETE FROM contact_ledger WHERE id > ? AND run_id IN (?)', [
      maxHistoryId,
      runs,
    ]);
    const tables = await q<{ t: string }>(
      conn,
      `SELECT TABLE_NAME AS t FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'run_id'
          AND TABLE_NAME NOT IN ('contact_ledger', 'contact_batches', 'wechat_push_batches')`,
    );
    for (const { t } of tables) await q(conn, `DELETE FROM ${t} WHERE run_id IN (?)`, [runs]);
    await q(conn, 'DELETE FROM wechat_push_batches WHERE run_id IN (?)', [runs]);
    await q(conn, 'DELETE FROM wechat_push_runs WHERE id IN (?)', [runs]);
  }
  for await (const keys of redis.scanStream({
    match: `${REDIS_PREFIX}:*`,
    count: 1000,
  }) as AsyncIterable<string[]>) {
    if (keys.length) await redis.del(...keys);
  }
  const [left] = await q<{ n: number }>(
    conn,
    'SELECT COUNT(*) AS n FROM contact_ledger WHERE id > ?',
    [maxHistoryId],
  );
  if (Number(left.n) > 0)
    throw new Error(`${left.n} ledger rows of unknown runs above the history`);
}

/** The bench's rules: text only (no WeCom call while selecting), no labels, fixed ids. */
async function upsertRules(conn: Connection): Promise<void> {
  for (const [id, [from, to]] of Object.entries(RULE_WINDOWS)) {
    await q(
      conn,
      `INSERT INTO wechat_push
              (id, name, status, start_date, end_date, city_labels, store_labels, brand_labels,
               cate_labels, sku_labels, last_order_day, last_order_day_limit, content,
               is_deleted, created_at, updated_at, cooldown_days, priority, cap_exempt)
       VALUES (?, ?, 0, '2025-01-01', '2026-12-31', '', '', '', '', '', ?, ?, ?, 0, NOW(), NOW(), 7, 5, 0)
       ON DUPLICATE KEY UPDATE last_order_day = VALUES(last_order_day),
              last_order_day_limit = VALUES(last_order_day_limit), is_deleted = 0, status = 0,
              cooldown_days = 7, cap_exempt = 0`,
      [id, `bench-policy-${id}`, from, to, `bench:policy ${from}–${to} days`],
    );
  }
  // The issue's defaults: 1 a day, 3 a week, 48 h apart, WeCom's monthly default.
  await q(
    conn,
    `UPDATE contact_policy SET max_per_day = 1, max_per_week = 3, min_gap_hours = 48,
            wecom_cap_period = 'month', wecom_cap_limit = NULL, quiet_start = NULL,
            quiet_end = NULL, blackout_dates = '[]' WHERE id = 1`,
  );
}

async function ensureData(conn: Connection): Promise<{ maxHistoryId: number; note: string }> {
  const [c] = await q<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM customers');
  if (!Number(c.n)) throw new Error(`${DB} has no customers: run gen:data first (see the header)`);
  await q(
    conn,
    'CREATE TABLE IF NOT EXISTS bench_policy_meta (k VARCHAR(32) PRIMARY KEY, v VARCHAR(255))',
  );
  const meta = Object.fromEntries(
    (await q<{ k: string; v: string }>(conn, 'SELECT k, v FROM bench_policy_meta')).map((r) => [
      r.k,
      r.v,
    ]),
  );
  if (flag('reuse') && meta.at === AT.toISOString() && meta.maxHistoryId) {
    return { maxHistoryId: Number(meta.maxHistoryId), note: `reused (${meta.stats})` };
  }
  console.log(`generating the contact history before ${AT.toISOString()} in ${DB}`);
  await q(conn, 'DELETE FROM bench_policy_meta');
  const stats = await generateLedger(conn, AT, (l) => console.log(l));
  const summary = JSON.stringify(stats);
  await q(conn, 'INSERT INTO bench_policy_meta (k, v) VALUES (?, ?), (?, ?), (?, ?)', [
    'at',
    AT.toISOString(),
    'maxHistoryId',
    String(stats.maxHistoryId),
    'stats',
    summary,
  ]);
  return { maxHistoryId: stats.maxHistoryId, note: `generated ${summary}` };
}

/**
 * Cap violations after the concurrent runs (must all be 0). The brief's check counts the
 * rows of these runs per customer; the others hold each row of these runs against the
 * customer's counted, unreleased rows (history included) up to its own creation time — the
 * instant its page was reserved, which moves on during a run — for the day cap (Shanghai
 * day), the rolling week (3) and the 48 h gap.
 */
async function capViolations(
  conn: Connection,
  runIds: number[],
  maxHistoryId: number,
): Promise<Record<string, number>> {
  const dayStart = shanghaiDateTime(AT).slice(0, 10);
  const [mine] = await q<{ n: number }>(
    conn,
    `SELECT COUNT(*) AS n FROM (
       SELECT external_userid FROM contact_ledger
        WHERE id > ? AND run_id IN (?) AND counted = 1 AND released = 0
          AND created_at >= ? AND created_at < ? + INTERVAL 1 DAY
        GROUP BY external_userid HAVING COUNT(*) > 1) v`,
    [maxHistoryId, runIds, dayStart, dayStart],
  );
  // The ledger has no per-customer key (contact_state is the check's): the counted,
  // unreleased rows of the 8 days before the runs' last row (pruned to one or two monthly
  // partitions) go into a keyed temporary table, and each row of these runs is held against
  // its customer's rows there up to its own creation time.
  await q(conn, 'DROP TEMPORARY TABLE IF EXISTS bench_recent');
  await q(
    conn,
    `CREATE TEMPORARY TABLE bench_recent (KEY (e, created_at)) ENGINE=InnoDB
       SELECT id, external_userid AS e, created_at, run_id FROM contact_ledger
        WHERE counted = 1 AND released = 0
          AND created_at > (SELECT MAX(created_at) FROM contact_ledger WHERE id > ?) - INTERVAL 8 DAY`,
    [maxHistoryId],
  );
  const [all] = await q<{ day: number; week: number; gap: number }>(
    conn,
    `SELECT COALESCE(SUM(v.day > 1), 0) AS day, COALESCE(SUM(v.week > 3), 0) AS week,
            COALESCE(SUM(v.gap > 0), 0) AS gap
       FROM (SELECT b.id, COUNT(*) AS week, SUM(l.created_at >= DATE(b.created_at)) AS day,
                    SUM(l.id <> b.id AND l.created_at > b.created_at - INTERVAL 48 HOUR) AS gap
               FROM bench_recent b
               JOIN bench_recent l
                 ON l.e = b.e
                AND l.created_at > b.created_at - INTERVAL 7 DAY AND l.created_at <= b.created_at
              WHERE b.id > ? AND b.run_id IN (?)
              GROUP BY b.id) v`,
    [maxHistoryId, runIds],
  );
  await q(conn, 'DROP TEMPORARY TABLE bench_recent');
  return {
    dayByTheseRuns: Number(mine.n),
    dayWithHistory: Number(all.day),
    weekWithHistory: Number(all.week),
    gapWithHistory: Number(all.gap),
  };
}

async function machine(conn: Connection): Promise<string> {
  const [v] = await q<{ version: string; pool: number }>(
    conn,
    'SELECT VERSION() AS version, @@innodb_buffer_pool_size AS pool',
  );
  const head = execFileSync('git', ['log', '-1', '--format=%h %s']).toString().trim().slice(0, 90);
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'libs', 'apps/worker'])
    .toString()
    .trim()
    .split('\n')
    .filter(Boolean).length;
  return [
    `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
    `MariaDB ${v.version}, innodb_buffer_pool_size ${Math.round(Number(v.pool) / 2 ** 20)} MiB`,
    `tree ${head}${dirty ? ` + ${dirty} uncommitted files under libs/ and apps/worker` : ''}`,
  ].join('; ');
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const command = `npm run bench:policy -- ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`${command}\n${new Date().toISOString()}, load average ${load()}`);
  await runMigrations({ ...loadConfig(), DB_NAME: DB });
  const conn = await connect();
  const redis = new Redis(loadConfig().REDIS_URL);
  try {
    const { maxHistoryId, note } = await ensureData(conn);
    console.log(`contact history: ${note}`);
    console.log(await machine(conn));
    await upsertRules(conn);
    await reset(conn, redis, maxHistoryId);
    const [sizes] = await q(
      conn,
      `SELECT (SELECT COUNT(*) FROM customers) AS customers,
              (SELECT COUNT(*) FROM youzan_orders) AS orders,
              (SELECT COUNT(*) FROM contact_ledger) AS ledger,
              (SELECT COUNT(*) FROM contact_suppressions) AS suppressed,
              (SELECT COUNT(*) FROM contact_unreachable) AS unreachable`,
    );
    console.log('data:', sizes);

    const at = AT.toISOString();
    const reports: { round: number; r: ChildReport }[] = [];
    const one = async (round: number, what: ChildTask['what'], pushId: number, policy: boolean) => {
      const [r] = await measure([{ task: { what, pushId, at }, policy }]);
      if (what === 'fire') await reset(conn, redis, maxHistoryId);
      reports.push({ round, r });
      console.log(JSON.stringify({ round, load: load(), ...r }));
      return r;
    };
    const rounds = flag('only-profile') || flag('only-concurrency') ? 0 : ROUNDS;
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 ? [true, false] : [false, true];
      for (const policy of order) await one(round, 'fire', RULE.SEED, policy);
      for (const policy of order) await one(round, 'preview', RULE.SEED, policy);
    }
    const wide =
      !flag('wide') || flag('only-profile') ? undefined : await one(0, 'fire', RULE.WIDE, true);

    const pick = (what: string, policy: boolean) =>
      reports.filter((x) => x.r.what === what && x.r.policy === policy && x.r.pushId === RULE.SEED);
    const lines: string[] = [];
    const row = (
      label: string,
      what: string,
      get: (r: ChildReport) => number | undefined,
      target = '',
    ) => {
      const on = pick(what, true).map((x) => get(x.r) ?? NaN);
      const off = pick(what, false).map((x) => get(x.r) ?? NaN);
      const ratio = median(on) / median(off);
      lines.push(
        `| ${label} | ${on.map((x) => round1(x)).join(' / ')} | ${off.map((x) => round1(x)).join(' / ')} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'} | ${target} |`,
      );
    };
    lines.push(
      '| 30–45 days, no labels | policy on (rounds) | policy off (rounds) | on ÷ off (medians) | target |',
    );
    lines.push('|---|---|---|---|---|');
    row('first batch, ms', 'fire', (r) => r.firstBatchMs, '< 1,000 ms');
    row('whole audience (run leaves selecting), ms', 'fire', (r) => r.totalMs, '< 1.5×');
    row('preview (count), ms', 'preview', (r) => r.totalMs);
    row('audience (selected)', 'fire', (r) => r.audience);
    row('excluded by the policy', 'fire', (r) => sumOf(r.excluded));
    row('batches', 'fire', (r) => r.batches);
    row('worker RSS at start, MiB', 'fire', (r) => r.rssBootMb);
    row('worker RSS peak, MiB', 'fire', (r) => r.rssPeakMb);
    if (reports.length) console.log(`\n${lines.join('\n')}`);
    const onFire = pick('fire', true).map((x) => x.r);
    const onPreview = pick('preview', true).map((x) => x.r);
    if (onFire[0]) {
      const total = onFire[0].audience + sumOf(onFire[0].excluded);
      console.log(
        `excluded by reason (run): ${JSON.stringify(onFire[0].excluded)} = ${((100 * sumOf(onFire[0].excluded)) / total).toFixed(1)} % of ${total}`,
      );
    }
    if (onPreview[0]) {
      console.log(
        `preview: count ${onPreview[0].audience}, excluded ${JSON.stringify(onPreview[0].excluded)}; equal to the run: ${onFire.every((f) => f.audience === onPreview[0].audience && JSON.stringify(f.excluded) === JSON.stringify(onPreview[0].excluded))}`,
      );
    }
    if (wide) {
      console.log(
        `memory vs audience (policy on): 30–45 days ${onFire.map((r) => `${r.audience} → ${r.rssBootMb}→${r.rssPeakMb} MiB`).join(', ')}; 0–365 days ${wide.audience} → ${wide.rssBootMb}→${wide.rssPeakMb} MiB in ${round1(wide.totalMs)} ms (first batch ${round1(wide.firstBatchMs ?? NaN)} ms)`,
      );
    }

    for (const id of flag('only-concurrency') ? [] : [RULE.SEED, RULE.WIDE]) {
      const [p] = await measure([{ task: { what: 'profile', pushId: id, at }, policy: true }]);
      const [from, to] = RULE_WINDOWS[id];
      const pages = p.profile?.['audience page query (snapshot)']?.n ?? 0;
      console.log(
        `\nprofile, ${from}–${to} days, first ${pages} pages (${p.audience} ids), reserved and rolled back:`,
      );
      console.log('| statement | ms per page | calls |\n|---|---|---|');
      for (const [k, v] of Object.entries(p.profile ?? {}))
        console.log(`| ${k} | ${round1(v.ms / pages)} | ${v.n} |`);
      console.log(`ANALYZE of the first page's ledger read:\n  ${(p.plan ?? []).join('\n  ')}`);
    }

    if (!flag('no-concurrency') && !flag('only-profile')) {
      const counts: Record<string, number> = {};
      for (const id of [RULE.A, RULE.B, RULE.OVERLAP]) {
        const [p] = await measure([{ task: { what: 'preview', pushId: id, at }, policy: false }]);
        counts[id] = p.audience;
      }
      console.log(
        `concurrent rules: A ${WIN_A.join('–')} days ${counts[RULE.A]}, B ${WIN_B.join('–')} days ${counts[RULE.B]}, overlap ${counts[RULE.OVERLAP]}`,
      );
      const runs = await measure([
        { task: { what: 'fire', pushId: RULE.A, at }, policy: true },
        { task: { what: 'fire', pushId: RULE.B, at }, policy: true },
      ]);
      for (const r of runs) console.log(JSON.stringify(r));
      const v = await capViolations(
        conn,
        runs.map((r) => r.runId as number),
        maxHistoryId,
      );
      const [both] = await q<{ n: number }>(
        conn,
        `SELECT COUNT(*) AS n FROM (SELECT external_userid FROM contact_ledger WHERE id > ? AND run_id IN (?)
          GROUP BY external_userid HAVING COUNT(DISTINCT run_id) > 1) x`,
        [maxHistoryId, runs.map((r) => r.runId)],
      );
      console.log(`cap violations: ${JSON.stringify(v)}; customers in both runs: ${both.n}`);
      console.log(
        '\n| concurrent run | window | audience before policy | selected | excluded (by reason) | first batch, ms | whole audience, ms | RSS start → peak, MiB |',
      );
      console.log('|---|---|---|---|---|---|---|---|');
      for (const [r, w, id] of [
        [runs[0], WIN_A, RULE.A],
        [runs[1], WIN_B, RULE.B],
      ] as const) {
        console.log(
          `| ${id === RULE.A ? 'A' : 'B'} | ${w.join('–')} days | ${counts[id]} | ${r.audience} | ${sumOf(r.excluded)} ${JSON.stringify(r.excluded)} | ${round1(r.firstBatchMs ?? NaN)} | ${round1(r.totalMs)} | ${r.rssBootMb} → ${r.rssPeakMb} |`,
        );
      }
      await reset(conn, redis, maxHistoryId);
      const violated = Object.values(v).some((n) => n > 0);
      if (violated) process.exitCode = 1;
    }
    console.log(`\nfinished ${new Date().toISOString()}, load average ${load()}`);
  } finally {
    await conn.end();
    redis.disconnect();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
