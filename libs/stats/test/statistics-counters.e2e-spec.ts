import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactLedger } from '@app/contact-policy';
import { Clock, shanghaiInstant } from '@app/common';
import { DeliveryRepository, TrackDeliveryService } from '@app/pipeline';
import {
  PushStatisticsService,
  rate,
  RunStatsQuery,
  StatsIngest,
  StatsQuery,
  toFigures,
} from '@app/stats';
import type { GroupMsgSendResult } from '@app/wecom';
import { WorkerModule } from '../../../apps/worker/src/worker.module';
import { ruleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  startPipeline,
} from '../../../test/utils/pipeline';

const MINUTE = 60_000;

/** A small deterministic PRNG, so a failure can be reproduced. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The maintained statistics rows (wechat_push_batch_counts per batch and member; the daily
 * figures as run sums corrected for recipients pushed twice a day) must give exactly what the
 * outcome, attribution and delivery rows give (`fromRows`): after the rows are written, after
 * re-polls that move statuses and members, and after a worker died between storing results
 * and deriving them.
 */
describe('statistics counters stay equal to the figures computed from the rows', () => {
  let p: PipelineHarness;
  let stats: PushStatisticsService;

  beforeAll(async () => {
    p = await startPipeline({
      sim: { behaviour: { sendDelayMs: MINUTE } },
      env: {
        DELIVERY_POLL_DELAY_MINUTES: '0',
        DELIVERY_POLL_INTERVAL_MINUTES: '60',
        DELIVERY_POLL_MAX_HOURS: '72',
        REMIND_AFTER_MINUTES: '600',
        WECOM_MAX_CALLS_PER_SECOND: '200',
      },
    });
    stats = p.api.app.get(PushStatisticsService);
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

  /**
   * The figures without the counters: a day is `result` over that day alone (outcome and
   * attribution rows); a run's funnel comes from its outcome rows, its members' from its
   * delivery rows (status 1 sent, 2 not a friend, 3 over the cap).
   */
  const fromRows = {
    daily: async (q: StatsQuery) =>
      Promise.all(
        (await stats.daily(q)).map(async ({ day }) => ({
          day,
          ...(await stats.result({ ...q, startTime: day, endTime: day })),
        })),
      ),
    runs: async (q: RunStatsQuery) => {
      const page = await stats.runs(q);
      const data = await Promise.all(
        page.data.map(async (run) => {
          const [[funnel], [orders], members, tasks] = await Promise.all([
            p.db.query(
              `SELECT COUNT(*) AS push, SUM(failed) AS fail, SUM(failed = 0 AND best > 0) AS executed,
                      SUM(failed = 0 AND best = 3) AS delivered, SUM(failed = 0 AND best = 2) AS over_cap,
                      SUM(failed = 0 AND best = 1) AS not_friend
                 FROM (SELECT MIN(outcome) < 0 AS failed, MAX(outcome) AS best
                         FROM wechat_push_recipient_outcomes WHERE run_id = ?
                        GROUP BY recipient_key) per`,
              [run.runId],
            ),
            p.db.query(
              `SELECT COUNT(DISTINCT order_number) AS orders, COUNT(DISTINCT recipient_key) AS buyers
                 FROM wechat_push_attributions WHERE run_id = ? AND lag_seconds <= ?`,
              [run.runId, (q.attributionDays ?? 7) * 86_400],
            ),
            p.db.query(
              `SELECT sender_userid AS userid, COUNT(*) AS assigned, SUM(status IN (1, 2, 3)) AS executed,
                      SUM(status = 1) AS delivered, SUM(status = 2) AS not_friend, SUM(status = 3) AS over_cap
                 FROM wechat_push_deliveries
                WHERE run_id = ? AND accepted = 1 AND sender_userid IS NOT NULL
                GROUP BY sender_userid ORDER BY sender_userid`,
              [run.runId],
            ),
            p.db.query(
              `SELECT userid, SUM(status = 2) AS sent, SUM(reminded_at IS NOT NULL) AS reminded,
                      SUM(cancelled_at IS NOT NULL) AS cancelled
                 FROM wechat_push_member_tasks WHERE run_id = ? GROUP BY userid`,
              [run.runId],
            ),
          ]);
          const memberTasks = new Map(
            (tasks as Record<string, string>[]).map((t) => [t.userid, t]),
          );
          return {
            ...run,
            ...toFigures(funnel, orders),
            senders: (members as Record<string, string>[]).map((m) => ({
              userid: m.userid,
              assignedCount: Number(m.assigned),
              executedCount: Number(m.executed),
              deliveredCount: Number(m.delivered),
              notFriendCount: Number(m.not_friend),
              overCapCount: Number(m.over_cap),
              executionRate: rate(Number(m.executed), Number(m.assigned)),
              deliveryRate: rate(Number(m.delivered), Number(m.assigned)),
              sentTasks: Number(memberTasks.get(m.userid)?.sent ?? 0),
              remindedTasks: Number(memberTasks.get(m.userid)?.reminded ?? 0),
              cancelledTasks: Number(memberTasks.get(m.userid)?.cancelled ?? 0),
            })),
          };
        }),
      );
      return { ...page, data };
    },
  };

  /** Every call and scope, from the counters and from the rows, must agree to the last figure. */
  const expectSameAsFromRows = async (scopes: StatsQuery[]) => {
    for (const q of scopes) {
      expect(await stats.daily(q)).toEqual(await fromRows.daily(q));
      for (const name of q.name ? [q.name] : ['规则']) {
        const r = { ...q, name, pagesize: 100 };
        expect(await stats.runs(r)).toEqual(await fromRows.runs(r));
      }
    }
  };
  const countsOf = async () =>
    p.db.query(
      `SELECT batch_id, has_sender, sender_userid, recipients, failed, executed, delivered,
              not_friend, over_cap
         FROM wechat_push_batch_counts ORDER BY batch_id, has_sender, sender_userid`,
    );

  it('per-run, per-member and per-day figures equal the computed ones after writes and re-polls', async () => {
    const random = prng(20250401);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    // 40 customers, and 4 ids no customer row has (hashed recipient keys).
    const ids = Array.from({ length: 44 }, (_, i) => `ext-r-${String(i + 1).padStart(2, '0')}`);
    await p.db.query('INSERT INTO customers (id, name, external_userid) VALUES ?', [
      ids.slice(0, 40).map((ext, i) => [i + 1, `客户${i + 1}`, ext]),
    ]);
    // Three runs on 04-01 (two of one rule) sharing recipients, two on 04-02, one on 04-04.
    const runs = [
      { id: 1, pushId: 1, name: '规则甲', slotAt: ['2025-04-01', '09:00:00'] },
      { id: 2, pushId: 2, name: '规则乙', slotAt: ['2025-04-01', '12:00:00'] },
      { id: 3, pushId: 1, name: '规则甲', slotAt: ['2025-04-01', '20:00:00'] },
      { id: 4, pushId: 1, name: '规则甲', slotAt: ['2025-04-02', '09:00:00'] },
      { id: 5, pushId: 2, name: '规则乙', slotAt: ['2025-04-02', '23:59:00'] },
      { id: 6, pushId: 2, name: '规则乙', slotAt: ['2025-04-04', '10:00:00'] },
    ];
    const repo = p.worker.get(DeliveryRepository);
    const batches: { id: number; accepted: string[]; all: string[] }[] = [];
    let batchId = 0;
    for (const run of runs) {
      const slotAt = shanghaiInstant(run.slotAt[0], run.slotAt[1]);
      await p.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, NOW(), NOW())`,
        [run.id, run.pushId, slotAt, run.name],
      );
      const audience = ids.filter(() => random() < 0.55);
      const cut = Math.floor(audience.length / 2);
      for (const [no, recipients] of [audience.slice(0, cut), audience.slice(cut)].entries()) {
        batchId++;
        const failList = recipients.filter(() => random() < 0.15);
        await p.db.query(
          `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
             msgid, fail_list, fail_count, finished_at, created_at, updated_at)
           VALUES (?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?, NOW(), NOW())`,
          [
            batchId,
            run.id,
            no + 1,
            recipients.length,
            JSON.stringify(recipients),
            `msg-${batchId}`,
            JSON.stringify(failList),
            failList.length,
            new Date(slotAt.getTime() + 5_000),
          ],
        );
        expect(await repo.createTask(batchId, new Date(), new Date(), 75)).toBe(true);
        await repo.writeRows(batchId, new Date());
        batches.push({
          id: batchId,
          all: recipients,
          accepted: recipients.filter((r) => !failList.includes(r)),
        });
      }
    }
    // The fixture must exercise the correction: recipients pushed twice on a day, by one rule
    // and across rules.
    const [{ repeats }] = await p.db.query(
      `SELECT COUNT(*) AS repeats FROM (SELECT recipient_key FROM wechat_push_deliveries
         WHERE run_day = '2025-04-01' GROUP BY recipient_key HAVING COUNT(DISTINCT push_id) > 1
            AND COUNT(*) > 2) x`,
    );
    expect(Number(repeats)).toBeGreaterThan(0);
    // Orders of some recipients within and outside the window.
    await p.db.query(
      'INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time) VALUES ?',
      [
        Array.from({ length: 30 }, (_, i) => [
          i + 1,
          `RO${i % 25}`,
          i % 7 === 0 ? `${(i % 40) + 1},${((i * 3) % 40) + 1}` : String((i % 40) + 1),
          shanghaiInstant('2025-04-01', '09:30:00').getTime() + i * 7 * 3600_000,
        ]).map(([id, no, users, t]) => [id, no, users, new Date(t as number)]),
      ],
    );
    const scopes: StatsQuery[] = [
      { startTime: '2025-03-31', endTime: '2025-04-05' },
      { name: '甲', startTime: '2025-04-01', endTime: '2025-04-04' },
      { name: '乙', startTime: '2025-04-01 11:00:00', endTime: '2025-04-02 23:59:00' },
      { startTime: '2025-04-01', endTime: '2025-04-01', attributionDays: 1 },
    ];

    // Rows written, nothing polled yet.
    await expectSameAsFromRows(scopes);

    const members = ['zhangsan', 'lisi', 'wangwu'];
    const poll = async (round: number) => {
      let changed = 0;
      for (const b of batches) {
        // WeCom lists the accepted recipients, sometimes not all of them yet, and (rarely) an
        // id from the fail_list.
        const listed = b.all.filter((ext) =>
          b.accepted.includes(ext) ? random() < 0.85 : random() < 0.2,
        );
        const page: GroupMsgSendResult[] = listed.map((ext) => ({
          external_userid: ext,
          userid: pick(members),
          status: pick([0, 0, 1, 1, 1, 2, 3] as const),
        }));
        const n = await repo.applyResults(b.id, page, new Date());
        changed += n;
        const [task] = await p.db.query(
          'SELECT stats_dirty FROM wechat_push_delivery_tasks WHERE batch_id = ?',
          [b.id],
        );
        expect(Number(task.stats_dirty)).toBe(n > 0 ? 1 : 0);
        expect(await repo.refreshStatistics(b.id)).toBe(n > 0);
      }
      expect(changed).toBeGreaterThan(0);
      return round;
    };
    for (const round of [1, 2]) {
      await poll(round);
      await expectSameAsFromRows(scopes);
    }
    // Nothing left to derive: a refresh without new results does nothing.
    const before = await countsOf();
    for (const b of batches) expect(await repo.refreshStatistics(b.id)).toBe(false);
    expect(await countsOf()).toEqual(before);
    // Each batch's counters add up to its delivery rows.
    const [sums] = await p.db.query(
      `SELECT (SELECT SUM(recipients) FROM wechat_push_batch_counts) AS counted,
              (SELECT COUNT(*) FROM wechat_push_deliveries) AS rows_n`,
    );
    expect(Number(sums.counted)).toBe(Number(sums.rows_n));
  }, 180_000);

  it('two runs of one day derived at once: their shared recipients count once that day', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `ext-c-${String(i + 1).padStart(2, '0')}`);
    await p.db.query('INSERT INTO customers (id, name, external_userid) VALUES ?', [
      ids.map((ext, i) => [i + 1, `客户${i + 1}`, ext]),
    ]);
    // Run 1 pushes 1–20, run 2 pushes 11–30 on the same day: 10 shared recipients.
    const audiences = [ids.slice(0, 20), ids.slice(10)];
    const repos = [
      p.worker.get(DeliveryRepository),
      new DeliveryRepository(p.db, new StatsIngest(p.db), new ContactLedger(p.db)),
    ];
    for (const [i, recipients] of audiences.entries()) {
      const slotAt = shanghaiInstant('2025-05-06', `1${i}:00:00`);
      await p.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, NOW(), NOW())`,
        [i + 1, i + 1, slotAt, `同日${i + 1}`],
      );
      await p.db.query(
        `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
           msgid, fail_list, fail_count, finished_at, created_at, updated_at)
         VALUES (?, ?, 1, 'sent', ?, ?, ?, '[]', 0, ?, NOW(), NOW())`,
        [i + 1, i + 1, recipients.length, JSON.stringify(recipients), `msg-c-${i}`, slotAt],
      );
      expect(await repos[i].createTask(i + 1, new Date(), new Date(), 75)).toBe(true);
    }
    // Both batches' rows and statistics are derived at the same time, by two "workers".
    await Promise.all(repos.map((repo, i) => repo.writeRows(i + 1, new Date())));
    const [{ n }] = await p.db.query('SELECT COUNT(*) AS n FROM wechat_push_day_repeats');
    expect(Number(n)).toBe(10);
    const q = { startTime: '2025-05-06', endTime: '2025-05-06' };
    const [day] = await stats.daily(q);
    expect(day).toMatchObject({ pushCount: 30, successCount: 30 });
    expect(await stats.daily(q)).toEqual(await fromRows.daily(q));
  });

  it('a worker that died after storing results but before deriving them: the next poll derives them', async () => {
    await seedBuyers(p.db, 6, { daysAgo: 35, prefix: 'rs' });
    const name = '重启统计';
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
    const [batch] = await eventually<{ id: number }[]>(
      async () => {
        const [run] = await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
        return run?.state === 'completed'
          ? p.db.query("SELECT id FROM wechat_push_batches WHERE run_id = ? AND state = 'sent'", [
              runId,
            ])
          : undefined;
      },
      30_000,
      'run sent',
    );
    const batchId = Number(batch.id);
    // The first poll (the queue job) finds every member yet to send: 6 recipients at 0.
    await eventually(
      async () => {
        const [t] = await p.db.query(
          'SELECT polls FROM wechat_push_delivery_tasks WHERE batch_id = ?',
          [batchId],
        );
        return t && t.polls >= 1;
      },
      15_000,
      'first poll',
    );
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
      p.clock.now(),
    );
    const scope = { name, startTime: today, endTime: today };
    const executed = async () => ({
      result: (await stats.result(scope)).executedCount,
      runs: (await stats.runs(scope)).data[0].executedCount,
      members: (await stats.runs(scope)).data[0].senders.reduce((n, s) => n + s.executedCount, 0),
      daily: (await stats.daily(scope))[0].executedCount,
    });
    expect(await executed()).toEqual({ result: 0, runs: 0, members: 0, daily: 0 });

    // Members send; the worker stores the results and dies before deriving the statistics.
    await p.sim.advanceClock(MINUTE + 1_000);
    p.clock.setNow(new Date(p.clock.now().getTime() + 60 * MINUTE));
    const repo = p.worker.get(DeliveryRepository);
    const crash = jest
      .spyOn(repo, 'refreshStatistics')
      .mockRejectedValueOnce(new Error('worker killed'));
    await expect(p.worker.get(TrackDeliveryService).track(batchId)).rejects.toThrow(
      'worker killed',
    );
    crash.mockRestore();
    const [{ sent }] = await p.db.query(
      'SELECT SUM(status = 1) AS sent FROM wechat_push_deliveries WHERE batch_id = ?',
      [batchId],
    );
    expect(Number(sent)).toBe(6);
    expect(await executed()).toEqual({ result: 0, runs: 0, members: 0, daily: 0 }); // behind

    // A new worker polls: WeCom reports nothing new, yet the statistics catch up.
    const ref = await Test.createTestingModule({ imports: [WorkerModule] })
      .overrideProvider(Clock)
      .useValue(p.clock)
      .compile();
    ref.useLogger(false);
    const restarted: INestApplicationContext = await ref.init();
    try {
      expect(await restarted.get(TrackDeliveryService).track(batchId)).toBe('final');
    } finally {
      await restarted.close();
    }
    expect(await executed()).toEqual({ result: 6, runs: 6, members: 6, daily: 6 });
    const [task] = await p.db.query(
      'SELECT stats_dirty FROM wechat_push_delivery_tasks WHERE batch_id = ?',
      [batchId],
    );
    expect(Number(task.stats_dirty)).toBe(0);
    await expectSameAsFromRows([scope]);
  });
});
