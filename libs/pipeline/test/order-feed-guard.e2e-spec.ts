import { formatClockTime, weekDay } from '@app/common';
import { OrderFeedService } from '@app/ingest';
import { JobName, PipelineIncidents, PipelineQueues, QueueName, slotJobId } from '@app/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PERMISSIVE_POLICY,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
  startPipeline,
} from '../../../test/utils/pipeline';

/**
 * Issue 20's freshness guard: when an order feed is configured (a Youzan pull or a file import
 * was recorded) and its newest success is older than ORDER_FEED_MAX_AGE_HOURS, a scheduled
 * slot is skipped with "order data stale since …" — a stale feed would recall customers who
 * bought this morning — and reported; fresh data fires; no feed (an outside ETL) never
 * blocks; the preview tells the feed's age.
 */
describe('order-feed freshness guard', () => {
  let p: PipelineHarness;
  let feeds: OrderFeedService;

  beforeAll(async () => {
    p = await startPipeline({ env: { ORDER_FEED_MAX_AGE_HOURS: '24' } });
    feeds = p.worker.get(OrderFeedService);
  });
  beforeEach(async () => {
    await resetPipelineTables(p.db);
    await p.db.query('DELETE FROM order_feeds');
    await setPolicy(p.db, PERMISSIVE_POLICY);
    await p.flushRedis();
    await p.sim.reset();
    p.clock.setNow(new Date('2026-12-09T02:00:20Z')); // Wednesday 10:00:20 Shanghai
  });
  afterAll(async () => {
    await p?.db.query('DELETE FROM order_feeds');
    await p?.close();
  });

  const hoursAgo = (h: number) => new Date(p.clock.now().getTime() - h * 3_600_000);
  const nextMinute = () => new Date(Math.floor(p.clock.now().getTime() / 60_000) * 60_000 + 60_000);
  const createRule = async (name: string, at: Date) => {
    const body = plainRuleBody({
      name,
      content: `内容-${name}`,
      startDate: '2020-01-01',
      endDate: '2099-12-31',
      weekDayPushTime: [{ week: weekDay(at), time: formatClockTime(at) }],
    });
    const res = await p.api.post('/wechatpush/create', body);
    expect(res.status).toBe(200);
    const [row] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    return Number(row.id);
  };
  const fireSlot = async (pushId: number, slot: Date) => {
    p.clock.setNow(new Date(slot.getTime() + 20_000));
    const payload = { pushId, kind: 'scheduled' as const, slotAt: slot.toISOString() };
    const queues = p.worker.get(PipelineQueues);
    await queues.ensure(JobName.FIRE_SLOT, slotJobId(payload), payload);
    const job = await queues.queue(QueueName.SLOT).getJob(slotJobId(payload));
    if (job && (await job.getState()) === 'delayed') await job.promote();
    return eventually<{ id: number; state: string; reason: string | null }>(
      async () => {
        const [r] = await p.db.query(
          'SELECT id, state, reason FROM wechat_push_runs WHERE push_id = ? AND slot_at = ?',
          [pushId, slot],
        );
        return r && ['completed', 'skipped', 'failed'].includes(r.state) ? r : undefined;
      },
      30_000,
      'run finished',
    );
  };

  it('skips a scheduled slot while the configured feed is stale, with the reason, and reports it; fresh data fires', async () => {
    await seedBuyers(p.db, 5, { daysAgo: 35, now: p.clock.now() });
    await feeds.recordSuccess('youzan', hoursAgo(30));
    const slot = nextMinute();
    const pushId = await createRule('过期', slot);

    const preview = await p.api.post('/wechatpush/preview', { id: pushId });
    expect(preview.status).toBe(200);
    expect(preview.body.data.orderFeed).toEqual({
      configured: true,
      lastSuccessAt: '2026-12-08 04:00:20',
      ageHours: 30,
      maxAgeHours: 24,
      stale: true,
    });

    const since = new Date(p.clock.now().getTime() - 1_000);
    const skipped = await fireSlot(pushId, slot);
    expect(skipped).toMatchObject({
      state: 'skipped',
      reason: 'order data stale since 2026-12-08 04:00:20',
    });
    expect(await p.sim.messages()).toHaveLength(0);
    const incidents = await p.worker.get(PipelineIncidents).since(since);
    expect(incidents).toEqual([
      expect.objectContaining({ kind: 'order_data_stale', runId: skipped.id, ruleId: pushId }),
    ]);

    // A pull succeeds: the next slot fires.
    await feeds.recordSuccess('youzan', p.clock.now());
    const next = new Date(slot.getTime() + 60_000);
    await p.db.query('UPDATE wechat_push_time SET push_time = ? WHERE push_id = ?', [
      formatClockTime(next),
      pushId,
    ]);
    const fired = await fireSlot(pushId, next);
    expect(fired.state).toBe('completed');
    expect(await p.sim.messages()).toHaveLength(1);
  });

  it('never blocks without a configured feed (an outside ETL fills the orders), nor with the guard off', async () => {
    await seedBuyers(p.db, 3, { daysAgo: 35, now: p.clock.now() });
    const slot = nextMinute();
    const pushId = await createRule('外部', slot);
    const preview = await p.api.post('/wechatpush/preview', { id: pushId });
    expect(preview.body.data.orderFeed).toMatchObject({ configured: false, stale: false });
    expect((await fireSlot(pushId, slot)).state).toBe('completed');
  });

  it('counts a configured feed that never succeeded as stale', async () => {
    await seedBuyers(p.db, 3, { daysAgo: 35, now: p.clock.now() });
    await feeds.recordFailure('file', 'bad file', hoursAgo(1));
    const slot = nextMinute();
    const pushId = await createRule('从未成功', slot);
    expect(await fireSlot(pushId, slot)).toMatchObject({
      state: 'skipped',
      reason: 'order data stale since ever (no successful pull or import yet)',
    });
  });
});
