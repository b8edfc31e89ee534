import { PipelineQueues, QueueName, TrackDeliveryService } from '@app/pipeline';
import { ruleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  startPipeline,
} from '../../../test/utils/pipeline';

const TASK = 'externalcontact/get_groupmsg_task';
const SEND_RESULT = 'externalcontact/get_groupmsg_send_result';
const MAX_PER_SECOND = 10;

/**
 * Delivery tracking's WeCom calls count against the global WECOM_MAX_CALLS_PER_SECOND in
 * the same Redis window BullMQ's global rate limit of the batch queue counts sends in, so
 * the two together stay under the limit on every replica.
 */
describe('delivery tracking shares the WeCom call rate limit with the sends', () => {
  let p: PipelineHarness;
  let tracker: TrackDeliveryService;
  let limiterKey: string;

  beforeAll(async () => {
    p = await startPipeline({
      sim: { behaviour: { sendDelayMs: 60_000 } },
      env: {
        DELIVERY_POLL_DELAY_MINUTES: '0',
        DELIVERY_POLL_INTERVAL_MINUTES: '60',
        REMIND_AFTER_MINUTES: '600',
        WECOM_MAX_CALLS_PER_SECOND: String(MAX_PER_SECOND),
      },
    });
    tracker = p.worker.get(TrackDeliveryService);
    limiterKey = p.worker.get(PipelineQueues).queue(QueueName.BATCH).keys.limiter;
  });
  beforeEach(async () => {
    await resetPipelineTables(p.db);
    await p.flushRedis();
    await p.sim.reset();
    p.clock.setNow(new Date());
  });
  afterAll(async () => {
    await p?.close();
  });

  /** One sent batch to members of the simulator, its first poll done by the queue job. */
  const sentBatch = async () => {
    await seedBuyers(p.db, 12, { daysAgo: 35, prefix: 'rl' });
    const create = await p.api.post(
      '/wechatpush/create',
      ruleBody({
        name: '限速',
        startDate: '2020-01-01',
        endDate: '2099-12-31',
        img: '',
        miniProgramTitle: '',
        miniProgramImg: '',
        miniProgramUrl: '',
        cityLabels: '',
        storeLabels: '',
        brandLabels: '',
        cateLabels: '',
        skuLabels: '',
      }),
    );
    expect(create.status).toBe(200);
    const [rule] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', ['限速']);
    const trigger = await p.api.post('/wechatpush/trigger', { id: Number(rule.id) });
    expect(trigger.status).toBe(200);
    const runId = trigger.body.data.runId as number;
    const [batch] = await eventually<{ id: number; msgid: string }[]>(
      async () => {
        const [run] = await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
        return run?.state === 'completed'
          ? p.db.query(
              "SELECT id, msgid FROM wechat_push_batches WHERE run_id = ? AND state = 'sent'",
              [runId],
            )
          : undefined;
      },
      30_000,
      'run sent',
    );
    await eventually(
      async () => {
        const [t] = await p.db.query(
          'SELECT polls FROM wechat_push_delivery_tasks WHERE batch_id = ?',
          [batch.id],
        );
        return t && t.polls >= 1;
      },
      15_000,
      'first poll',
    );
    const ledger = (await p.sim.messages()).find((m) => m.msgid === batch.msgid);
    const senders = ledger?.senders.length ?? 0;
    expect(senders).toBeGreaterThan(1);
    return { batchId: Number(batch.id), msgid: batch.msgid, senders };
  };
  const calls = async () => (await p.sim.requests(TASK)) + (await p.sim.requests(SEND_RESULT));

  it('counts every tracking call in the window the batch queue is limited by', async () => {
    const { batchId, msgid, senders } = await sentBatch();
    // A window already holding 2 sends, long enough for the whole poll.
    await p.redis.set(limiterKey, '2', 'PX', 30_000);
    const before = await calls();
    await tracker.poll(batchId, msgid, p.clock.now());
    const made = (await calls()) - before;
    expect(made).toBe(1 + senders); // the task list, then one page per member
    expect(Number(await p.redis.get(limiterKey))).toBe(2 + made);
  });

  it('waits for the next window when sends have used this one up', async () => {
    const { batchId, msgid, senders } = await sentBatch();
    await p.redis.set(limiterKey, String(MAX_PER_SECOND), 'PX', 3_000);
    const before = await calls();
    const started = Date.now();
    const polling = tracker.poll(batchId, msgid, p.clock.now());
    // While the window is full, no call reaches WeCom.
    expect(Number(await p.redis.get(limiterKey))).toBe(MAX_PER_SECOND);
    expect(await calls()).toBe(before);
    await polling;
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect((await calls()) - before).toBe(1 + senders);
    // The calls were counted in a new one-second window (the full one is gone). On a loaded
    // machine the calls may span more than one window, so the last holds 1 to 1 + senders.
    const counted = Number(await p.redis.get(limiterKey));
    expect(counted).toBeGreaterThanOrEqual(1);
    expect(counted).toBeLessThanOrEqual(1 + senders);
    expect(await p.redis.pttl(limiterKey)).toBeLessThanOrEqual(1000);
  });
});
