import Redis from 'ioredis';
import { formatDateTime, weekDay } from '@app/common';
import { plainRuleBody } from '../utils/rule-factory';
import { ApiHarness, startApi } from '../utils/api-app';
import {
  eventually,
  PERMISSIVE_POLICY,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
} from '../utils/pipeline';
import { RunningProcess, runTs, START_MS } from '../utils/process';
import { SimulatorHarness, startTestSimulator } from '../utils/simulator';

/**
 * Real worker processes (not in-process modules): two replicas at once, and one killed
 * with SIGKILL mid-run. The claims: every slot runs once, every batch is sent at most once,
 * nothing is lost or left stuck.
 */
describe('worker processes', () => {
  let sim: SimulatorHarness;
  let api: ApiHarness;
  const workers: RunningProcess[] = [];

  const startWorker = (extra: Record<string, string> = {}) => {
    const w = runTs('apps/worker/src/main.ts', [], {
      ...sim.env,
      LOG_LEVEL: 'info',
      PUSH_BATCH_SIZE: '100',
      WORKER_CONCURRENCY: '4',
      WECOM_MAX_CALLS_PER_SECOND: '100',
      ...extra,
    });
    workers.push(w);
    return w;
  };

  const flushRedis = async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const stream = redis.scanStream({ match: `${process.env.REDIS_KEY_PREFIX}*`, count: 1000 });
      for await (const keys of stream as AsyncIterable<string[]>)
        if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  };

  beforeAll(async () => {
    sim = await startTestSimulator();
    Object.assign(process.env, sim.env);
    api = await startApi();
  });
  beforeEach(async () => {
    // Ids restart with the tables, so the queues (which remember job ids) start empty too.
    await resetPipelineTables(api.db);
    await flushRedis();
    await sim.reset();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.kill('SIGKILL');
      await w.exited();
    }
  });
  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  const createRule = async (
    name: string,
    slot: { week: number; time: string },
    extra: Record<string, unknown> = {},
  ) => {
    const body = plainRuleBody({
      name,
      content: `内容-${name}`,
      startDate: '2020-01-01',
      endDate: '2099-12-31',
      weekDayPushTime: [slot],
      ...extra,
    });
    expect((await api.post('/wechatpush/create', body)).status).toBe(200);
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    return Number(row.id);
  };
  const countRecipients = async () => {
    const perText = new Map<string, Map<string, number>>();
    for (const m of await sim.messages()) {
      const text = (m.text as { content?: string } | null)?.content ?? '';
      const counts = perText.get(text) ?? new Map<string, number>();
      for (const id of m.externalUserIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      perText.set(text, counts);
    }
    return perText;
  };

  it('two worker replicas and repeated scans: each slot runs once, each recipient gets each rule once', async () => {
    await seedBuyers(api.db, 1_000, { daysAgo: 40 });
    // Three sends a day to one customer: the contact policy would (rightly) allow one.
    await setPolicy(api.db, PERMISSIVE_POLICY);
    const now = new Date();
    const slot = { week: weekDay(now), time: formatDateTime(now).slice(11, 16) }; // the current minute
    const rules = [
      await createRule('副本A', slot),
      await createRule('副本B', slot),
      await createRule('副本C', slot),
    ];
    const a = startWorker();
    const b = startWorker();
    await Promise.all([
      a.waitFor(/worker started/, START_MS),
      b.waitFor(/worker started/, START_MS),
    ]);
    // Each worker ran a startup scan; two more scans for the same hour, as if two hourly jobs ran.
    for (const w of [a, b]) expect(w.output()).toMatch(/startup scan enqueued/);
    const runs = await eventually(
      async () => {
        const rows: { push_id: number; state: string }[] = await api.db.query(
          'SELECT push_id, state FROM wechat_push_runs ORDER BY push_id',
        );
        return rows.length === 3 && rows.every((r) => r.state === 'completed') ? rows : undefined;
      },
      60_000,
      'three completed runs',
    );
    expect(runs.map((r) => Number(r.push_id))).toEqual(rules);
    const batches: { state: string; n: number }[] = await api.db.query(
      'SELECT state, COUNT(*) AS n FROM wechat_push_batches GROUP BY state',
    );
    expect(batches.map((x) => [x.state, Number(x.n)])).toEqual([['sent', 30]]);
    const perText = await countRecipients();
    expect([...perText.keys()].sort()).toEqual(['内容-副本A', '内容-副本B', '内容-副本C']);
    for (const counts of perText.values()) {
      expect(counts.size).toBe(1_000);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    }
    // The work was shared: both replicas sent batches. Their logs are complete once they
    // have shut down (log lines are buffered), so stop them first.
    for (const w of [a, b]) w.kill('SIGTERM');
    for (const w of [a, b]) expect((await w.exited()).code).toBe(0);
    const sentBy = [a, b].map((w) => (w.output().match(/batch sent/g) ?? []).length);
    expect(sentBy[0] + sentBy[1]).toBe(30);
    expect(Math.min(...sentBy)).toBeGreaterThan(0);
  }, 180_000);

  it('contact policy: two workers selecting two overlapping rules in the same minute take no customer past the day cap', async () => {
    await seedBuyers(api.db, 600, { daysAgo: 40 });
    await seedBuyers(api.db, 400, { daysAgo: 33, prefix: 'n', firstId: 1_001 });
    const now = new Date();
    const slot = { week: weekDay(now), time: formatDateTime(now).slice(11, 16) };
    // Equal priority and no waiting between them: both select at once, so only the
    // reservation's customer locks keep the caps (the default policy).
    const wide = await createRule('重叠宽', slot, { lastOrderDay: 30, lastOrderDayLimit: 45 });
    const narrow = await createRule('重叠窄', slot, { lastOrderDay: 38, lastOrderDayLimit: 45 });
    const env = { POLICY_PRIORITY_WAIT_SECONDS: '0', PUSH_BATCH_SIZE: '50' };
    const a = startWorker(env);
    const b = startWorker(env);
    await Promise.all([
      a.waitFor(/worker started/, START_MS),
      b.waitFor(/worker started/, START_MS),
    ]);
    const runs = await eventually(
      async () => {
        const rows: { push_id: number; state: string; audience_count: number; excluded: string }[] =
          await api.db.query('SELECT * FROM wechat_push_runs ORDER BY push_id');
        return rows.length === 2 && rows.every((r) => r.state === 'completed') ? rows : undefined;
      },
      90_000,
      'two completed runs',
    );
    expect(runs.map((r) => Number(r.push_id))).toEqual([wide, narrow]);
    // WeCom's own ledger: every customer of either audience reached exactly once.
    const perCustomer = new Map<string, number>();
    for (const m of await sim.messages())
      for (const id of m.externalUserIds) perCustomer.set(id, (perCustomer.get(id) ?? 0) + 1);
    expect(perCustomer.size).toBe(1_000);
    expect(Math.max(...perCustomer.values())).toBe(1);
    // The 600 in both audiences went to one rule or the other; the other excluded them —
    // as `gap`, the first reason that applies to a customer contacted minutes ago.
    const selected = runs.map((r) => Number(r.audience_count));
    const gap = runs.map((r) => (JSON.parse(r.excluded) as { gap: number }).gap);
    expect(selected[0] + selected[1]).toBe(1_000);
    expect(gap[0] + gap[1]).toBe(600);
    expect(selected[0] + gap[0]).toBe(1_000);
    expect(selected[1] + gap[1]).toBe(600);
    const [{ n: overCap }] = await api.db.query(
      `SELECT COUNT(*) AS n FROM (SELECT external_userid FROM contact_ledger
        WHERE released = 0 AND counted = 1 GROUP BY external_userid HAVING COUNT(*) > 1) x`,
    );
    expect(Number(overCap)).toBe(0);
  }, 210_000);

  it('contact policy: across two workers, the higher-priority rule of a minute reserves first; the lower one waits', async () => {
    await seedBuyers(api.db, 600, { daysAgo: 40 });
    await seedBuyers(api.db, 400, { daysAgo: 33, prefix: 'n', firstId: 1_001 });
    const now = new Date();
    const slot = { week: weekDay(now), time: formatDateTime(now).slice(11, 16) };
    // The rule created first (lower id) has the lower priority: ties by id would favour it.
    const low = await createRule('低优先', slot, {
      lastOrderDay: 30,
      lastOrderDayLimit: 45,
      priority: 9,
    });
    const high = await createRule('高优先', slot, {
      lastOrderDay: 38,
      lastOrderDayLimit: 45,
      priority: 2,
    });
    const env = { PUSH_BATCH_SIZE: '50' };
    const a = startWorker(env);
    const b = startWorker(env);
    await Promise.all([
      a.waitFor(/worker started/, START_MS),
      b.waitFor(/worker started/, START_MS),
    ]);
    const runs = await eventually(
      async () => {
        const rows: { push_id: number; state: string; audience_count: number; excluded: string }[] =
          await api.db.query('SELECT * FROM wechat_push_runs ORDER BY push_id');
        return rows.length === 2 && rows.every((r) => r.state === 'completed') ? rows : undefined;
      },
      90_000,
      'two completed runs',
    );
    const byRule = new Map(runs.map((r) => [Number(r.push_id), r]));
    // The high-priority rule got its whole audience; the low one only those it did not take.
    expect(byRule.get(high)?.audience_count).toBe(600);
    expect(JSON.parse(byRule.get(high)?.excluded ?? '{}').gap).toBe(0);
    expect(byRule.get(low)?.audience_count).toBe(400);
    expect(JSON.parse(byRule.get(low)?.excluded ?? '{}').gap).toBe(600);
    const perCustomer = new Map<string, number>();
    for (const m of await sim.messages())
      for (const id of m.externalUserIds) perCustomer.set(id, (perCustomer.get(id) ?? 0) + 1);
    expect(perCustomer.size).toBe(1_000);
    expect(Math.max(...perCustomer.values())).toBe(1);
  }, 210_000);

  it('kill -9 of a worker mid-run: a new worker finishes it; no recipient twice, no batch lost or stuck', async () => {
    await seedBuyers(api.db, 2_500, { daysAgo: 40 });
    await sim.setFaults({ latencyMs: 300, endpoints: ['externalcontact/add_msg_template'] });
    const pushId = await createRule('被杀', { week: 1, time: '03:00' });
    const first = startWorker();
    await first.waitFor(/worker started/, START_MS);
    const trig = await api.post('/wechatpush/trigger', { id: pushId });
    const runId = trig.body.data.runId as number;
    await eventually(
      async () => {
        const [{ n }] = await api.db.query(
          "SELECT COUNT(*) AS n FROM wechat_push_batches WHERE run_id = ? AND state = 'sent'",
          [runId],
        );
        return Number(n) >= 3;
      },
      60_000,
      'some batches sent',
    );
    // Selection and sending overlap, so the kill may also cut the selection: the next worker
    // resumes it from the run's keyset cursor.
    first.kill('SIGKILL');
    expect((await first.exited()).signal).toBe('SIGKILL');

    const second = startWorker();
    await second.waitFor(/worker started/, START_MS);
    // The killed worker's jobs keep their locks for BullMQ's lockDuration (30 s) and are taken
    // over at a stalled-jobs check (every 30 s): recovery takes 30–70 s, more on a loaded
    // machine, hence the deadline.
    const run = await eventually(
      async () => {
        const [r] = await api.db.query('SELECT * FROM wechat_push_runs WHERE id = ?', [runId]);
        return r.state === 'completed' ? r : undefined;
      },
      150_000,
      'run completed after the restart',
    );
    const states: { state: string; n: number }[] = await api.db.query(
      'SELECT state, COUNT(*) AS n FROM wechat_push_batches WHERE run_id = ? GROUP BY state',
      [runId],
    );
    const byState = Object.fromEntries(states.map((s) => [s.state, Number(s.n)]));
    expect(Object.keys(byState).every((s) => ['sent', 'failed', 'unknown'].includes(s))).toBe(true);
    expect((byState.sent ?? 0) + (byState.failed ?? 0) + (byState.unknown ?? 0)).toBe(25);
    expect(run.audience_count).toBe(2_500);
    expect(run.sent_batches + run.unknown_batches + run.failed_batches).toBe(25);
    const counts = (await countRecipients()).get('内容-被杀') as Map<string, number>;
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Every recipient of a sent batch reached WeCom; only unknown batches may be missing.
    expect(counts.size).toBeGreaterThanOrEqual((byState.sent ?? 0) * 100);
    // Each unknown batch is logged for operators to alert on, by the worker that found it:
    // the new one for the killed worker's in-flight calls, the killed one for a call that
    // timed out before the kill (on a loaded machine); logs are complete once it has shut down.
    second.kill('SIGTERM');
    expect((await second.exited()).code).toBe(0);
    const unknownLines = [first, second]
      .map((w) => (w.output().match(/batch unknown/g) ?? []).length)
      .reduce((a, b) => a + b, 0);
    expect(unknownLines).toBe(byState.unknown ?? 0);
  }, 330_000);

  it('SIGTERM lets an in-flight batch finish: the worker exits 0 and the batch is sent, not unknown', async () => {
    await seedBuyers(api.db, 5, { daysAgo: 40 });
    await sim.setFaults({ latencyMs: 2_500, endpoints: ['externalcontact/add_msg_template'] });
    const pushId = await createRule('优雅退出', { week: 1, time: '03:00' });
    const w = startWorker();
    await w.waitFor(/worker started/, START_MS);
    const { runId } = (await api.post('/wechatpush/trigger', { id: pushId })).body.data;
    await eventually(
      async () => {
        const [b] = await api.db.query('SELECT state FROM wechat_push_batches WHERE run_id = ?', [
          runId,
        ]);
        return b?.state === 'sending';
      },
      30_000,
      'batch in flight',
    );
    w.kill('SIGTERM');
    const { code } = await w.exited();
    expect(code).toBe(0);
    expect(w.output()).toMatch(/SIGTERM: shutting down/);
    const [batch] = await api.db.query('SELECT state FROM wechat_push_batches WHERE run_id = ?', [
      runId,
    ]);
    expect(batch.state).toBe('sent');
    const [run] = await api.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
    expect(run.state).toBe('completed');
    expect((await countRecipients()).get('内容-优雅退出')?.size).toBe(5);
  }, 180_000);

  it('Redis loses its data with two workers running: a slot two minutes ahead of a rule created before still fires at its minute, once', async () => {
    const ids = await seedBuyers(api.db, 300, { daysAgo: 40 });
    await setPolicy(api.db, PERMISSIVE_POLICY);
    const env = { RECONCILE_INTERVAL_SECONDS: '5' };
    const a = startWorker(env);
    const b = startWorker(env);
    await Promise.all([
      a.waitFor(/worker started/, START_MS),
      b.waitFor(/worker started/, START_MS),
    ]);
    const slotAt = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 120_000);
    const pushId = await createRule('清空之后', {
      week: weekDay(slotAt),
      time: formatDateTime(slotAt).slice(11, 16),
    });
    // The slot is in MySQL as a pending run before Redis goes.
    const [pending] = await api.db.query(
      "SELECT state FROM wechat_push_runs WHERE push_id = ? AND kind = 'scheduled'",
      [pushId],
    );
    expect(pending?.state).toBe('pending');
    await flushRedis(); // every key of this deployment: queues, delayed slot jobs, schedulers

    const run = await eventually(
      async () => {
        const rows: { state: string; started_at: Date; slot_at: Date }[] = await api.db.query(
          'SELECT state, started_at, slot_at FROM wechat_push_runs WHERE push_id = ?',
          [pushId],
        );
        return rows.length === 1 && rows[0].state === 'completed' ? rows[0] : undefined;
      },
      240_000,
      'the slot fired and completed',
    );
    expect(run.slot_at.getTime()).toBe(slotAt.getTime());
    // At its minute, not an hour later.
    expect(run.started_at.getTime()).toBeGreaterThanOrEqual(slotAt.getTime());
    expect(run.started_at.getTime()).toBeLessThan(slotAt.getTime() + 60_000);
    const got = (await countRecipients()).get('内容-清空之后');
    expect(got?.size).toBe(ids.length);
    expect([...(got?.values() ?? [])].every((n) => n === 1)).toBe(true);
    // The workers put back what Redis lost: the hourly scan's scheduler.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const keys = await redis.keys(`${process.env.REDIS_KEY_PREFIX}*repeat*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  }, 360_000);
});
