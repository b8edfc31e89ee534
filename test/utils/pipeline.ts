import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Clock, OffsetClock } from '@app/common';
import { ContactPolicyShape, DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { PipelineQueues, PushRunRepository, QueueName, ScheduleSlotsService } from '@app/pipeline';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { ApiHarness, startApi } from './api-app';
import { explainingLockWaits, truncate } from './db';
import { plainRuleBody } from './rule-factory';
import { SimulatorHarness, startTestSimulator } from './simulator';
import type { SimulatorOptions } from '../../apps/wecom-simulator/src/start-simulator';

export const PIPELINE_TABLES = [
  'wechat_push_results',
  'wechat_push_batches',
  'wechat_push_runs',
  'wechat_push_time',
  'wechat_push',
  'wechat_push_versions',
  'wechat_push_trigger_confirmations',
  'wechat_labels',
  'wechat_customers_labels',
  'customers',
  'youzan_orders',
  'order_buyers',
  'customer_last_order',
  'customer_shared_external_ids',
  'customer_label_orders',
  'wechat_push_deliveries',
  'wechat_push_attributions',
  'wechat_push_delivery_tasks',
  'wechat_push_reminders',
  'wechat_push_member_tasks',
  'wecom_follow_relations',
  'wechat_push_recipient_outcomes',
  'wechat_push_batch_counts',
  'wechat_push_day_repeats',
  'wechat_push_run_controls',
  'wechat_push_control_orders',
  'contact_ledger',
  'contact_batches',
  'contact_state',
  'contact_suppressions',
  'contact_unreachable',
  'contact_policy_changes',
  // A feed another suite recorded would make the freshness guard skip this suite's slots.
  'order_feeds',
];

export interface PipelineHarness {
  sim: SimulatorHarness;
  api: ApiHarness;
  worker: INestApplicationContext;
  clock: OffsetClock;
  db: DataSource;
  redis: Redis;
  scheduler: ScheduleSlotsService;
  runs: PushRunRepository;
  /** Deletes every Redis key of this Jest worker (queues, caches): "Redis was flushed". */
  flushRedis(): Promise<number>;
  /**
   * Waits (up to 60 s) until the worker runs no job: what a test left running — a slot job
   * finishing its selection, a batch in its WeCom call — ends before the next test resets
   * the tables under it.
   */
  quiesce(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real api and one real worker in this process, the WeCom simulator on a free port,
 * real MariaDB and Redis. Both apps share one OffsetClock.
 */
export async function startPipeline(
  opts: { sim?: SimulatorOptions; env?: Record<string, string> } = {},
): Promise<PipelineHarness> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = process.env.REDIS_KEY_PREFIX as string;
  const flushRedis = async () => {
    let n = 0;
    for await (const keys of redis.scanStream({
      match: `${prefix}*`,
      count: 1000,
    }) as AsyncIterable<string[]>) {
      if (keys.length) n += await redis.del(...keys);
    }
    return n;
  };
  const sim = await startTestSimulator(opts.sim);
  Object.assign(
    process.env,
    sim.env,
    { MISFIRE_GRACE_MINUTES: '30', RECONCILE_INTERVAL_SECONDS: '0' },
    opts.env ?? {},
  );
  const clock = new OffsetClock();
  const api = await startApi((b) => b.overrideProvider(Clock).useValue(clock));
  // What an earlier suite of this Jest worker left — rules whose slots the worker's startup
  // scan would fire, jobs in Redis (delayed slot jobs, say) — must not reach this suite's
  // worker and write rows its tests do not expect.
  await resetPipelineTables(api.db);
  await flushRedis();
  const workerRef = await Test.createTestingModule({ imports: [WorkerModule] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  workerRef.useLogger(false);
  const worker = await workerRef.init();
  return {
    sim,
    api,
    worker,
    clock,
    db: api.db,
    redis,
    scheduler: worker.get(ScheduleSlotsService),
    runs: worker.get(PushRunRepository),
    flushRedis,
    async quiesce() {
      const queues = worker.get(PipelineQueues);
      await eventually(
        async () => {
          for (const name of Object.values(QueueName))
            if ((await queues.queue(name).getActiveCount()) > 0) return false;
          return true;
        },
        60_000,
        'no job running in the worker',
      );
    },
    async close() {
      await worker.close();
      await api.close();
      redis.disconnect();
      await sim.close();
    },
  };
}

/** Empties the pipeline's tables and puts the contact policy back to its defaults. */
export async function resetPipelineTables(db: DataSource): Promise<void> {
  await truncate(db, ...PIPELINE_TABLES);
  await explainingLockWaits(db, () => setPolicy(db, DEFAULT_CONTACT_POLICY));
}

/** Stores a contact policy (as /policy/update would, without the API). */
export async function setPolicy(db: DataSource, p: Partial<ContactPolicyShape>): Promise<void> {
  const all = { ...DEFAULT_CONTACT_POLICY, ...p };
  await db.query(
    `UPDATE contact_policy SET max_per_day = ?, max_per_week = ?, min_gap_hours = ?,
            wecom_cap_period = ?, wecom_cap_limit = ?, quiet_start = ?, quiet_end = ?,
            blackout_dates = ?, global_control_percent = ? WHERE id = 1`,
    [
      all.maxPerDay,
      all.maxPerWeek,
      all.minGapHours,
      all.wecomCap.period,
      all.wecomCap.limit ?? null,
      all.quietHours?.start ?? null,
      all.quietHours?.end ?? null,
      JSON.stringify(all.blackoutDates),
      all.globalControlPercent,
    ],
  );
}

/** A policy that lets every send through: for tests of other features that send repeatedly. */
export const PERMISSIVE_POLICY: Partial<ContactPolicyShape> = {
  maxPerDay: 50,
  maxPerWeek: 350,
  minGapHours: 0,
  wecomCap: { period: 'month', limit: 31 },
};

/** `n` reachable customers whose only order was `daysAgo` days ago (ids ext-<prefix>-<i>). */
export async function seedBuyers(
  db: DataSource,
  n: number,
  opts: { daysAgo: number; prefix?: string; now?: Date; firstId?: number },
): Promise<string[]> {
  const prefix = opts.prefix ?? 'c';
  const firstId = opts.firstId ?? 1;
  const orderAt = new Date((opts.now ?? new Date()).getTime() - opts.daysAgo * 86_400_000);
  const ids: string[] = [];
  for (let start = 0; start < n; start += 5000) {
    const customers: unknown[][] = [];
    const orders: unknown[][] = [];
    for (let i = start; i < Math.min(n, start + 5000); i++) {
      const id = firstId + i;
      const ext = `ext-${prefix}-${String(id).padStart(6, '0')}`;
      ids.push(ext);
      customers.push([id, `客户${id}`, ext]);
      orders.push([id, `NO${id}`, String(id), orderAt]);
    }
    await explainingLockWaits(db, () =>
      db.query('INSERT INTO customers (id, name, external_userid) VALUES ?', [customers]),
    );
    await explainingLockWaits(db, () =>
      db.query(
        'INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time) VALUES ?',
        [orders],
      ),
    );
  }
  return ids;
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} not reached within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `buyers` customers who bought 35 days ago, a rule named `name` over them, created and
 * triggered through the api: the manual run's id.
 */
export async function triggerNewRule(
  p: PipelineHarness,
  name: string,
  buyers: number,
): Promise<number> {
  await seedBuyers(p.db, buyers, { daysAgo: 35, prefix: name });
  const create = await p.api.post(
    '/wechatpush/create',
    plainRuleBody({ name, startDate: '2020-01-01', endDate: '2099-12-31' }),
  );
  if (create.status !== 200) throw new Error(`create ${name}: ${JSON.stringify(create.body)}`);
  const [rule] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
  const trigger = await p.api.post('/wechatpush/trigger', { id: rule.id });
  if (trigger.status !== 200) throw new Error(`trigger ${name}: ${JSON.stringify(trigger.body)}`);
  return trigger.body.data.runId as number;
}
