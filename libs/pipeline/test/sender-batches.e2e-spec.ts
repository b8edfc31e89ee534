import { Clock } from '@app/common';
import { ContactIdentityService } from '@app/identity';
import { TaskDeadlineService } from '@app/pipeline';
import { FollowStore } from '../../wecom-callbacks/src/contacts/follow-store';
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

const HOUR = 3600_000;
/** Small batches, so one store guide's customers span several pages and several batches. */
const BATCH = 4;

/**
 * Issue 22's sender: a rule with `senderMode: owner` sends each customer through their own
 * store guide (`customers.owner_userid`, as the WeCom contacts work records it from the follow
 * relations: the earliest follow's member, unless one was named). Real api + worker, MariaDB,
 * Redis and the WeCom simulator; owners are set by the contacts' own FollowStore.
 */
describe('per-sender batches (senderMode owner)', () => {
  let p: PipelineHarness;
  const follows = new FollowStore(new ContactIdentityService(new Clock()));

  beforeAll(async () => {
    p = await startPipeline({ env: { PUSH_BATCH_SIZE: String(BATCH) } });
  });
  beforeEach(async () => {
    await p.quiesce();
    await resetPipelineTables(p.db);
    await setPolicy(p.db, PERMISSIVE_POLICY);
    await p.flushRedis();
    await p.sim.reset();
    p.clock.setNow(new Date());
  });
  afterAll(async () => {
    await p?.close();
  });

  /** Follow relations as WeCom listed them, `hoursAgo` giving each follow's add time. */
  const follow = (externalUserId: string, userid: string, hoursAgo: number) => ({
    externalUserId,
    userid,
    at: new Date(),
    active: true,
    info: {
      remark: '',
      description: '',
      state: '',
      remarkMobiles: [],
      addedAt: new Date(Date.now() - hoursAgo * HOUR),
      tagIds: [],
    },
  });

  /**
   * 9 customers of zhangsan, 3 of lisi; 2 followed by wangwu (earlier) and zhangsan (later):
   * wangwu's; 1 followed by zhangsan (earlier) and lisi, lisi named by an operator: lisi's;
   * 2 nobody follows: no owner. Interleaved in the audience's order, so every page mixes them.
   */
  async function seedCustomers() {
    const groups = {
      zs: await seedBuyers(p.db, 9, { daysAgo: 35, prefix: 'zs', firstId: 1 }),
      ls: await seedBuyers(p.db, 3, { daysAgo: 35, prefix: 'ls', firstId: 100 }),
      two: await seedBuyers(p.db, 2, { daysAgo: 35, prefix: 'two', firstId: 200 }),
      named: await seedBuyers(p.db, 1, { daysAgo: 35, prefix: 'named', firstId: 300 }),
      none: await seedBuyers(p.db, 2, { daysAgo: 35, prefix: 'none', firstId: 400 }),
    };
    await p.db.query(
      "UPDATE customers SET owner_userid = 'lisi', owner_named = 1 WHERE external_userid = ?",
      [groups.named[0]],
    );
    await follows.apply(p.db, [
      ...groups.zs.map((e) => follow(e, 'zhangsan', 10)),
      ...groups.ls.map((e) => follow(e, 'lisi', 10)),
      ...groups.two.flatMap((e) => [follow(e, 'wangwu', 20), follow(e, 'zhangsan', 5)]),
      ...groups.named.flatMap((e) => [follow(e, 'zhangsan', 20), follow(e, 'lisi', 5)]),
    ]);
    const owners = new Map(
      (
        (await p.db.query('SELECT external_userid AS e, owner_userid AS o FROM customers')) as {
          e: string;
          o: string | null;
        }[]
      ).map((r) => [r.e, r.o]),
    );
    // The contacts work recorded the owners the rule sends through.
    expect(groups.two.map((e) => owners.get(e))).toEqual(['wangwu', 'wangwu']);
    expect(owners.get(groups.named[0])).toBe('lisi');
    expect(groups.none.map((e) => owners.get(e))).toEqual([null, null]);
    return { groups, owners };
  }

  async function pushOnce(overrides: Record<string, unknown>) {
    const name = `导购发送-${JSON.stringify(overrides)}`;
    const create = await p.api.post(
      '/wechatpush/create',
      plainRuleBody({ name, startDate: '2020-01-01', endDate: '2099-12-31', ...overrides }),
    );
    expect(create.status).toBe(200);
    const [rule] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    const trigger = await p.api.post('/wechatpush/trigger', { id: Number(rule.id) });
    expect(trigger.status).toBe(200);
    const runId = trigger.body.data.runId as number;
    await eventually(
      async () => {
        const [run] = await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
        return run?.state === 'completed';
      },
      30_000,
      'run completed',
    );
    const runs = await p.api.post('/wechatpush/runs', { id: Number(rule.id) });
    return { runId, run: runs.body.data.data[0], ruleId: Number(rule.id) };
  }

  /** Every customer is in one task of the ledger at most; returns the tasks by sender. */
  async function ledgerBySender() {
    const messages = await p.sim.messages();
    const all = messages.flatMap((m) => m.externalUserIds);
    expect(new Set(all).size).toBe(all.length); // none twice
    const bySender = new Map<string | null, string[][]>();
    for (const m of messages) {
      const list = bySender.get(m.sender) ?? [];
      list.push([...m.externalUserIds].sort());
      bySender.set(m.sender, list);
      // One member's task: WeCom hands it to that member alone.
      if (m.sender) expect(m.senders.map((s) => s.userid)).toEqual([m.sender]);
      expect(m.externalUserIds.length).toBeLessThanOrEqual(BATCH);
    }
    return bySender;
  }

  it('sends one task per store guide (≤ PUSH_BATCH_SIZE customers each), with only their customers; skip leaves customers without an owner out, counted', async () => {
    const { groups, owners } = await seedCustomers();
    // The preview says beforehand what the run will do: 15 reached, 2 without a guide left out.
    const preview = await p.api.post(
      '/wechatpush/preview',
      plainRuleBody({
        name: '导购预览',
        startDate: '2020-01-01',
        endDate: '2099-12-31',
        senderMode: 'owner',
        senderFallback: 'skip',
      }),
    );
    expect(preview.status).toBe(200);
    expect(preview.body.data).toMatchObject({ count: 15, excluded: { noOwner: 2 } });
    const { run } = await pushOnce({ senderMode: 'owner', senderFallback: 'skip' });

    const bySender = await ledgerBySender();
    expect([...bySender.keys()].sort()).toEqual(['lisi', 'wangwu', 'zhangsan']);
    for (const [sender, tasks] of bySender) {
      for (const task of tasks) for (const e of task) expect(owners.get(e)).toBe(sender);
    }
    // zhangsan's 9 customers: 4 + 4 + 1, however the pages scattered them.
    expect(
      bySender
        .get('zhangsan')!
        .map((t) => t.length)
        .sort(),
    ).toEqual([1, 4, 4]);
    expect(bySender.get('zhangsan')!.flat().sort()).toEqual([...groups.zs].sort());
    expect(bySender.get('lisi')!.flat().sort()).toEqual([...groups.ls, ...groups.named].sort());
    expect(bySender.get('wangwu')!.flat().sort()).toEqual([...groups.two].sort());

    expect(run).toMatchObject({ state: 'completed', audienceCount: 15, acceptedCount: 15 });
    expect(run.excluded.noOwner).toBe(2);
    expect(run.batches).toHaveLength(5);
    // The runs page's per-sender rows.
    expect(run.senderMode).toBe('owner');
    expect(
      run.senders.map(
        (x: { sender: string; batches: number; recipients: number; accepted: number }) => [
          x.sender,
          x.batches,
          x.recipients,
          x.accepted,
        ],
      ),
    ).toEqual([
      ['lisi', 1, 4, 4],
      ['wangwu', 1, 2, 2],
      ['zhangsan', 3, 9, 9],
    ]);
    const batchSenders = (await p.db.query(
      'SELECT sender, recipient_count AS n, state FROM wechat_push_batches ORDER BY batch_no',
    )) as { sender: string; n: number; state: string }[];
    expect(batchSenders.every((b) => b.state === 'sent' && b.sender)).toBe(true);
  });

  it('with fallback wecom, customers without an owner go in a task without a sender (WeCom assigns)', async () => {
    const { groups } = await seedCustomers();
    const { run } = await pushOnce({ senderMode: 'owner', senderFallback: 'wecom' });

    const bySender = await ledgerBySender();
    expect(bySender.get(null)).toEqual([[...groups.none].sort()]);
    expect(bySender.get('zhangsan')!.flat()).toHaveLength(9);
    expect(run).toMatchObject({ audienceCount: 17, acceptedCount: 17 });
    expect(run.excluded.noOwner).toBe(0);
    const preview = await p.api.post(
      '/wechatpush/preview',
      plainRuleBody({
        name: '导购预览',
        startDate: '2020-01-01',
        endDate: '2099-12-31',
        senderMode: 'owner',
        senderFallback: 'wecom',
      }),
    );
    expect(preview.body.data).toMatchObject({ count: 17, excluded: { noOwner: 0 } });
  });

  it('senderMode wecom (the default) sends as before: batches of the audience order, no sender', async () => {
    await seedCustomers();
    const { run } = await pushOnce({});
    const messages = await p.sim.messages();
    expect(messages.map((m) => m.sender)).toEqual([null, null, null, null, null]);
    expect(messages.map((m) => m.externalUserIds.length)).toEqual([4, 4, 4, 4, 1]);
    expect(run.audienceCount).toBe(17);
  });

  it('a store guide who is not a member of the corp: WeCom refuses their task (40003), the others are sent', async () => {
    const { groups } = await seedCustomers();
    await p.db.query(
      "UPDATE customers SET owner_userid = 'ghost', owner_named = 1 WHERE external_userid IN (?)",
      [groups.ls],
    );
    const { run } = await pushOnce({ senderMode: 'owner', senderFallback: 'skip' });
    const failed = run.batches.filter((b: { state: string }) => b.state === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ errcode: 40003, recipientCount: 3 });
    const bySender = await ledgerBySender();
    expect(bySender.has('ghost')).toBe(false);
    expect(bySender.get('lisi')!.flat()).toEqual(groups.named);
  });

  it('an execution deadline reminds the members who have not sent, then cancels their task; recorded per member, Redis not needed', async () => {
    // lisi does not send until reminded; the others send a minute after the task is created.
    await p.sim.setBehaviour({ lazySenderPattern: '^lisi$', sendDelayMs: 60_000 });
    const { groups } = await seedCustomers();
    const { runId } = await pushOnce({
      senderMode: 'owner',
      senderFallback: 'skip',
      executionDeadlineHours: 24,
    });
    const deadlines = p.worker.get(TaskDeadlineService);
    const tasks = (await p.db.query(
      `SELECT b.sender, t.sent_at, t.remind_at, t.deadline_at FROM wechat_push_delivery_tasks t
         JOIN wechat_push_batches b ON b.id = t.batch_id WHERE t.run_id = ?`,
      [runId],
    )) as { sender: string; sent_at: Date; remind_at: Date; deadline_at: Date }[];
    expect(tasks).toHaveLength(5);
    for (const t of tasks) {
      // DEADLINE_REMIND_PERCENT 75: 18 h into the 24 h.
      expect(t.remind_at.getTime() - t.sent_at.getTime()).toBe(18 * HOUR);
      expect(t.deadline_at.getTime() - t.sent_at.getTime()).toBe(24 * HOUR);
    }
    expect(await deadlines.sweepDue()).toEqual({ reminded: 0, cancelled: 0, other: 0 });

    const later = async (ms: number) => {
      p.clock.setNow(new Date(p.clock.now().getTime() + ms));
      await p.sim.advanceClock(ms);
    };
    await later(18 * HOUR + 60_000);
    // Reminded now, lisi would send 10 h later: after the deadline.
    await p.sim.setBehaviour({ sendDelayMs: 10 * HOUR });
    expect(await deadlines.sweepDue()).toEqual({ reminded: 1, cancelled: 0, other: 4 });
    expect(await deadlines.sweepDue()).toEqual({ reminded: 0, cancelled: 0, other: 0 });
    const reminders = new Map((await p.sim.messages()).map((m) => [m.msgid, m.reminders]));
    const members = async () =>
      (await p.db.query(
        `SELECT m.userid, m.status, m.reminded_at IS NOT NULL AS reminded,
                m.cancelled_at IS NOT NULL AS cancelled, b.msgid
           FROM wechat_push_member_tasks m JOIN wechat_push_batches b ON b.id = m.batch_id
          WHERE m.run_id = ? ORDER BY m.userid, b.id`,
        [runId],
      )) as {
        userid: string;
        status: number;
        reminded: number;
        cancelled: number;
        msgid: string;
      }[];
    const lisi = (await members()).filter((m) => m.userid === 'lisi');
    expect(lisi).toMatchObject([{ status: 0, reminded: 1, cancelled: 0 }]);
    expect(reminders.get(lisi[0].msgid)).toBe(1);
    expect([...reminders.values()].reduce((a, b) => a + b, 0)).toBe(1);

    // The deadline: MySQL holds it, a Redis that lost everything changes nothing.
    await p.flushRedis();
    await later(6 * HOUR);
    expect(await deadlines.sweepDue()).toEqual({ reminded: 0, cancelled: 1, other: 4 });
    const ledger = await p.sim.messages();
    expect(ledger.filter((m) => m.cancelled).map((m) => m.sender)).toEqual(['lisi']);
    expect(ledger.find((m) => m.cancelled)!.externalUserIds.sort()).toEqual(
      [...groups.ls, ...groups.named].sort(),
    );
    const after = await members();
    expect(after.map((m) => [m.userid, m.status, Number(m.cancelled)])).toEqual([
      ['lisi', 0, 1],
      ['wangwu', 2, 0],
      ['zhangsan', 2, 0],
      ['zhangsan', 2, 0],
      ['zhangsan', 2, 0],
    ]);
    const [outcome] = await p.db.query(
      `SELECT t.deadline_outcome FROM wechat_push_delivery_tasks t
         JOIN wechat_push_batches b ON b.id = t.batch_id WHERE b.sender = 'lisi'`,
    );
    expect(outcome.deadline_outcome).toMatch(/^cancelled at the deadline: 1 member/);
    const [ruleRow] = await p.db.query('SELECT push_id FROM wechat_push_runs WHERE id = ?', [
      runId,
    ]);
    const view = (await p.api.post('/wechatpush/runs', { id: Number(ruleRow.push_id) })).body.data
      .data[0];
    expect(view.executionDeadlineHours).toBe(24);
    expect(view.senders).toEqual([
      expect.objectContaining({
        sender: 'lisi',
        sentTasks: 0,
        pendingTasks: 1,
        remindedTasks: 1,
        cancelledTasks: 1,
      }),
      expect.objectContaining({
        sender: 'wangwu',
        sentTasks: 1,
        pendingTasks: 0,
        cancelledTasks: 0,
      }),
      expect.objectContaining({
        sender: 'zhangsan',
        sentTasks: 3,
        pendingTasks: 0,
        cancelledTasks: 0,
      }),
    ]);
    expect(await deadlines.sweepDue()).toEqual({ reminded: 0, cancelled: 0, other: 0 });
  });
});
