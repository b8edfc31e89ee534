import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Clock } from '@app/common';
import { ContactLedger } from '@app/contact-policy';
import { DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { TrackDeliveryService } from '@app/pipeline';
import { WorkerModule } from '../../../apps/worker/src/worker.module';
import { fnv1a32 } from '../../../apps/wecom-simulator/src/simulator-state.service';
import { ruleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  startPipeline,
} from '../../../test/utils/pipeline';

const SEND_RESULT = 'externalcontact/get_groupmsg_send_result';
const TASK = 'externalcontact/get_groupmsg_task';
const MINUTE = 60_000;

interface TaskRow {
  batch_id: number;
  state: string;
  polls: number;
  last_error: string | null;
  pending_senders: number | null;
}

/**
 * Delivery tracking against the simulator (SPEC §6 last point): the worker's first poll runs
 * as a queue job right after the send (DELIVERY_POLL_DELAY_MINUTES=0); later polls are made
 * by calling the tracking service, with the simulator's clock (delivery schedule, reminder
 * window) and the app's OffsetClock moved forward instead of waiting.
 */
describe('delivery tracking: per-recipient results, paging, reminders', () => {
  let p: PipelineHarness;
  let tracker: TrackDeliveryService;

  beforeAll(async () => {
    p = await startPipeline({
      sim: { behaviour: { sendDelayMs: MINUTE } },
      env: {
        DELIVERY_POLL_DELAY_MINUTES: '0',
        DELIVERY_POLL_INTERVAL_MINUTES: '60',
        DELIVERY_POLL_MAX_HOURS: '72',
        REMIND_AFTER_MINUTES: '60',
        REMIND_MAX_PER_DAY: '3',
        WECOM_MAX_CALLS_PER_SECOND: '200',
      },
    });
    tracker = p.worker.get(TrackDeliveryService);
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

  const pushOnce = async (name: string) => {
    const create = await p.api.post(
      '/wechatpush/create',
      ruleBody({
        name,
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
    const [rule] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    const trigger = await p.api.post('/wechatpush/trigger', { id: Number(rule.id) });
    expect(trigger.status).toBe(200);
    const runId = trigger.body.data.runId as number;
    const batches: { id: number; msgid: string }[] = await eventually(
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
    return { runId, batches };
  };
  const taskOf = async (batchId: number): Promise<TaskRow> =>
    (await p.db.query('SELECT * FROM wechat_push_delivery_tasks WHERE batch_id = ?', [batchId]))[0];
  const statuses = async (batchId: number) => {
    const rows: { external_userid: string; status: number | null; send_time: Date | null }[] =
      await p.db.query(
        'SELECT external_userid, status, send_time FROM wechat_push_deliveries WHERE batch_id = ?',
        [batchId],
      );
    return new Map(rows.map((r) => [r.external_userid, r]));
  };
  const later = (ms: number) => p.clock.setNow(new Date(p.clock.now().getTime() + ms));

  it('moves each recipient 0 → 1/2/3 as members send, storing every status once; 41063 means later', async () => {
    await p.sim.setBehaviour({
      dispatchDelayMs: 30_000,
      notFriendPattern: '-nf-',
      lostFriendPattern: '-lost-',
      overCapPattern: '-cap-',
    });
    await seedBuyers(p.db, 5, { daysAgo: 35, prefix: 'ok' });
    await seedBuyers(p.db, 2, { daysAgo: 35, prefix: 'lost', firstId: 100 });
    await seedBuyers(p.db, 2, { daysAgo: 35, prefix: 'cap', firstId: 200 });
    await seedBuyers(p.db, 1, { daysAgo: 35, prefix: 'nf', firstId: 300 });
    const { runId, batches } = await pushOnce('送达跟踪');
    expect(batches).toHaveLength(1);
    const batchId = Number(batches[0].id);

    // The tracking job writes the rows at once; its first poll meets 41063.
    const first = await eventually(
      async () => {
        const t = await taskOf(batchId);
        return t && t.polls >= 1 ? t : undefined;
      },
      15_000,
      'first poll',
    );
    expect(first).toMatchObject({ state: 'tracking' });
    expect(first.last_error).toMatch(/41063/);
    expect((await statuses(batchId)).size).toBe(10);
    expect([...(await statuses(batchId)).values()].every((r) => r.status === null)).toBe(true);

    await p.sim.advanceClock(31_000); // dispatched, nobody has sent yet
    expect(await tracker.track(batchId)).toMatchObject({ nextInMs: expect.any(Number) }); // not due
    later(MINUTE); // "try later" waits a minute
    expect(await tracker.track(batchId)).toEqual({ nextInMs: 60 * MINUTE });
    let rows = await statuses(batchId);
    expect(rows.get('ext-nf-000300')?.status).toBeNull(); // in fail_list: WeCom lists it nowhere
    expect([...rows.values()].filter((r) => r.status === 0)).toHaveLength(9);

    await p.sim.advanceClock(MINUTE); // every member sent
    later(60 * MINUTE);
    expect(await tracker.track(batchId)).toBe('final');
    rows = await statuses(batchId);
    const statusOf = (prefix: string) =>
      [...rows.entries()].filter(([id]) => id.includes(`-${prefix}-`)).map(([, r]) => r.status);
    expect(statusOf('ok')).toEqual([1, 1, 1, 1, 1]);
    expect(statusOf('lost')).toEqual([2, 2]);
    expect(statusOf('cap')).toEqual([3, 3]);
    expect(
      [...rows.entries()].filter(([, r]) => r.send_time !== null).map(([id]) => id),
    ).toHaveLength(5);
    const [{ n }] = await p.db.query(
      'SELECT COUNT(*) AS n FROM wechat_push_deliveries WHERE batch_id = ?',
      [batchId],
    );
    expect(Number(n)).toBe(10);
    expect(await taskOf(batchId)).toMatchObject({ state: 'final', pending_senders: 0 });

    // A final task is not polled again.
    const calls = await p.sim.requests(SEND_RESULT);
    expect(await tracker.track(batchId)).toBe('final');
    expect(await p.sim.requests(SEND_RESULT)).toBe(calls);

    // The run's day, not the moved clock's: pushed late in the evening, the clock is tomorrow by now.
    const [{ day }] = await p.db.query(
      "SELECT DATE_FORMAT(slot_at, '%Y-%m-%d') AS day FROM wechat_push_runs WHERE id = ?",
      [runId],
    );
    const stats = await p.api.post('/statistic/wechatpush/result', {
      name: '送达跟踪',
      startTime: day,
      endTime: day,
    });
    expect(stats.body.data).toMatchObject({
      pushCount: 10,
      failCount: 1,
      successCount: 9,
      executedCount: 9,
      deliveredCount: 5,
      notFriendCount: 2,
      overCapCount: 2,
    });
  });

  it('pages through every member and every page: 3 senders × 2,500 results', async () => {
    const bySender = new Map<string, string[]>(['zhangsan', 'lisi', 'wangwu'].map((s) => [s, []]));
    const senders = [...bySender.keys()];
    // The simulator assigns a customer to a member by a hash of the id (its own function);
    // pick 2,500 per member.
    for (let i = 0; [...bySender.values()].some((l) => l.length < 2_500); i++) {
      const id = `ext-pg-${String(i).padStart(6, '0')}`;
      const list = bySender.get(senders[fnv1a32(id) % senders.length]) as string[];
      if (list.length < 2_500) list.push(id);
    }
    const ids = [...bySender.values()].flat();
    const orderAt = new Date(Date.now() - 35 * 86_400_000);
    await p.db.query('INSERT INTO customers (id, name, external_userid) VALUES ?', [
      ids.map((id, i) => [i + 1, id, id]),
    ]);
    await p.db.query(
      'INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time) VALUES ?',
      [ids.map((_, i) => [i + 1, `PG${i + 1}`, String(i + 1), orderAt])],
    );
    const { batches } = await pushOnce('分页');
    expect(batches).toHaveLength(1);
    const batchId = Number(batches[0].id);
    const ledger = (await p.sim.messages()).find((m) => m.msgid === batches[0].msgid);
    expect(ledger?.senders.map((s) => [s.userid, s.externalUserIds.length]).sort()).toEqual(
      senders.map((s) => [s, 2_500]).sort(),
    );
    await eventually(async () => (await taskOf(batchId))?.polls >= 1, 15_000, 'first poll');

    await p.sim.advanceClock(MINUTE + 1_000);
    later(60 * MINUTE);
    const [taskCalls, resultCalls] = [
      await p.sim.requests(TASK),
      await p.sim.requests(SEND_RESULT),
    ];
    expect(await tracker.track(batchId)).toBe('final');
    expect(await p.sim.requests(TASK)).toBe(taskCalls + 1);
    expect(await p.sim.requests(SEND_RESULT)).toBe(resultCalls + 9); // 3 pages of ≤ 1,000 each
    const perSender: { sender_userid: string; n: string; sent: string }[] = await p.db.query(
      `SELECT sender_userid, COUNT(*) AS n, SUM(status = 1) AS sent FROM wechat_push_deliveries
        WHERE batch_id = ? GROUP BY sender_userid ORDER BY sender_userid`,
      [batchId],
    );
    expect(perSender.map((r) => [r.sender_userid, Number(r.n), Number(r.sent)])).toEqual(
      [...senders].sort().map((s) => [s, 2_500, 2_500]),
    );
    // Each stored row matches the member the simulator assigned it to.
    const rows: { external_userid: string; sender_userid: string }[] = await p.db.query(
      'SELECT external_userid, sender_userid FROM wechat_push_deliveries WHERE batch_id = ?',
      [batchId],
    );
    for (const r of rows) expect(bySender.get(r.sender_userid)).toContain(r.external_userid);
  });

  it('reminds members who have not sent at most 3 times per 24 h, across a worker restart and concurrent replicas', async () => {
    // Lazy members send only after a reminder, and then only 48 h later: they stay pending.
    await p.sim.setBehaviour({ lazySenderPattern: '.*', sendDelayMs: 48 * 3600_000 });
    await seedBuyers(p.db, 6, { daysAgo: 35, prefix: 'lazy' });
    const { batches } = await pushOnce('提醒');
    const batchId = Number(batches[0].id);
    const msgid = batches[0].msgid;
    await eventually(async () => (await taskOf(batchId))?.polls >= 1, 15_000, 'first poll');
    const reminders = async () => {
      const [{ n }] = await p.db.query(
        'SELECT COUNT(*) AS n FROM wechat_push_reminders WHERE batch_id = ?',
        [batchId],
      );
      const ledger = (await p.sim.messages()).find((m) => m.msgid === msgid);
      return { ours: Number(n), wecom: ledger?.reminders };
    };
    const startWorker = async (): Promise<INestApplicationContext> => {
      const ref = await Test.createTestingModule({ imports: [WorkerModule] })
        .overrideProvider(Clock)
        .useValue(p.clock)
        .compile();
      ref.useLogger(false);
      return ref.init();
    };

    expect(await reminders()).toEqual({ ours: 0, wecom: 0 }); // not yet REMIND_AFTER_MINUTES old
    let worker = await startWorker();
    try {
      for (const expected of [1, 2]) {
        later(61 * MINUTE);
        await worker.get(TrackDeliveryService).track(batchId);
        expect(await reminders()).toEqual({ ours: expected, wecom: expected });
      }
      // Too soon after the last reminder: none.
      await worker.get(TrackDeliveryService).track(batchId);
      expect(await reminders()).toEqual({ ours: 2, wecom: 2 });
    } finally {
      await worker.close();
    }

    worker = await startWorker(); // the restarted worker knows only what MySQL knows
    try {
      later(61 * MINUTE);
      // Two replicas poll at once: one reminder between them.
      await Promise.all([worker.get(TrackDeliveryService).track(batchId), tracker.track(batchId)]);
      expect(await reminders()).toEqual({ ours: 3, wecom: 3 });
      for (let i = 0; i < 3; i++) {
        later(61 * MINUTE);
        await worker.get(TrackDeliveryService).track(batchId);
      }
      expect(await reminders()).toEqual({ ours: 3, wecom: 3 });
      // We stopped ourselves: WeCom never had to refuse one (41094).
      expect(
        (await p.sim.stats()).outcomes['externalcontact/remind_groupmsg_send'],
      ).not.toHaveProperty('41094');

      // A day after the first one, one more is allowed (by us and by WeCom).
      later(24 * 60 * MINUTE - 5 * 61 * MINUTE + MINUTE);
      await p.sim.advanceClock(24 * 3600_000);
      await worker.get(TrackDeliveryService).track(batchId);
      expect(await reminders()).toEqual({ ours: 4, wecom: 4 });
      expect(await taskOf(batchId)).toMatchObject({ state: 'tracking' });
    } finally {
      await worker.close();
    }
  });

  it('a task that expires with recipients still at 0 gives their contact reservations back (not_sent)', async () => {
    // Members never send within the tracking window.
    await p.sim.setBehaviour({ lazySenderPattern: '.*', sendDelayMs: 1000 * 3600_000 });
    const ids = await seedBuyers(p.db, 6, { daysAgo: 35, prefix: 'unsent' });
    const { batches } = await pushOnce('过期');
    const batchId = Number(batches[0].id);
    await eventually(async () => (await taskOf(batchId))?.polls >= 1, 15_000, 'first poll');
    const ledger = async () =>
      (
        await p.db.query(
          `SELECT l.released, l.release_reason AS reason, COUNT(*) AS n,
                  SUM(FIND_IN_SET(l.batch_id, s.recent) > 0) AS live
             FROM contact_ledger l JOIN contact_state s ON s.external_userid = l.external_userid
            WHERE l.batch_id = ? GROUP BY l.released, l.release_reason`,
          [batchId],
        )
      ).map((r: { released: number; reason: string | null; n: number; live: number }) => [
        r.released,
        r.reason,
        Number(r.n),
        Number(r.live),
      ]);
    expect(await ledger()).toEqual([[0, null, 6, 6]]);

    later(73 * 60 * MINUTE); // past DELIVERY_POLL_MAX_HOURS (72)
    expect(await tracker.track(batchId)).toBe('expired');
    // Given back, and gone from the customers' live contacts: the caps no longer count them.
    expect(await ledger()).toEqual([[1, 'not_sent', 6, 0]]);
    const check = await p.worker
      .get(ContactLedger)
      .check(
        p.db,
        ids,
        DEFAULT_CONTACT_POLICY,
        { pushId: 999_999, cooldownDays: 0, capExempt: false },
        p.clock.now(),
      );
    expect(check.allowed).toEqual(ids);
  });

  it('re-creates a tracking job Redis lost, and a task for a batch sent just before a crash', async () => {
    await seedBuyers(p.db, 3, { daysAgo: 35, prefix: 'rc' });
    const { batches } = await pushOnce('恢复');
    const batchId = Number(batches[0].id);
    await eventually(async () => (await taskOf(batchId))?.polls >= 1, 15_000, 'first poll');
    expect(await p.flushRedis()).toBeGreaterThan(0);
    // As if the sender died between markSent and the hook: no task, no rows.
    await p.db.query('DELETE FROM wechat_push_delivery_tasks WHERE batch_id = ?', [batchId]);
    await p.db.query('DELETE FROM wechat_push_deliveries WHERE batch_id = ?', [batchId]);
    const report = await p.scheduler.reconcile(p.clock.now());
    expect(report.deliveries).toBe(1);
    await eventually(
      async () => (await taskOf(batchId))?.polls >= 1,
      15_000,
      'poll after reconcile',
    );
    expect((await statuses(batchId)).size).toBe(3);
    // Reconciling again finds the job present.
    expect((await p.scheduler.reconcile(p.clock.now())).deliveries).toBe(0);
  });
});
