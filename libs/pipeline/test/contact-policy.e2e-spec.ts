import { formatClockTime, formatDate, weekDay } from '@app/common';
import { ExclusionCounts } from '@app/contracts';
import { DeliveryRepository, JobName, PipelineQueues, QueueName, slotJobId } from '@app/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
  startPipeline,
} from '../../../test/utils/pipeline';

/**
 * The contact policy end to end (issue 16): real api, worker, MariaDB, Redis and the WeCom
 * simulator, whose ledger is the proof of who received what.
 */
describe('contact policy: every rule obeys the customer-level caps, cooldowns and opt-outs', () => {
  let p: PipelineHarness;

  beforeAll(async () => {
    p = await startPipeline({ env: { PUSH_BATCH_SIZE: '100', WORKER_CONCURRENCY: '4' } });
  });
  beforeEach(async () => {
    await resetPipelineTables(p.db);
    await p.flushRedis();
    await p.sim.reset();
    // A fixed weekday morning (Shanghai), so days and weeks are predictable.
    p.clock.setNow(new Date('2026-12-07T02:00:20Z')); // Monday 10:00:20 Shanghai
  });
  afterAll(async () => {
    await p?.close();
  });

  /** The next minute: rules get their slot there, so the scheduler does not fire it first. */
  const nextMinute = () => new Date(Math.floor(p.clock.now().getTime() / 60_000) * 60_000 + 60_000);
  const createRule = async (name: string, at: Date, extra: Record<string, unknown> = {}) => {
    const body = plainRuleBody({
      name,
      content: `内容-${name}`,
      startDate: '2020-01-01',
      endDate: '2099-12-31',
      weekDayPushTime: [{ week: weekDay(at), time: formatClockTime(at) }],
      ...extra,
    });
    const res = await p.api.post('/wechatpush/create', body);
    expect(res.status).toBe(200);
    const [row] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    return Number(row.id);
  };
  /** Moves the clock into the slot's minute. */
  const reach = (slot: Date) => p.clock.setNow(new Date(slot.getTime() + 20_000));
  /** Runs the scheduled slot now (the scheduler's delayed job, promoted, or a new one). */
  const fireSlot = async (pushId: number, slot: Date) => {
    const payload = { pushId, kind: 'scheduled' as const, slotAt: slot.toISOString() };
    const queues = p.worker.get(PipelineQueues);
    await queues.ensure(JobName.FIRE_SLOT, slotJobId(payload), payload);
    const job = await queues.queue(QueueName.SLOT).getJob(slotJobId(payload));
    if (job && (await job.getState()) === 'delayed') await job.promote();
  };
  type Run = { id: number; state: string; reason: string | null; audience_count: number | null };
  const runOf = (pushId: number) =>
    eventually(
      async () => {
        const rows: (Run & { excluded: string | null })[] = await p.db.query(
          'SELECT * FROM wechat_push_runs WHERE push_id = ? ORDER BY id DESC LIMIT 1',
          [pushId],
        );
        const r = rows[0];
        return r && ['completed', 'skipped', 'failed', 'cancelled'].includes(r.state)
          ? { ...r, excluded: r.excluded ? (JSON.parse(r.excluded) as ExclusionCounts) : null }
          : undefined;
      },
      60_000,
      `run of rule ${pushId} finished`,
    );
  const received = async () => {
    const per = new Map<string, string[]>();
    for (const m of await p.sim.messages()) {
      const text = (m.text as { content?: string } | null)?.content ?? '';
      for (const id of m.externalUserIds) per.set(id, [...(per.get(id) ?? []), text]);
    }
    return per;
  };
  const none = {
    noOwner: 0,
    unreachable: 0,
    suppressed: 0,
    cooldown: 0,
    gap: 0,
    dayCap: 0,
    weekCap: 0,
    wecomCap: 0,
  };

  it('three overlapping rules in one minute: each customer once that day, the higher priority first; a day later the gap, then the week cap', async () => {
    // 150 customers who bought 35 days ago, 150 who bought 41 days ago.
    await seedBuyers(p.db, 150, { daysAgo: 35, now: p.clock.now() });
    await seedBuyers(p.db, 150, { daysAgo: 41, now: p.clock.now(), prefix: 'o', firstId: 1_001 });
    const slot = nextMinute();
    const wide = await createRule('宽', slot, {
      lastOrderDay: 30,
      lastOrderDayLimit: 45,
      priority: 1,
    });
    const recent = await createRule('近', slot, {
      lastOrderDay: 30,
      lastOrderDayLimit: 38,
      priority: 2,
    });
    const older = await createRule('远', slot, {
      lastOrderDay: 38,
      lastOrderDayLimit: 45,
      priority: 3,
    });
    reach(slot);
    // Lowest priority first: the lower ones wait for the higher selections of the minute.
    for (const id of [older, recent, wide]) await fireSlot(id, slot);
    const [rw, rr, ro] = [await runOf(wide), await runOf(recent), await runOf(older)];
    expect([rw.state, rr.state, ro.state]).toEqual(['completed', 'completed', 'completed']);
    expect(rw.audience_count).toBe(300);
    expect(rw.excluded).toEqual(none);
    expect(rr.audience_count).toBe(0);
    // Contacted minutes ago: the gap (48 h) is the first reason that applies, before the day cap.
    expect(rr.excluded).toEqual({ ...none, gap: 150 });
    expect(ro.excluded).toEqual({ ...none, gap: 150 });
    const first = await received();
    expect(first.size).toBe(300);
    expect([...first.values()].every((texts) => texts.length === 1)).toBe(true);

    // A day later: another rule (no cooldown of its own) — everyone was contacted < 48 h ago.
    p.clock.setNow(new Date(p.clock.now().getTime() + 86_400_000));
    const slot2 = nextMinute();
    const nextDay = await createRule('次日', slot2, { lastOrderDay: 30, lastOrderDayLimit: 50 });
    reach(slot2);
    await fireSlot(nextDay, slot2);
    expect((await runOf(nextDay)).excluded).toEqual({ ...none, gap: 300 });

    // Three days after the first send the gap has passed; with at most 1 a week, the week cap.
    await setPolicy(p.db, { maxPerWeek: 1 });
    p.clock.setNow(new Date(p.clock.now().getTime() + 2 * 86_400_000));
    const slot3 = nextMinute();
    const later = await createRule('三日后', slot3, { lastOrderDay: 30, lastOrderDayLimit: 50 });
    reach(slot3);
    await fireSlot(later, slot3);
    expect((await runOf(later)).excluded).toEqual({ ...none, weekCap: 300 });
    expect((await received()).size).toBe(300);
    expect((await p.sim.messages()).flatMap((m) => m.externalUserIds)).toHaveLength(300);
  }, 180_000);

  it('a suppressed customer is never sent; a status-2 customer is counted unreachable and not sent again', async () => {
    const ids = await seedBuyers(p.db, 20, { daysAgo: 40, now: p.clock.now() });
    const add = await p.api.post('/suppression/add', { externalUserIds: [ids[0]], reason: '投诉' });
    expect(add.body.data).toEqual({ changed: 1, unchanged: 0 });
    const slot = nextMinute();
    const first = await createRule('首次', slot, { cooldownDays: 0 });
    reach(slot);
    await fireSlot(first, slot);
    const r1 = await runOf(first);
    expect(r1.excluded).toEqual({ ...none, suppressed: 1 });
    expect((await received()).has(ids[0])).toBe(false);
    // WeCom answers "not a friend" for ids[1] (as delivery tracking stores it).
    const [batch] = await p.db.query('SELECT id FROM wechat_push_batches WHERE run_id = ?', [
      r1.id,
    ]);
    await p.worker.get(DeliveryRepository).writeRows(Number(batch.id), p.clock.now());
    await p.worker
      .get(DeliveryRepository)
      .applyResults(
        Number(batch.id),
        [{ external_userid: ids[1], userid: 'zhangsan', status: 2 }],
        p.clock.now(),
      );
    // Four days later (gap and cooldown passed), the same audience again.
    p.clock.setNow(new Date(p.clock.now().getTime() + 4 * 86_400_000));
    const slot2 = nextMinute();
    const again = await createRule('再次', slot2);
    reach(slot2);
    await fireSlot(again, slot2);
    const r2 = await runOf(again);
    expect(r2.excluded).toEqual({ ...none, suppressed: 1, unreachable: 1 });
    const perCustomer = await received();
    expect(perCustomer.has(ids[0])).toBe(false);
    expect(perCustomer.get(ids[1])).toEqual(['内容-首次']);
    expect(perCustomer.get(ids[2])).toEqual(['内容-首次', '内容-再次']);
  }, 120_000);

  it("preview's breakdown equals what the run then excludes; blackout dates and quiet hours skip scheduled slots", async () => {
    const ids = await seedBuyers(p.db, 30, { daysAgo: 40, now: p.clock.now() });
    await p.api.post('/suppression/add', { externalUserIds: ids.slice(0, 2) });
    const slot = nextMinute();
    // `a` is triggered by hand; its slot is in another hour, so the scheduler leaves it be.
    const a = await createRule('先发', new Date(slot.getTime() - 3 * 3600_000), {
      cooldownDays: 0,
    });
    const b = await createRule('后发', slot);
    // `a` reaches ids[2..11] only: the others' orders are moved out of its window for it.
    await p.db.query('UPDATE youzan_orders SET order_creation_time = ? WHERE id > 12', [
      new Date(p.clock.now().getTime() - 60 * 86_400_000),
    ]);
    expect((await p.api.post('/wechatpush/trigger', { id: a })).status).toBe(200);
    expect((await runOf(a)).excluded).toEqual({ ...none, suppressed: 2 });
    await p.db.query('UPDATE youzan_orders SET order_creation_time = ?', [
      new Date(p.clock.now().getTime() - 40 * 86_400_000),
    ]);
    const preview = await p.api.post('/wechatpush/preview', { id: b });
    expect(preview.status).toBe(200);
    // Contacted minutes ago by `a`: the gap is the first reason that applies.
    expect(preview.body.data.excluded).toEqual({ ...none, suppressed: 2, gap: 10 });
    expect(preview.body.data.count).toBe(18);
    reach(slot);
    await fireSlot(b, slot);
    const rb = await runOf(b);
    expect(rb.excluded).toEqual(preview.body.data.excluded);
    expect(rb.audience_count).toBe(preview.body.data.count);

    // Blackout today: the next scheduled slot is skipped with the reason.
    await setPolicy(p.db, { blackoutDates: [formatDate(p.clock.now())] });
    const slot2 = nextMinute();
    const c = await createRule('禁发日', slot2);
    reach(slot2);
    await fireSlot(c, slot2);
    const rc = await runOf(c);
    expect(rc.state).toBe('skipped');
    expect(rc.reason).toMatch(/blackout date/);
  }, 120_000);
});
