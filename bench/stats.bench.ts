/**
 * `npm run bench:stats [-- --db wpp_bench_stats --reuse --baseline e4d27f4]`
 *
 * Effect statistics at scale (docs/BENCHMARKS.md): 200 runs × 10,000 recipients (2,000,000
 * delivery rows over 1,000,000 customers, 2 % in fail lists, statuses 0–3), 1,000,000 orders
 * in the range (5 % with two buyers, nicknames shared by 5 customers each). This tree's
 * services against a baseline commit's and against the seed's method (load every result JSON,
 * set arithmetic in Node, then orders by nickname with an IN list) on the same data.
 * Rows are written through the real path (writeDeliveryRows per batch; orders through the
 * youzan_orders triggers), and those write costs are reported too.
 *
 * Options:
 * - `--db <name>`: the bench's database (default wpp_bench_stats); `--reuse` keeps the data set
 *   of an earlier run in it.
 * - `--baseline <commit>` (or BENCH_BASELINE): `git worktree add` that commit into a temporary
 *   directory (node_modules linked to this tree's), serve its PushStatisticsService and
 *   EffectAnalysisService from a child process run in it (bench/stats-calls.ts), call them
 *   alternately with this tree's, served the same way from a child process of its own, on the
 *   same data (the figures must be equal), print the ratios; the worktree is removed at the end.
 * - `--runs N`, `--customers N`, `--orders N`: a smaller data set (defaults 200, 1,000,000,
 *   1,000,000; customers a multiple of 10,000), e.g. to try the bench end to end.
 * - Experiments (issue 17): a 10 % holdout — 1,111 control members per run (10 % of an audience
 *   of 11,111) in `wechat_push_run_controls`, added once (kept with --reuse); the experiment
 *   endpoint for one rule beside `result` for the same rule and for all runs.
 *   `--only-experiment` runs just that block. `--control-trigger-cost [n]`: what keeping the
 *   control's orders (wechat_push_control_orders) adds to n order inserts (default 100,000).
 * - `--only-analysis` (only goods, compare and report), `--compare-only`, `--labels-only`
 *   (only write the label links), `--link-cost` (what the goods-label triggers add to a label
 *   link write, side by side).
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig, shanghaiInstant } from '@app/common';
import { buildDataSourceOptions, createTriggers, dropTriggers, runMigrations } from '@app/database';
import {
  deriveBatchStatistics,
  EffectAnalysisService,
  experimentGroups,
  ExperimentStatisticsService,
  GOODS_LABEL_TRIGGERS,
  GoodsDimension,
  PushStatisticsService,
  STATS_TRIGGERS,
  writeDeliveryRows,
} from '@app/stats';
import type { CallReply, CallRequest, ReadyMessage, StatsCall } from './stats-calls';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const RUNS = Number(arg('runs') ?? 200);
const PER_RUN = 10_000;
const CUSTOMERS = Number(arg('customers') ?? 1_000_000);
const ORDERS = Number(arg('orders') ?? 1_000_000);
const DAYS = Math.ceil(RUNS / 4);
const FIRST_DAY = '2025-03-01';
const ORDER_CHUNK = 50_000;
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const round = (x: number) => Math.round(x * 10) / 10;

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const t = process.hrtime.bigint();
  const out = await work();
  console.log(`  ${what}: ${round(ms(t) / 1000)} s`);
  return out;
}

async function generate(db: DataSource): Promise<Record<string, number>> {
  const q = (sql: string, params?: unknown[]) => db.query(sql, params);
  await q('SET SESSION group_concat_max_len = 67108864');
  for (const t of [
    'wechat_push_control_orders',
    'wechat_push_run_controls',
    'wechat_push_attributions',
    'wechat_push_recipient_outcomes',
    'wechat_push_batch_counts',
    'wechat_push_day_repeats',
    'wechat_push_deliveries',
    'wechat_push_delivery_tasks',
    'wechat_push_results',
    'wechat_push_batches',
    'wechat_push_runs',
    'order_buyers',
    'customer_last_order',
    'youzan_orders',
    'customers',
    'customer_shared_external_ids',
  ]) {
    await q(`DELETE FROM ${t}`);
  }
  await q('DROP TABLE IF EXISTS bench_n');
  await q('CREATE TABLE bench_n (n INT NOT NULL PRIMARY KEY)');
  await q(
    `INSERT INTO bench_n (n) VALUES ${Array.from({ length: 10_000 }, (_, i) => `(${i})`).join(',')}`,
  );

  await timed(`${CUSTOMERS} customers`, async () => {
    for (let a = 0; a < CUSTOMERS / 10_000; a += 10) {
      await q(
        `INSERT INTO customers (id, name, nickname, external_userid)
         SELECT a.n * 10000 + b.n + 1, CONCAT('用户', (a.n * 10000 + b.n) MOD 200000),
                CONCAT('用户', (a.n * 10000 + b.n) MOD 200000),
                CONCAT('wmBench', LPAD(a.n * 10000 + b.n + 1, 9, '0'))
           FROM bench_n a JOIN bench_n b WHERE a.n >= ? AND a.n < ?`,
        [a, Math.min(a + 10, CUSTOMERS / 10_000)],
      );
    }
  });

  const recipient = `CONCAT('wmBench', LPAD(((r.id * 7919 + x.n * 104729) MOD ${CUSTOMERS}) + 1, 9, '0'))`;
  await timed(`${RUNS} runs, batches and seed-shaped result rows`, async () => {
    for (let r = 1; r <= RUNS; r++) {
      const pushId = 1 + ((r - 1) % 5);
      const day = Math.floor((r - 1) / 4);
      const slotAt = new Date(
        shanghaiInstant(FIRST_DAY, '10:00:00').getTime() +
          day * 86_400_000 +
          ((r - 1) % 4) * 3 * 3600_000,
      );
      await q(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, audience_count,
           batch_count, sent_batches, created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, ?, 1, 1, ?, ?)`,
        [r, pushId, slotAt, `召回规则-${pushId}`, PER_RUN, slotAt, slotAt],
      );
      const sentAt = new Date(slotAt.getTime() + 5_000);
      await q(
        `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
           msgid, fail_list, fail_count, finished_at, created_at, updated_at)
         SELECT r.id, r.id, 1, 'sent', ${PER_RUN},
                (SELECT JSON_ARRAYAGG(${recipient}) FROM bench_n x),
                CONCAT('msg', r.id),
                (SELECT JSON_ARRAYAGG(${recipient}) FROM bench_n x
                  WHERE ((r.id * 7919 + x.n * 104729) MOD ${CUSTOMERS}) MOD 50 = 0),
                (SELECT COUNT(*) FROM bench_n x
                  WHERE ((r.id * 7919 + x.n * 104729) MOD ${CUSTOMERS}) MOD 50 = 0),
                ?, ?, ?
           FROM wechat_push_runs r WHERE r.id = ?`,
        [sentAt, sentAt, sentAt, r],
      );
      await q(
        `INSERT INTO wechat_push_results (name, push_id, run_id, batch_id, result, created_at)
         SELECT r.rule_name, r.push_id, r.id, b.id,
                JSON_OBJECT('external_userid', JSON_EXTRACT(b.recipients, '$'), 'content', '喵～',
                  'attachments', JSON_ARRAY(),
                  'add', JSON_OBJECT('errcode', 0, 'errmsg', 'ok',
                    'fail_list', JSON_EXTRACT(b.fail_list, '$'), 'msgid', b.msgid)),
                b.finished_at
           FROM wechat_push_runs r JOIN wechat_push_batches b ON b.run_id = r.id WHERE r.id = ?`,
        [r],
      );
    }
  });

  const writes: number[] = [];
  await timed(`delivery rows through writeDeliveryRows (${RUNS} × 10,000)`, async () => {
    for (let b = 1; b <= RUNS; b++) {
      const t = process.hrtime.bigint();
      await writeDeliveryRows(db, b, new Date());
      writes.push(ms(t));
    }
  });
  await timed(
    'statuses as polling would leave them (60 % 1, 10 % 2, 10 % 3, 10 % 0, 10 % unknown)',
    async () => {
      for (let b = 1; b <= RUNS; b++) {
        await q(
          `UPDATE wechat_push_deliveries
            SET status = ELT(1 + (recipient_key MOD 10), 1, 1, 1, 1, 1, 1, 2, 3, 0, NULL),
                sender_userid = CONCAT('emp', recipient_key MOD 20)
          WHERE batch_id = ? AND accepted = 1`,
          [b],
        );
      }
    },
  );
  const refreshes: number[] = [];
  await timed(
    `statistics rows after a poll (outcomes, counters, day repeats; one transaction per batch, ${RUNS} × 10,000)`,
    async () => {
      for (let b = 1; b <= RUNS; b++) {
        const t = process.hrtime.bigint();
        await db.transaction((em) => deriveBatchStatistics(em, b));
        refreshes.push(ms(t));
      }
    },
  );
  await q(
    `UPDATE wechat_push_runs r JOIN wechat_push_batches b ON b.run_id = r.id
        SET r.accepted_count = b.recipient_count - b.fail_count, r.fail_count = b.fail_count`,
  );

  const orderStart = shanghaiInstant(FIRST_DAY);
  const orderSeconds = (DAYS + 7) * 86_400;
  const orderTime = await timed(
    `${ORDERS} orders through the youzan_orders triggers (order_buyers, attributions)`,
    async () => {
      const t = process.hrtime.bigint();
      for (let from = 0; from < ORDERS; from += ORDER_CHUNK) {
        const c = `(((n.k * 2654435761) MOD ${CUSTOMERS}) + 1)`;
        await q(
          `INSERT INTO youzan_orders (id, order_number, user_ids, fans_nickname, order_creation_time)
           SELECT n.k + 1, CONCAT('E', n.k + 1),
                  IF(n.k MOD 20 = 0, CONCAT(${c}, ',', ((${c} * 31) MOD ${CUSTOMERS}) + 1), ${c}),
                  CONCAT('用户', (${c} - 1) MOD 200000),
                  ? + INTERVAL ((n.k * 40503) MOD ${orderSeconds}) SECOND
             FROM (SELECT a.n * 10000 + b.n AS k FROM bench_n a JOIN bench_n b
                    WHERE a.n * 10000 + b.n >= ? AND a.n * 10000 + b.n < ?) n`,
          [orderStart, from, Math.min(from + ORDER_CHUNK, ORDERS)],
        );
      }
      return ms(t);
    },
  );
  for (const t of [
    'customers',
    'youzan_orders',
    'order_buyers',
    'wechat_push_deliveries',
    'wechat_push_attributions',
    'wechat_push_runs',
  ]) {
    await q(`ANALYZE TABLE ${t}`);
  }
  await q(`CREATE TABLE IF NOT EXISTS bench_stats_meta (k VARCHAR(32) PRIMARY KEY, v DOUBLE)`);
  writes.sort((a, b) => a - b);
  refreshes.sort((a, b) => a - b);
  const meta = {
    writeMedianMs: writes[Math.floor(writes.length / 2)],
    writeMaxMs: writes[writes.length - 1],
    outcomesMedianMs: refreshes[Math.floor(refreshes.length / 2)],
    orderInsertUsPerOrder: (orderTime * 1000) / ORDERS,
  };
  await q('DELETE FROM bench_stats_meta');
  for (const [k, v] of Object.entries(meta))
    await q('INSERT INTO bench_stats_meta VALUES (?, ?)', [k, v]);
  return meta;
}

/** Control members per run: 10 % of an audience of PER_RUN / 0.9. */
const CONTROLS_PER_RUN = Math.round(PER_RUN / 0.9) - PER_RUN;

/**
 * A 10 % holdout on every run, once (kept with --reuse): CONTROLS_PER_RUN customers per run
 * drawn as its recipients are (the same formula past the recipients' indexes, so never one of
 * them), assigned at the slot; each run's experiment snapshot and control count.
 */
async function ensureControls(db: DataSource): Promise<void> {
  const [has] = await db.query('SELECT COUNT(*) AS n FROM wechat_push_run_controls');
  if (Number(has.n) > 0) return;
  await timed(`holdout: ${CONTROLS_PER_RUN} control members per run`, async () => {
    await db.query(
      `INSERT INTO wechat_push_run_controls (run_id, external_userid, control_group, variant, assigned_at)
       SELECT r.id,
              CONCAT('wmBench', LPAD(((r.id * 7919 + (${PER_RUN} + x.n) * 104729) MOD ${CUSTOMERS}) + 1, 9, '0')),
              'holdout', 0, r.slot_at
         FROM wechat_push_runs r JOIN bench_n x ON x.n < ?`,
      [CONTROLS_PER_RUN],
    );
    // As the pipeline records them: with the member's customer id.
    await db.query(
      `UPDATE wechat_push_run_controls c
          SET c.customer_id = (SELECT MIN(cu.id) FROM customers cu
                                WHERE cu.external_userid = c.external_userid)`,
    );
    await db.query(
      `UPDATE wechat_push_runs
          SET experiment = '{"holdoutPercent":10,"globalControlPercent":0}', control_count = ?`,
      [CONTROLS_PER_RUN],
    );
    await db.query('ANALYZE TABLE wechat_push_run_controls');
  });
}

/**
 * The experiment endpoint (issue 17) for one rule (40 runs: 400,000 treated and 44,440
 * control assignments) beside `result` for the same rule and for all runs, in the same run.
 */
async function experimentBench(
  db: DataSource,
  stats: PushStatisticsService,
  baseline: Trees | undefined,
  from: string,
  to: string,
): Promise<void> {
  const config = { STATS_ATTRIBUTION_DAYS: 7 } as AppConfig;
  const experiments = new ExperimentStatisticsService(db, config);
  const rule = { id: 3, startTime: from, endTime: to };
  const rows: string[] = [];
  const ratioTo = (ms: number, ref: number) => (ms / ref).toFixed(2);
  const all = await measure(() => stats.result({ startTime: from, endTime: to }), 5);
  const one = await measure(
    () => stats.result({ name: '召回规则-3', startTime: from, endTime: to }),
    5,
  );
  const exp = await measurePair(
    () => experiments.experiment(rule),
    baseline,
    'experiment',
    rule,
    5,
  );
  const e = exp.ours.out;
  // The kept orders (control orders, attributions) against every assignment through the
  // order definition: for the rule, and for all 200 runs (what compare computes).
  const runIds: number[] = (
    await db.query('SELECT id FROM wechat_push_runs WHERE push_id = ?', [rule.id])
  ).map((r: { id: number }) => r.id);
  const allRuns: number[] = (await db.query('SELECT id FROM wechat_push_runs')).map(
    (r: { id: number }) => r.id,
  );
  const groups = (ids: number[], exhaustive: boolean) =>
    experimentGroups(db, 'r.push_id', ids, 7 * 86_400, { exhaustive });
  const fromKept = await measure(() => groups(runIds, false), 3);
  const every = await measure(() => groups(runIds, true), 1);
  const same = JSON.stringify([...fromKept.out]) === JSON.stringify([...every.out]);
  if (!same) throw new Error('experiment: the kept orders and every assignment differ');
  const allKept = await measure(() => groups(allRuns, false), 3);
  const figures = e.groups.map((g) => `${g.group} ${g.recipients} / ${g.buyers} / ${g.revenue}`);
  rows.push(
    `| result: all runs | ${round(all.median)} / ${round(all.max)} | 1.00 | ${all.out.pushCount} recipients |`,
  );
  rows.push(
    `| result: one rule | ${round(one.median)} / ${round(one.max)} | ${ratioTo(one.median, all.median)} | ${one.out.pushCount} recipients |`,
  );
  rows.push(
    `| experiment: one rule (${e.runCount} runs) | ${round(exp.ours.median)} / ${round(exp.ours.max)} | ${ratioTo(exp.ours.median, all.median)} (÷ result one rule: ${ratioTo(exp.ours.median, one.median)}) | ${figures.join('; ')}; lift ${e.lift.map((l) => `${l.group} ${(l.absolute * 100).toFixed(2)} pp [${l.ci95?.map((x) => (x * 100).toFixed(2)).join(', ')}]`).join(', ')} |`,
  );
  rows.push(
    `| experimentGroups: one rule from the kept orders (control orders, attributions; fail_list recipients through the definition) | ${round(fromKept.median)} / ${round(fromKept.max)} | | |`,
  );
  rows.push(
    `| experimentGroups: one rule, every assignment through the order definition | ${round(every.median)} / ${round(every.max)} | | ${same ? 'same groups as from the kept orders' : 'DIFFERENT'} |`,
  );
  rows.push(
    `| experimentGroups: all ${allRuns.length} runs from the kept orders (what compare adds) | ${round(allKept.median)} / ${round(allKept.max)} | ${ratioTo(allKept.median, all.median)} | |`,
  );
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `\n| call | median / max ms | ÷ result all runs | figures (group recipients / buyers / revenue) |`,
  );
  console.log('|---|---:|---:|---|');
  for (const row of rows) console.log(row);
}

interface SeedResult {
  loadMs: number;
  orderMs: number | null;
  orderError?: string;
  push: number;
  fail: number;
  success: number;
  orders?: number;
}

/** The seed's getWechatPushResult: every result JSON into Node, sets, then orders by nickname. */
async function seedMethod(
  settings: {
    DB_HOST: string;
    DB_PORT: number;
    DB_USER: string;
    DB_PASSWORD: string;
    DB_NAME: string;
  },
  name: string,
  from: Date,
  to: Date,
): Promise<SeedResult> {
  // Its own connection: the seed's IN list can be too large a packet, and the server then
  // drops the connection.
  const conn = await createConnection({
    host: settings.DB_HOST,
    port: settings.DB_PORT,
    user: settings.DB_USER,
    password: settings.DB_PASSWORD,
    database: settings.DB_NAME,
    timezone: '+08:00',
  });
  const db = {
    query: async (sql: string, params: unknown[]) => (await conn.query(sql, params))[0] as never,
  };
  try {
    return await seedQueries(db, name, from, to);
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

async function seedQueries(
  db: { query: (sql: string, params: unknown[]) => Promise<never> },
  name: string,
  from: Date,
  to: Date,
): Promise<SeedResult> {
  const t = process.hrtime.bigint();
  const rows: { result: string | object; created_at: Date }[] = await db.query(
    'SELECT result, created_at FROM wechat_push_results WHERE created_at BETWEEN ? AND ? AND name LIKE ?',
    [from, to, `%${name}%`],
  );
  const pushList: string[] = [];
  const failList: string[] = [];
  let pushTime = to;
  for (const r of rows) {
    const json = (typeof r.result === 'string' ? JSON.parse(r.result) : r.result) as {
      external_userid: string[];
      add: { fail_list: string[] };
    };
    pushList.push(...json.external_userid);
    failList.push(...json.add.fail_list);
    if (r.created_at < pushTime) pushTime = r.created_at;
  }
  const failSet = new Set(failList);
  const uniquePush = new Set(pushList);
  const uniqueSuccess = new Set(pushList.filter((id) => !failSet.has(id)));
  const loadMs = ms(t);
  const t2 = process.hrtime.bigint();
  try {
    const [o]: { n: number }[] = await db.query(
      `SET STATEMENT max_statement_time = 120 FOR
       SELECT COUNT(DISTINCT order_number) AS n FROM youzan_orders
        WHERE order_creation_time BETWEEN ? AND ?
          AND fans_nickname IN (SELECT DISTINCT name FROM customers WHERE external_userid IN (?))`,
      [pushTime, to, [...uniqueSuccess]],
    );
    return {
      loadMs,
      orderMs: ms(t2),
      push: uniquePush.size,
      fail: failSet.size,
      success: uniqueSuccess.size,
      orders: Number(o.n),
    };
  } catch (e) {
    return {
      loadMs,
      orderMs: null,
      orderError: (e as Error).message.slice(0, 120),
      push: uniquePush.size,
      fail: failSet.size,
      success: uniqueSuccess.size,
    };
  }
}

/**
 * One tree's statistics services in a process of their own: bench/stats-calls.ts run by
 * ts-node under the tree's tsconfig (so `@app/*` resolves into it), on the bench's database.
 * A baseline commit is checked out in a temporary worktree; this tree serves from its own
 * folder, so both sides are timed in fresh processes of the same kind (not one of them in
 * the bench's process, whose heap holds the generated data).
 */
class StatsTree {
  private next = 0;
  private readonly waiting = new Map<number, (r: CallReply) => void>();

  private constructor(
    readonly commit: string,
    /** The temporary worktree, removed on close. */
    private readonly worktree: string | undefined,
    private readonly child: ChildProcess,
    readonly calls: Set<StatsCall>,
  ) {
    child.on('message', (m: CallReply) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }

  /** The baseline `commit`'s services, or this tree's without one. */
  static async open(dbName: string, commit?: string): Promise<StatsTree> {
    const dir = commit ? mkdtempSync(join(tmpdir(), 'wpp-bench-baseline-')) : process.cwd();
    if (commit)
      execFileSync('git', ['worktree', 'add', '--detach', dir, commit], { stdio: 'ignore' });
    try {
      if (commit) symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
      const child = fork(join(__dirname, 'stats-calls.ts'), [], {
        cwd: dir,
        execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
        env: {
          ...process.env,
          TS_NODE_PROJECT: join(dir, 'tsconfig.json'),
          BENCH_STATS_DB: dbName,
        },
      });
      const ready = await new Promise<ReadyMessage>((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) =>
          reject(new Error(`${commit ?? 'this tree'} exited (${code})`)),
        );
      });
      return new StatsTree(
        commit ?? 'this tree',
        commit ? dir : undefined,
        child,
        new Set(ready.calls),
      );
    } catch (e) {
      if (commit) StatsTree.remove(dir);
      throw e;
    }
  }

  /** The call's figures and its time as measured in the tree's process. */
  call<T>(call: StatsCall, args: unknown): Promise<{ ms: number; out: T }> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) =>
        'error' in r
          ? reject(new Error(`${this.commit} ${call}: ${r.error}`))
          : resolve(r as never),
      );
      this.child.send({ id, call, args } satisfies CallRequest);
    });
  }

  async close(): Promise<void> {
    if (this.child.connected) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.disconnect();
      await exited;
    }
    if (this.worktree) StatsTree.remove(this.worktree);
  }

  private static remove(dir: string): void {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Timing<T> {
  median: number;
  max: number;
  out: T;
}

const summary = <T>(times: number[], out: T): Timing<T> => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], out };
};

/** This tree's services and a baseline commit's, each in a process of its own. */
interface Trees {
  ours: StatsTree;
  baseline: StatsTree;
}

/**
 * This tree's call and the baseline's, one warm-up each, then alternated `times` times; the
 * bench fails if their figures (and this process's, `ours`) differ. Without a baseline (or a
 * call it lacks), `ours` in this process only.
 */
async function measurePair<T>(
  ours: () => Promise<T>,
  trees: Trees | undefined,
  call: StatsCall,
  args: unknown,
  times = 5,
): Promise<{ ours: Timing<T>; base?: Timing<T> }> {
  if (!trees?.baseline.calls.has(call)) return { ours: await measure(ours, times) };
  const here = await ours();
  let out = (await trees.ours.call<T>(call, args)).out;
  let base = (await trees.baseline.call<T>(call, args)).out;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < times; i++) {
    const o = await trees.ours.call<T>(call, args);
    a.push(o.ms);
    out = o.out;
    const r = await trees.baseline.call<T>(call, args);
    b.push(r.ms);
    base = r.out;
  }
  // A baseline before issue 17 has no lift over the holdout: compare the rest.
  const same = (x: unknown) =>
    JSON.stringify(x, (k, v: unknown) => (k === 'holdoutLift' ? undefined : v));
  const figures = same(out);
  if (figures !== same(base) || figures !== same(here)) {
    throw new Error(
      `${call} ${JSON.stringify(args)}: figures differ from ${trees.baseline.commit}`,
    );
  }
  return { ours: summary(a, out), base: summary(b, base) };
}

async function measure<T>(
  work: () => Promise<T>,
  times = 5,
): Promise<{ median: number; max: number; out: T }> {
  let out = await work(); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = process.hrtime.bigint();
    out = await work();
    runs.push(ms(t));
  }
  runs.sort((a, b) => a - b);
  return { median: runs[Math.floor(times / 2)], max: runs[times - 1], out };
}

/**
 * `--link-cost`: what the goods-label triggers (migration 1732660000000) add to label writes.
 * 20,000 new links on 20,000 attributed orders in one INSERT … SELECT, rolled back, with the
 * triggers and without them, alternated three times on the same data.
 */
async function linkWriteCost(db: DataSource): Promise<void> {
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('DROP TEMPORARY TABLE IF EXISTS bench_link_orders');
    await qr.query(
      `CREATE TEMPORARY TABLE bench_link_orders (order_id BIGINT UNSIGNED PRIMARY KEY)
       SELECT DISTINCT order_id FROM wechat_push_attributions ORDER BY order_id LIMIT 20000`,
    );
    const [label] = await qr.query('SELECT MAX(id) AS id FROM wechat_labels');
    const times: Record<string, number[]> = { with: [], without: [] };
    for (let round = 0; round < 3; round++) {
      for (const variant of ['with', 'without'] as const) {
        if (variant === 'without') await dropTriggers(qr, GOODS_LABEL_TRIGGERS);
        try {
          await qr.startTransaction();
          const t = process.hrtime.bigint();
          await qr.query(
            `INSERT INTO wechat_customers_labels (customer_id, label_id, order_id)
             SELECT 1, ?, order_id FROM bench_link_orders`,
            [Number(label.id)],
          );
          times[variant].push(ms(t));
        } finally {
          // Rolled back before the triggers' DDL, which would commit the links.
          if (qr.isTransactionActive) await qr.rollbackTransaction();
          if (variant === 'without') await createTriggers(qr, GOODS_LABEL_TRIGGERS);
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    console.log(
      `20,000 links on attributed orders, one statement, rolled back (3 rounds alternated):\n` +
        `  with the goods-label triggers: ${times.with.map(round).join(' / ')} ms\n` +
        `  without them:                  ${times.without.map(round).join(' / ')} ms\n` +
        `  µs per link: ${round((median(times.with) * 1000) / 20_000)} with, ` +
        `${round((median(times.without) * 1000) / 20_000)} without ` +
        `(× ${(median(times.with) / median(times.without)).toFixed(1)})`,
    );
  } finally {
    await qr.query('DROP TEMPORARY TABLE IF EXISTS bench_link_orders').catch(() => undefined);
    await qr.release();
  }
}

/**
 * What keeping the control's orders adds to order writes (`--control-trigger-cost [n]`,
 * default 100,000): n new orders (5 % with two buyers, times spread over the runs' days, so
 * some fall in a holdout member's 90 days) inserted through the youzan_orders triggers in one
 * transaction, in statements of 10,000, then rolled back; with every trigger, and without the
 * control-order triggers of order_buyers and youzan_orders, alternated.
 */
async function controlTriggerCost(db: DataSource, n: number): Promise<void> {
  const orderSide = STATS_TRIGGERS.filter(
    (t) => t.name.includes('control_orders') && t.table !== 'wechat_push_run_controls',
  );
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    const [top] = await qr.query('SELECT MAX(id) AS id FROM youzan_orders');
    const base = Number(top.id) + 1;
    const orderStart = shanghaiInstant(FIRST_DAY);
    const orderSeconds = (DAYS + 7) * 86_400;
    const times: Record<string, number[]> = { with: [], without: [] };
    const kept: Record<string, number[]> = { with: [], without: [] };
    const loads: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const variant of ['with', 'without'] as const) {
        if (variant === 'without') await dropTriggers(qr, orderSide);
        try {
          loads.push(loadavg()[0].toFixed(1));
          await qr.startTransaction();
          const t = process.hrtime.bigint();
          for (let from = 0; from < n; from += 10_000) {
            const c = `(((n.k * 2654435761 + 12345) MOD ${CUSTOMERS}) + 1)`;
            await qr.query(
              `INSERT INTO youzan_orders (id, order_number, user_ids, fans_nickname, order_creation_time)
               SELECT ? + n.k, CONCAT('C', ? + n.k),
                      IF(n.k MOD 20 = 0, CONCAT(${c}, ',', ((${c} * 31) MOD ${CUSTOMERS}) + 1), ${c}),
                      CONCAT('用户', (${c} - 1) MOD 200000),
                      ? + INTERVAL ((n.k * 40507) MOD ${orderSeconds}) SECOND
                 FROM (SELECT a.n * 10000 + b.n AS k FROM bench_n a JOIN bench_n b
                        WHERE a.n * 10000 + b.n >= ? AND a.n * 10000 + b.n < ?) n`,
              [base, base, orderStart, from, Math.min(from + 10_000, n)],
            );
          }
          times[variant].push(ms(t));
          const [k] = await qr.query(
            'SELECT COUNT(*) AS n FROM wechat_push_control_orders WHERE order_id >= ?',
            [base],
          );
          kept[variant].push(Number(k.n));
        } finally {
          // Rolled back before the triggers' DDL, which would commit the orders.
          if (qr.isTransactionActive) await qr.rollbackTransaction();
          if (variant === 'without') await createTriggers(qr, orderSide);
        }
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `${n.toLocaleString('en')} orders through the triggers, one transaction, rolled back ` +
        `(2 rounds alternated; load ${loads.join(' / ')}):\n` +
        `  with the control-order triggers: ${times.with.map(round).join(' / ')} ms ` +
        `(${kept.with[0]} control-order rows)\n` +
        `  without them:                    ${times.without.map(round).join(' / ')} ms\n` +
        `  µs per order: ${round((med(times.with) * 1000) / n)} with, ` +
        `${round((med(times.without) * 1000) / n)} without ` +
        `(× ${(med(times.with) / med(times.without)).toFixed(2)})`,
    );
  } finally {
    await qr.release();
  }
}

/**
 * How far this process's JS heap plus its array buffers (the tally's typed arrays live
 * outside the heap) rose above their level at the start while `work` ran, sampled every
 * 5 ms, MiB; garbage not yet collected included.
 */
async function peakHeapGrowth(work: () => Promise<unknown>): Promise<number> {
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const start = used();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, used());
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, used());
  return Math.round((peak - start) / 2 ** 20);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dbName = arg('db') ?? 'wpp_bench_stats';
  const settings = { ...config, DB_NAME: dbName };
  await runMigrations(settings);
  const db = new DataSource({ ...buildDataSourceOptions(settings), poolSize: 4 });
  await db.initialize();
  let baseline: Trees | undefined;
  try {
    if (process.argv.includes('--control-trigger-cost')) {
      const n = Number(arg('control-trigger-cost'));
      await controlTriggerCost(db, Number.isInteger(n) && n > 0 ? n : 100_000);
      return;
    }
    if (process.argv.includes('--link-cost')) {
      await linkWriteCost(db);
      return;
    }
    if (process.argv.includes('--labels-only')) {
      // Only the label links (they are computed from order ids; bench_n comes from a generation
      // that has at least started), e.g. while the orders are still being written.
      await ensureLabels(db);
      return;
    }
    let meta: Record<string, number>;
    const [marker] = await db
      .query(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'bench_stats_meta'",
      )
      .catch(() => [{ n: 0 }]);
    if (process.argv.includes('--reuse') && Number(marker.n) > 0) {
      const rows: { k: string; v: number }[] = await db.query('SELECT k, v FROM bench_stats_meta');
      meta = Object.fromEntries(rows.map((r) => [r.k, r.v]));
      console.log('reusing the data set in', dbName);
    } else {
      console.log(`generating the data set in ${dbName}`);
      meta = await generate(db);
    }
    await ensureControls(db);
    const baselineCommit = arg('baseline') ?? process.env.BENCH_BASELINE;
    if (baselineCommit) {
      baseline = {
        ours: await StatsTree.open(dbName),
        baseline: await StatsTree.open(dbName, baselineCommit),
      };
      console.log(`baseline ${baselineCommit}: ${[...baseline.baseline.calls].join(', ')}`);
    }
    if (process.argv.includes('--only-experiment')) {
      await experimentBench(
        db,
        new PushStatisticsService(db, { STATS_ATTRIBUTION_DAYS: 7 } as AppConfig),
        baseline,
        FIRST_DAY,
        '2025-04-19',
      );
      return;
    }
    if (process.argv.includes('--only-analysis')) {
      // Only the effect analysis block (goods, compare, report), e.g. while tuning it.
      await analysisBench(
        db,
        new PushStatisticsService(db, { STATS_ATTRIBUTION_DAYS: 7 } as AppConfig),
        baseline,
        FIRST_DAY,
        '2025-04-19',
      );
      return;
    }
    const [counts] = await db.query(
      `SELECT (SELECT COUNT(*) FROM wechat_push_deliveries) AS deliveries,
              (SELECT COUNT(DISTINCT recipient_key) FROM wechat_push_deliveries) AS recipients,
              (SELECT COUNT(*) FROM youzan_orders) AS orders,
              (SELECT COUNT(*) FROM wechat_push_attributions) AS attributions`,
    );
    console.log('data:', counts, 'write costs:', meta);

    const stats = new PushStatisticsService(db, { STATS_ATTRIBUTION_DAYS: 7 } as AppConfig);
    const end = '2025-04-19';
    const scenarios: { what: string; name?: string; startTime: string; endTime: string }[] = [
      { what: 'all runs', startTime: FIRST_DAY, endTime: end },
      { what: 'one rule', name: '召回规则-3', startTime: FIRST_DAY, endTime: end },
      { what: 'one day', startTime: '2025-03-10', endTime: '2025-03-10' },
    ];
    const table: string[] = [];
    const row = (
      what: string,
      t: { ours: Timing<unknown>; base?: Timing<unknown> },
      rest = '| | | | | | |',
    ) =>
      `| ${what} | ${round(t.ours.median)} / ${round(t.ours.max)} | ${
        t.base
          ? `${round(t.base.median)} / ${round(t.base.max)} | ${(t.ours.median / t.base.median).toFixed(2)}`
          : '— | —'
      } ${rest}`;
    for (const s of scenarios) {
      const t = await measurePair(() => stats.result(s), baseline, 'result', s);
      const seed = await seedMethod(
        settings,
        s.name ?? '',
        shanghaiInstant(s.startTime),
        shanghaiInstant(s.endTime, '23:59:59'),
      );
      const f = t.ours.out;
      table.push(
        row(
          `result: ${s.what}`,
          t,
          `| ${round(seed.loadMs)} | ${
            seed.orderMs === null ? `failed: ${seed.orderError}` : round(seed.orderMs)
          } | ${f.pushCount} / ${f.failCount} / ${f.successCount} | ${seed.push} / ${seed.fail} / ${seed.success} | ${f.orderCount} | ${seed.orders ?? '—'} |`,
        ),
      );
    }
    const calls: {
      what: string;
      call: 'runs' | 'daily';
      args: { name?: string; startTime: string; endTime: string; pagesize?: number };
    }[] = [
      {
        what: 'runs: one rule, page of 20 runs',
        call: 'runs',
        args: { name: '召回规则-3', startTime: FIRST_DAY, endTime: end, pagesize: 20 },
      },
      {
        what: 'runs: all rules, page of 100 runs',
        call: 'runs',
        args: { name: '召回规则', startTime: FIRST_DAY, endTime: end, pagesize: 100 },
      },
      { what: 'daily: all runs', call: 'daily', args: { startTime: FIRST_DAY, endTime: end } },
      {
        what: 'daily: one rule',
        call: 'daily',
        args: { name: '召回规则-3', startTime: FIRST_DAY, endTime: end },
      },
    ];
    for (const c of calls) {
      const ours = () => (c.call === 'runs' ? stats.runs(c.args) : stats.daily(c.args));
      table.push(row(c.what, await measurePair<unknown>(ours, baseline, c.call, c.args)));
    }
    // Secondary-index scans slow down while any transaction older than the index pages is
    // open on the server (docs/STATISTICS.md, MVCC note): report the oldest one.
    const [oldest]: { age: number | null }[] = await db.query(
      'SELECT TIMESTAMPDIFF(SECOND, MIN(trx_started), NOW()) AS age FROM information_schema.innodb_trx',
    );
    console.log(
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(', ')}; oldest open transaction on the server: ${oldest?.age ?? 'none'} s`,
    );
    console.log(
      `\n| call | ours median / max ms | baseline ${baseline?.baseline.commit ?? '(none)'} median / max ms | ours ÷ baseline | seed: load JSON + sets ms | seed: orders by nickname ms | ours push / fail / success | seed push / fail / success | ours orders (7 d) | seed orders |`,
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const line of table) console.log(line);

    await experimentBench(db, stats, baseline, FIRST_DAY, end);
    await analysisBench(db, stats, baseline, FIRST_DAY, end);
  } finally {
    await baseline?.ours.close();
    await baseline?.baseline.close();
    await db.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Effect analysis (issue 9): goods by label and rules compared, on the same data as `result`.

const LABEL_COUNTS: [GoodsDimension, number, number][] = [
  // dimension, wechat_labels.type, labels
  ['city', 0, 300],
  ['store', 1, 50],
  ['category', 2, 200],
  ['brand', 3, 500],
  ['sku', 4, 5000],
];

/**
 * Labels of the bench's orders, once (kept with --reuse): 300 cities, 50 stores, 200
 * categories, 500 brands, 5,000 SKUs in wechat_labels; 5 % of the orders have no label, the
 * others one city and 1–3 SKUs (skewed: low numbers are popular) — 2.6M links. (Store,
 * category and brand links are left out: on the shared 2-core machine the 5.7M links of all
 * five took too long to write; the query per dimension is the same.)
 */
async function ensureLabels(db: DataSource): Promise<void> {
  const [has] = await db.query('SELECT COUNT(*) AS n FROM wechat_customers_labels');
  if (Number(has.n) > 0) return;
  await timed(`labels of ${ORDERS} orders (wechat_labels, wechat_customers_labels)`, async () => {
    await db.query('DELETE FROM wechat_labels');
    let id = 0;
    for (const [dim, type, n] of LABEL_COUNTS) {
      const rows = Array.from({ length: n }, (_, i) => {
        const bind = dim === 'city' || dim === 'brand' ? null : `${dim.toUpperCase()}${i + 1}`;
        return [++id, bind, `${dim}-${i + 1}`, type];
      });
      await db.query('INSERT INTO wechat_labels (id, bind_id, name, type) VALUES ?', [rows]);
    }
    const firstId = new Map<number, number>();
    let at = 1;
    for (const [, type, n] of LABEL_COUNTS) {
      firstId.set(type, at);
      at += n;
    }
    // A skewed pick among n labels from a hash h in 0..9999: floor(n * (h/10000)^2). Computed
    // from the order id (order k + 1 is the bench's order E<k+1>, first buyer as generated),
    // so the links do not depend on the orders being written yet.
    const pick = (type: number, n: number, salt: number) =>
      `${firstId.get(type)} + FLOOR(${n} * POW((((o.k + 1) * ${salt}) MOD 10000) / 10000, 2))`;
    const CHUNK = 100_000;
    for (let from = 0; from < ORDERS; from += CHUNK) {
      // A range of a.n (the primary key), not a filter on a.n * 10000 + b.n over all 10^8 pairs.
      const orders = `(SELECT a.n * 10000 + b.n AS k FROM bench_n a JOIN bench_n b
                        WHERE a.n >= ${from / 10_000} AND a.n < ${Math.min(from + CHUNK, ORDERS) / 10_000}) o`;
      const select = (label: string, extra = '') =>
        `SELECT ((o.k * 2654435761) MOD ${CUSTOMERS}) + 1, ${label}, o.k + 1 FROM ${orders}
          WHERE (o.k + 1) MOD 20 <> 7 ${extra}`;
      const parts = [
        select(pick(0, 300, 7919)),
        select(pick(4, 5000, 2654435761)),
        select(pick(4, 5000, 40503), 'AND (o.k + 1) MOD 2 = 0'),
        select(pick(4, 5000, 86028121), 'AND (o.k + 1) MOD 4 = 1'),
      ];
      await db.query(
        `INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) ${parts.join(' UNION ALL ')}`,
      );
    }
    await db.query('ANALYZE TABLE wechat_labels');
    await db.query('ANALYZE TABLE wechat_customers_labels');
  });
}

/**
 * The seed's way for goods (it had none; the natural port of its getWechatPushResult): load
 * the attributed order rows into Node, then the labels with `IN` lists of order ids, and
 * group in Node.
 */
async function goodsSeedWay(
  db: DataSource,
  ids: number[],
  dim: GoodsDimension,
): Promise<{ orders: number; buyers: number; top: [string, number][] }> {
  const { type, column } = {
    city: { type: 0, column: 'name' },
    sku: { type: 4, column: 'bind_id' },
  }[dim as 'city' | 'sku'];
  const att: { order_id: number; order_number: string; recipient_key: string }[] = await db.query(
    `SELECT a.order_id, a.order_number, a.recipient_key FROM wechat_push_attributions a
      WHERE a.run_id IN (?) AND a.lag_seconds <= ?
        AND a.recipient_key NOT IN (SELECT f.recipient_key FROM wechat_push_recipient_outcomes f
                                     WHERE f.run_id IN (?) AND f.outcome = -1)`,
    [ids, 7 * 86_400, ids],
  );
  const orderIds = [...new Set(att.map((a) => Number(a.order_id)))];
  const labelsOf = new Map<number, string[]>();
  for (let i = 0; i < orderIds.length; i += 50_000) {
    const rows: { order_id: number; k: string }[] = await db.query(
      `SELECT l.order_id, w.${column} AS k FROM wechat_customers_labels l
         JOIN wechat_labels w ON w.id = l.label_id
        WHERE l.order_id IN (?) AND w.type = ? AND w.${column} <> ''`,
      [orderIds.slice(i, i + 50_000), type],
    );
    for (const r of rows) {
      const list = labelsOf.get(Number(r.order_id)) ?? [];
      list.push(r.k);
      labelsOf.set(Number(r.order_id), list);
    }
  }
  const byLabel = new Map<string, Set<string>>();
  const orders = new Set<string>();
  const buyers = new Set<string>();
  for (const a of att) {
    orders.add(a.order_number);
    buyers.add(String(a.recipient_key));
    for (const k of labelsOf.get(Number(a.order_id)) ?? []) {
      const set = byLabel.get(k) ?? new Set<string>();
      set.add(a.order_number);
      byLabel.set(k, set);
    }
  }
  const top = [...byLabel.entries()]
    .map(([k, set]): [string, number] => [k, set.size])
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, 10);
  return { orders: orders.size, buyers: buyers.size, top };
}

async function analysisBench(
  db: DataSource,
  stats: PushStatisticsService,
  baseline: Trees | undefined,
  from: string,
  to: string,
): Promise<void> {
  await ensureLabels(db);
  // Rules 1–10 (the data set's runs belong to rules 1–5; 6–10 exist without runs).
  for (let id = 1; id <= 10; id++) {
    await db.query(
      `INSERT IGNORE INTO wechat_push (id, name, status, start_date, end_date, city_labels,
         store_labels, brand_labels, cate_labels, sku_labels, last_order_day,
         last_order_day_limit, created_at, updated_at)
       VALUES (?, ?, 0, '2025-01-01', '2025-12-31', '', '', '', '', '', 30, 1, NOW(), NOW())`,
      [id, `召回规则-${id}`],
    );
  }
  const analysis = new EffectAnalysisService(db, { STATS_ATTRIBUTION_DAYS: 7 } as AppConfig);
  const all = { startTime: from, endTime: to };
  const allIds: number[] = (await db.query('SELECT id FROM wechat_push_runs')).map(
    (r: { id: number }) => Number(r.id),
  );
  const rows: string[] = [];
  const cells = (t: { ours: Timing<unknown>; base?: Timing<unknown> }) =>
    `${round(t.ours.median)} / ${round(t.ours.max)} | ${
      t.base
        ? `${round(t.base.median)} / ${round(t.base.max)} | ${(t.ours.median / t.base.median).toFixed(2)}`
        : '— | —'
    }`;
  // The result endpoint on the same data in the same run, for reference.
  const reference = await measure(() => stats.result(all), 3);
  const result = reference.out;
  rows.push(
    `| (reference) result: all runs | ${round(reference.median)} / ${round(reference.max)} | | | | | ${result.orderCount} orders |`,
  );
  const compareOnly = process.argv.includes('--compare-only');
  for (const dimension of (compareOnly ? [] : ['sku', 'city']) as GoodsDimension[]) {
    const q = { ...all, dimension };
    const t = await measurePair(() => analysis.goods(q), baseline, 'goods', q, 3);
    const heap = await peakHeapGrowth(() => analysis.goods(q));
    const g = t.ours.out;
    if (g.totalOrders !== result.orderCount || g.totalBuyers !== result.buyerCount) {
      throw new Error(`goods ${dimension} totals differ from result`);
    }
    const s = await measure(() => goodsSeedWay(db, allIds, dimension), 1);
    const same =
      s.out.orders === g.totalOrders &&
      s.out.buyers === g.totalBuyers &&
      s.out.top.every(([k, n], i) => g.rows[i]?.id === k && g.rows[i]?.orderCount === n);
    const seed = `${round(s.median)} (seed way) | ${round(s.median / t.ours.median)}×`;
    const check = same ? 'same totals and top 10' : 'DIFFERENT';
    const sum = g.rows.reduce((x, r) => x + r.share, 0);
    rows.push(
      `| goods ${dimension}: all runs, top 10 | ${cells(t)} | ${seed} | ${g.totalOrders} orders, ${g.rows.length} rows, shares Σ ${Math.round(sum * 10_000) / 10_000} ${check}; heap + array buffers peaked ${heap} MiB above the start |`,
    );
  }
  if (!compareOnly) {
    const ruleQ = { ...all, id: 3, dimension: 'sku' as const, limit: 100 };
    const dayQ = { startTime: '2025-03-10', endTime: '2025-03-10', dimension: 'sku' as const };
    const oneRule = await measurePair(() => analysis.goods(ruleQ), baseline, 'goods', ruleQ, 3);
    const oneDay = await measurePair(() => analysis.goods(dayQ), baseline, 'goods', dayQ, 3);
    rows.push(
      `| goods sku: one day, top 10 | ${cells(oneDay)} | | | ${oneDay.ours.out.totalOrders} orders |`,
    );
    rows.push(
      `| goods sku: one rule, top 100 | ${cells(oneRule)} | | | ${oneRule.ours.out.totalOrders} orders |`,
    );
  }
  const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const compareQ = { ids, ...all };
  const compare = await measurePair(
    () => analysis.compare(compareQ),
    baseline,
    'compare',
    compareQ,
    3,
  );
  const nCalls = await measure(
    () =>
      Promise.all(
        ids.map((id) => stats.result({ ...all, name: `召回规则-${id}` }).then((f) => ({ id, f }))),
      ),
    3,
  );
  // Sequential calls, as a client would make them one per rule.
  const nSeq = await measure(async () => {
    const out = [];
    for (const id of ids) out.push(await stats.result({ ...all, name: `召回规则-${id}` }));
    return out;
  }, 3);
  const equal = compare.ours.out.every(({ pushId: _p, ruleName: _n, holdoutLift: _l, ...f }, i) => {
    const { excluded: _e, ...figures } = nSeq.out[i];
    return JSON.stringify(f) === JSON.stringify(figures);
  });
  rows.push(
    `| compare: 10 rules, all runs | ${cells(compare)} | ${round(nSeq.median)} / ${round(nSeq.max)} (10 × result, one after another; ${round(nCalls.median)} in parallel) | ${round(nSeq.median / compare.ours.median)}× | ${equal ? 'every row equal to result by rule' : 'DIFFERENT'} |`,
  );
  if (!compareOnly) {
    for (const granularity of ['month', 'week'] as const) {
      const q = { ...all, granularity };
      const t = await measurePair(() => analysis.report(q), baseline, 'report', q, 1);
      rows.push(
        `| report ${granularity}: all runs | ${cells(t)} | | | ${t.ours.out.length} rows |`,
      );
    }
  }
  console.log(
    `\n| call | ours median / max ms | baseline ${baseline?.baseline.commit ?? '(none)'} median / max ms | ours ÷ baseline | seed-style median / max ms | seed-style ÷ ours | check |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
