/**
 * One measurement of `npm run bench:policy` in a process of its own (forked by
 * bench/policy.bench.ts): boots the real worker module — config from the environment,
 * CONTACT_POLICY_ENABLED among it — with its clock set to the bench's instant and without
 * queue workers (batch jobs are enqueued and never taken), reports "ready", waits for "go",
 * then either fires a manual run of a rule through FireSlotService or computes its preview,
 * and sends what it measured back.
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { Clock, loadConfig, OffsetClock } from '@app/common';
import { INestApplicationContext } from '@nestjs/common';
import { AudienceCursor, SelectAudienceService } from '@app/audience';
import { ContactLedger, ContactPolicyService } from '@app/contact-policy';
import { FireSlotService } from '@app/pipeline';
import { PushRuleRepository } from '@app/push-config';
import { QueueWorkers } from '../apps/worker/src/queue-workers.service';
import { WorkerModule } from '../apps/worker/src/worker.module';

export interface ChildTask {
  what: 'fire' | 'preview' | 'profile';
  pushId: number;
  at: string;
}

export interface ChildReport {
  what: ChildTask['what'];
  pushId: number;
  policy: boolean;
  /** fire: start of the selection → first batch row visible to another connection. */
  firstBatchMs?: number;
  /** fire: until the run left 'selecting'; preview: the whole preview. */
  totalMs: number;
  runId?: number;
  state?: string;
  audience: number;
  batches?: number;
  excluded: Record<string, number>;
  rssBootMb: number;
  rssPeakMb: number;
  /** profile: ms per statement kind over the pages profiled, and how many ran. */
  profile?: Record<string, { ms: number; n: number }>;
  plan?: string[];
}

/** Pages the profile reserves (and rolls back). */
const PROFILE_PAGES = 5;
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

/** Polls for the run's first batch from a connection of its own, as another reader would. */
async function watchFirstBatch(pushId: number, started: bigint): Promise<() => Promise<number>> {
  const c = loadConfig();
  const conn = await createConnection({
    host: c.DB_HOST,
    port: c.DB_PORT,
    user: c.DB_USER,
    password: c.DB_PASSWORD,
    database: c.DB_NAME,
  });
  let stop = false;
  const seen = (async () => {
    while (!stop) {
      const [rows] = (await conn.query(
        `SELECT b.id FROM wechat_push_runs r JOIN wechat_push_batches b ON b.run_id = r.id
          WHERE r.push_id = ? LIMIT 1`,
        [pushId],
      )) as unknown as [unknown[]];
      if (rows.length) return ms(started);
    }
    return NaN;
  })();
  return async () => {
    stop = true;
    const t = await seen;
    await conn.end();
    return t;
  };
}

async function run(task: ChildTask): Promise<ChildReport> {
  const at = new Date(task.at);
  const clock = new OffsetClock();
  clock.setNow(at);
  const ref = await Test.createTestingModule({ imports: [WorkerModule] })
    .overrideProvider(Clock)
    .useValue(clock)
    .overrideProvider(QueueWorkers)
    .useValue({ start: () => undefined, close: async () => undefined })
    .compile();
  ref.useLogger(false);
  const app = await ref.init();
  const policy = loadConfig().CONTACT_POLICY_ENABLED;
  try {
    await new Promise<void>((resolve) => {
      process.once('message', () => resolve());
      process.send?.({ ready: true });
    });
    clock.setNow(at);
    const rssBoot = process.memoryUsage().rss;
    let peak = rssBoot;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      if (task.what === 'profile') return await profile(app, task, policy, rssBoot);
      if (task.what === 'preview') {
        const rule = await app.get(PushRuleRepository).findStored(task.pushId);
        if (!rule) throw new Error(`rule ${task.pushId} missing`);
        const started = process.hrtime.bigint();
        const p = await app.get(SelectAudienceService).preview(rule, at);
        return {
          what: task.what,
          pushId: task.pushId,
          policy,
          totalMs: ms(started),
          audience: p.count,
          excluded: { ...p.excluded },
          rssBootMb: mb(rssBoot),
          rssPeakMb: mb(Math.max(peak, process.memoryUsage().rss)),
        };
      }
      const started = process.hrtime.bigint();
      const firstBatch = await watchFirstBatch(task.pushId, started);
      const out = await app
        .get(FireSlotService)
        .fire({ pushId: task.pushId, kind: 'manual', slotAt: task.at });
      const totalMs = ms(started);
      const firstBatchMs = await firstBatch();
      const [row] = (await app
        .get(DataSource)
        .query(
          'SELECT audience_count AS a, batch_count AS b, excluded AS x, state FROM wechat_push_runs WHERE id = ?',
          [out.runId],
        )) as { a: number; b: number; x: string | null; state: string }[];
      return {
        what: task.what,
        pushId: task.pushId,
        policy,
        firstBatchMs,
        totalMs,
        runId: out.runId,
        state: row.state,
        audience: Number(row.a),
        batches: Number(row.b),
        excluded: row.x ? (JSON.parse(row.x) as Record<string, number>) : {},
        rssBootMb: mb(rssBoot),
        rssPeakMb: mb(Math.max(peak, process.memoryUsage().rss)),
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await app.close();
  }
}

/** The statement a query is, for the profile's breakdown. */
function kind(sql: string): string {
  if (/LEFT JOIN contact_state/.test(sql)) return 'state: contact_state + opt-outs (snapshot)';
  if (/FROM contact_batches/.test(sql)) return 'check: live batches of the windows';
  if (/FROM contact_suppressions WHERE created_at/.test(sql))
    return 'check: opt-outs since the snapshot';
  if (/UPDATE contact_state/.test(sql)) return 'reserve: state update (version test)';
  if (/INTO contact_state/.test(sql)) return 'reserve: state insert (first contacts)';
  if (/INTO contact_batches/.test(sql)) return 'reserve: batch row';
  if (/INTO contact_ledger/.test(sql)) return 'reserve: ledger insert';
  return sql.replace(/\s+/g, ' ').slice(0, 40);
}

/**
 * Where a policy-on page's time goes: the first pages of the rule's audience, each read from
 * one snapshot with its customers' state as the run reads them, then checked and reserved
 * through the real ContactLedger in a READ COMMITTED transaction that is rolled back (the
 * ledger stays as it was), every statement timed; plus ANALYZE of the first page's state read.
 */
async function profile(
  app: INestApplicationContext,
  task: ChildTask,
  policy: boolean,
  rssBoot: number,
): Promise<ChildReport> {
  const at = new Date(task.at);
  const db = app.get(DataSource);
  const audience = app.get(SelectAudienceService);
  const ledger = app.get(ContactLedger);
  const rule = await app.get(PushRuleRepository).findStored(task.pushId);
  if (!rule) throw new Error(`rule ${task.pushId} missing`);
  const shape = await app.get(ContactPolicyService).current();
  const rulePolicy = {
    pushId: rule.id,
    cooldownDays: rule.cooldownDays,
    capExempt: rule.capExempt,
  };
  const out: Record<string, { ms: number; n: number }> = {};
  const add = (k: string, t: number) => {
    out[k] = { ms: (out[k]?.ms ?? 0) + t, n: (out[k]?.n ?? 0) + 1 };
  };
  const snapshot = db.createQueryRunner();
  const tx = db.createQueryRunner();
  await snapshot.connect();
  await tx.connect();
  const plan: string[] = [];
  let ids = 0;
  const started = process.hrtime.bigint();
  try {
    await snapshot.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    let cursor: AudienceCursor | null = null;
    for (let page = 0; page < PROFILE_PAGES; page++) {
      let t = process.hrtime.bigint();
      const p = await audience.page(rule, at, cursor, audience.batchSize, snapshot);
      add('audience page query (snapshot)', ms(t));
      ids += p.externalUserids.length;
      const timed = (runner: typeof tx) => ({
        query: async (sql: string, params?: unknown[]) => {
          const q0 = process.hrtime.bigint();
          const r: unknown = await runner.query(sql, params);
          add(kind(sql), ms(q0));
          if (page === 0 && /LEFT JOIN contact_state/.test(sql)) {
            const rows = (await runner.query(`ANALYZE ${sql}`, params)) as Record<
              string,
              unknown
            >[];
            for (const x of rows)
              plan.push(
                ['table', 'type', 'key', 'rows', 'r_rows', 'r_filtered', 'Extra']
                  .map((c) => `${c}=${String(x[c])}`)
                  .join(' '),
              );
          }
          return r;
        },
      });
      t = process.hrtime.bigint();
      const state = await ledger.state(timed(snapshot), p.externalUserids, { snapshotAt: at });
      add('state total (read ahead, snapshot)', ms(t));
      await tx.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await tx.query('START TRANSACTION');
      t = process.hrtime.bigint();
      const v = await ledger.judge(timed(tx), p.externalUserids, state, shape, rulePolicy, at);
      add('check total (batches + opt-outs since + verdict)', ms(t));
      t = process.hrtime.bigint();
      await ledger.reserve(timed(tx), v, {
        pushId: rule.id,
        runId: 0,
        batchId: 1 + page,
        at,
        counted: true,
      });
      add('reserve total', ms(t));
      await tx.query('ROLLBACK');
      if (!p.next) break;
      cursor = p.next;
    }
  } finally {
    await snapshot.query('COMMIT').catch(() => undefined);
    await snapshot.release();
    await tx.release();
  }
  return {
    what: task.what,
    pushId: task.pushId,
    policy,
    totalMs: ms(started),
    audience: ids,
    excluded: {},
    rssBootMb: mb(rssBoot),
    rssPeakMb: mb(process.memoryUsage().rss),
    profile: out,
    plan,
  };
}

const task = JSON.parse(process.argv[2]) as ChildTask;
run(task).then(
  (r) => {
    process.send?.({ report: r }, () => process.exit(0));
  },
  (e: unknown) => {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.send?.({ error: error.slice(0, 2000) }, () => process.exit(1));
  },
);
