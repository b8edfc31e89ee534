import request from 'supertest';
import { formatClockTime, weekDay } from '@app/common';
import { JobName, PipelineQueues, QueueName, slotJobId } from '@app/pipeline';
import { OPERATOR_1_TOKEN, OPERATOR_2_TOKEN } from '../../../test/test-env';
import { createAccount, signIn, SignedIn } from '../../../test/utils/accounts';
import {
  eventually,
  PERMISSIVE_POLICY,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
  startPipeline,
} from '../../../test/utils/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';

/**
 * Four eyes on rules (issue 23, docs/SECURITY.md "Approval") with RULE_APPROVAL=required:
 * a new rule fires nothing and cannot be triggered until an approver approves it; an edit of
 * its content or schedule waits as a pending version while the approved version keeps firing
 * at its slot (each run records the version it sent); the author cannot approve; reject needs
 * a comment; a superseded version cannot be approved; versions carry field-by-field diffs.
 */
describe('rule versions and approval', () => {
  let p: PipelineHarness;
  let editor: SignedIn & { id: number };
  let approver: SignedIn & { id: number };
  const accounts: { editor?: { id: number; username: string }; approver?: typeof accounts.editor } =
    {};

  beforeAll(async () => {
    p = await startPipeline({ env: { RULE_APPROVAL: 'required', APPROVAL_CONFIRM_ABOVE: '5' } });
    for (const role of ['editor', 'approver'] as const)
      accounts[role] = await createAccount(p.api.app, role, `${role}-${Date.now()}`);
  });
  beforeEach(async () => {
    // What the previous test left running (its manual trigger's slot job) ends before the
    // tables are reset under it (CI: a lock wait timeout in the next test otherwise).
    await p.quiesce();
    await resetPipelineTables(p.db);
    await setPolicy(p.db, PERMISSIVE_POLICY);
    await p.flushRedis();
    await p.sim.reset();
    p.clock.setNow(new Date('2026-12-09T02:00:20Z')); // Wednesday 10:00:20 Shanghai
    // Sessions live in Redis and expire by the clock: sign in again after the flush.
    const session = async (a?: { id: number; username: string }) => ({
      ...(await signIn(p.api.app.getHttpServer(), a!.username)),
      id: a!.id,
    });
    editor = await session(accounts.editor);
    approver = await session(accounts.approver);
  });
  afterAll(async () => {
    await p?.quiesce();
    await p?.close();
  });

  /** POST as a signed-in account (cookie + CSRF token). */
  const as = (who: SignedIn, path: string, body: unknown) =>
    request(p.api.app.getHttpServer())
      .post(path)
      .set('Content-Type', 'application/json')
      .set('Cookie', who.cookie)
      .set('X-CSRF-Token', who.csrfToken)
      .send(JSON.stringify(body));

  const minute = (offset: number) =>
    new Date(Math.floor(p.clock.now().getTime() / 60_000) * 60_000 + offset * 60_000);
  const slotOf = (at: Date) => ({ week: weekDay(at), time: formatClockTime(at) });
  const body = (name: string, overrides: Record<string, unknown> = {}) =>
    plainRuleBody({
      name,
      content: `旧内容-${name}`,
      startDate: '2020-01-01',
      endDate: '2099-12-31',
      weekDayPushTime: [slotOf(minute(1))],
      ...overrides,
    });
  const idOf = async (name: string) =>
    Number((await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]))[0].id);
  const info = async (id: number) => (await p.api.post('/wechatpush/info', { id })).body.data;
  const slotCount = async (id: number) =>
    Number(
      (await p.db.query('SELECT COUNT(*) AS n FROM wechat_push_time WHERE push_id = ?', [id]))[0].n,
    );
  /** A rule created by operator 1 and approved by operator 2: version 1 live. */
  const approvedRule = async (name: string, overrides: Record<string, unknown> = {}) => {
    expect((await p.api.post('/wechatpush/create', body(name, overrides))).status).toBe(200);
    const id = await idOf(name);
    const ok = await p.api.post('/wechatpush/approve', { id, version: 1 }, OPERATOR_2_TOKEN);
    expect(ok.status).toBe(200);
    return id;
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

  it('a new rule is listed but fires nothing and cannot be triggered until another approver approves it', async () => {
    await seedBuyers(p.db, 3, { daysAgo: 35, now: p.clock.now() });
    const created = await as(editor, '/wechatpush/create', body('新规则'));
    expect(created.status).toBe(200);
    const id = await idOf('新规则');

    const listed = (await p.api.post('/wechatpush/lists', {})).body.data.data;
    expect(listed).toEqual([
      expect.objectContaining({ id, name: '新规则', approvedVersion: null, pendingVersion: 1 }),
    ]);
    expect(await info(id)).toMatchObject({
      content: '旧内容-新规则',
      weekDayPushTime: [slotOf(minute(1))],
      version: 1,
      approvedVersion: null,
      pendingVersion: 1,
    });
    expect(await slotCount(id)).toBe(0);

    const inbox = (await p.api.post('/wechatpush/pending', {})).body.data;
    expect(inbox).toMatchObject({ total: 1 });
    expect(inbox.data[0]).toMatchObject({
      id,
      name: '新规则',
      version: 1,
      approvedVersion: null,
      authorId: editor.id,
      authorName: expect.stringContaining('editor'),
    });
    expect(inbox.data[0].diff).toContainEqual({
      field: 'content',
      before: null,
      after: '旧内容-新规则',
    });

    const trigger = await as(approver, '/wechatpush/trigger', { id, force: true });
    expect(trigger.status).toBe(409);
    expect(trigger.body.error.code).toBe('NOT_APPROVED');
    expect(await fireSlot(id, minute(1))).toMatchObject({ state: 'skipped' });
    expect(await p.sim.messages()).toHaveLength(0);

    // An editor may not approve at all; an approver who did not write it may.
    expect((await as(editor, '/wechatpush/approve', { id, version: 1 })).status).toBe(403);
    const approved = await as(approver, '/wechatpush/approve', { id, version: 1 });
    expect(approved.status).toBe(200);
    expect(await slotCount(id)).toBe(1);
    expect(await info(id)).toMatchObject({ version: 1, approvedVersion: 1, pendingVersion: null });
    expect((await p.api.post('/wechatpush/pending', {})).body.data.total).toBe(0);
    const triggered = await as(approver, '/wechatpush/trigger', { id, force: true });
    expect(triggered.status).toBe(200);
  });

  it('an edit of content and schedule waits for approval while the approved version keeps firing at its slot; each run records the version it sent', async () => {
    await seedBuyers(p.db, 3, { daysAgo: 35, now: p.clock.now() });
    // No cooldown: the same customers get the second slot's message a minute later.
    const id = await approvedRule('召回', { cooldownDays: 0 });
    const [s1, s2] = [minute(1), minute(2)];

    const edited = await as(editor, '/wechatpush/edit', {
      ...body('召回', {
        content: '新内容',
        cooldownDays: 0,
        weekDayPushTime: [slotOf(s1), slotOf(s2)],
      }),
      id,
    });
    expect(edited.status).toBe(200);
    // The editor sees what they wrote; the live rule is still version 1.
    expect(await info(id)).toMatchObject({
      content: '新内容',
      version: 2,
      approvedVersion: 1,
      pendingVersion: 2,
    });
    expect(
      (await p.db.query('SELECT content, approved_version FROM wechat_push WHERE id = ?', [id]))[0],
    ).toEqual({ content: '旧内容-召回', approved_version: 1 });
    expect(await slotCount(id)).toBe(1);

    expect(await fireSlot(id, s1)).toMatchObject({ state: 'completed' });
    const before = await p.sim.messages();
    expect(before.map((m) => (m.text as { content: string }).content)).toEqual(['旧内容-召回']);
    const runs = async () =>
      (await p.api.post('/wechatpush/runs', { id })).body.data.data as {
        slotAt: string;
        ruleVersion: number | null;
      }[];
    expect((await runs()).map((r) => r.ruleVersion)).toEqual([1]);

    expect((await as(approver, '/wechatpush/approve', { id, version: 2 })).status).toBe(200);
    expect(await slotCount(id)).toBe(2);
    expect(await fireSlot(id, s2)).toMatchObject({ state: 'completed' });
    const after = await p.sim.messages();
    expect(after.map((m) => (m.text as { content: string }).content)).toEqual([
      '旧内容-召回',
      '新内容',
    ]);
    expect((await runs()).map((r) => r.ruleVersion)).toEqual([2, 1]);
  });

  it('the author cannot approve; a superseded version cannot be approved; reject needs a comment; versions list their diffs', async () => {
    const id = await approvedRule('审批');
    const edit = (content: string, token = OPERATOR_1_TOKEN, extra = {}) =>
      p.api.post('/wechatpush/edit', { ...body('审批', { content, ...extra }), id }, token);

    expect((await edit('第二版')).status).toBe(200);
    const self = await p.api.post('/wechatpush/approve', { id, version: 2 }, OPERATOR_1_TOKEN);
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('SELF_APPROVAL');

    expect((await edit('第三版')).status).toBe(200);
    const superseded = await p.api.post(
      '/wechatpush/approve',
      { id, version: 2 },
      OPERATOR_2_TOKEN,
    );
    expect(superseded.status).toBe(409);
    expect(superseded.body.error.code).toBe('VERSION_NOT_PENDING');

    const noComment = await p.api.post('/wechatpush/reject', { id, version: 3 }, OPERATOR_2_TOKEN);
    expect(noComment.status).toBe(400);
    expect(noComment.body.error.details).toContainEqual(
      expect.objectContaining({ field: 'comment' }),
    );
    const tooLong = await p.api.post(
      '/wechatpush/reject',
      { id, version: 3, comment: '长'.repeat(501) },
      OPERATOR_2_TOKEN,
    );
    expect(tooLong.status).toBe(400);
    const rejected = await p.api.post(
      '/wechatpush/reject',
      { id, version: 3, comment: '文案需再斟酌' },
      OPERATOR_2_TOKEN,
    );
    expect(rejected.status).toBe(200);
    expect(await info(id)).toMatchObject({
      content: '旧内容-审批',
      version: 1,
      approvedVersion: 1,
      pendingVersion: null,
    });
    const again = await p.api.post('/wechatpush/approve', { id, version: 3 }, OPERATOR_2_TOKEN);
    expect(again.body.error.code).toBe('VERSION_NOT_PENDING');

    // A change of priority only needs no approver: recorded, approved by its author, live.
    expect((await edit('旧内容-审批', OPERATOR_1_TOKEN, { priority: 2 })).status).toBe(200);
    expect(await info(id)).toMatchObject({ priority: 2, version: 4, approvedVersion: 4 });

    const versions = (await p.api.post('/wechatpush/versions', { id })).body.data;
    expect(
      versions.map((v: Record<string, unknown>) => [
        v.version,
        v.state,
        v.authorId,
        v.decidedBy,
        v.comment,
      ]),
    ).toEqual([
      [4, 'approved', 1, 1, 'no approval needed'],
      [3, 'rejected', 1, 2, '文案需再斟酌'],
      [2, 'superseded', 1, 1, null],
      [1, 'approved', 1, 2, null],
    ]);
    expect(versions[0].diff).toEqual([
      { field: 'content', before: '第三版', after: '旧内容-审批' },
      { field: 'priority', before: 5, after: 2 },
    ]);
    expect(versions[2].diff).toEqual([
      { field: 'content', before: '旧内容-审批', after: '第二版' },
    ]);
    expect(versions[3].diff).toContainEqual({ field: 'name', before: null, after: '审批' });
    expect(versions[3].createdAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('a test send shows the version waiting for approval on the test phones, the live rule unchanged', async () => {
    const id = await approvedRule('试发待审');
    const edited = { ...body('试发待审', { content: '待审批的新文案' }), id };
    expect((await p.api.post('/wechatpush/edit', edited)).status).toBe(200);
    expect((await info(id)).pendingVersion).toBe(2);
    expect(
      (
        await p.api.post('/testgroup/update', {
          members: [{ externalUserId: 'wm-approval-phone', name: '审批测试机' }],
        })
      ).status,
    ).toBe(200);
    const before = new Set((await p.sim.messages()).map((m) => m.msgid));
    const sent = await p.api.post('/wechatpush/testsend', { id });
    expect(sent.status).toBe(200);
    const runId = sent.body.data.runId;
    await eventually(async () => {
      const [r] = await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
      return r?.state === 'completed';
    });
    const messages = (await p.sim.messages()).filter((m) => !before.has(m.msgid));
    expect(
      messages.map((m) => [(m.text as { content?: string }).content, m.externalUserIds]),
    ).toEqual([['待审批的新文案', ['wm-approval-phone']]]);
    const [run] = await p.db.query('SELECT rule_version FROM wechat_push_runs WHERE id = ?', [
      runId,
    ]);
    expect(run.rule_version).toBe(2);
    const [live] = await p.db.query(
      'SELECT content, approved_version FROM wechat_push WHERE id = ?',
      [id],
    );
    expect(live).toEqual({ content: '旧内容-试发待审', approved_version: 1 });
    await p.db.query('DELETE FROM test_group_members');
  });

  it('a trigger or a resend above APPROVAL_CONFIRM_ABOVE waits for a second approver, who confirms it', async () => {
    await seedBuyers(p.db, 8, { daysAgo: 35, now: p.clock.now() });
    const id = await approvedRule('大促');
    const asked = await p.api.post('/wechatpush/trigger', { id, force: true }, OPERATOR_1_TOKEN);
    expect(asked.status).toBe(409);
    expect(asked.body.error.code).toBe('CONFIRMATION_REQUIRED');
    const requestId = Number(
      asked.body.error.details.find((d: { field: string }) => d.field === 'requestId').message,
    );
    expect(requestId).toBeGreaterThan(0);
    const manualRuns = () =>
      p.db.query("SELECT id FROM wechat_push_runs WHERE push_id = ? AND kind = 'manual'", [id]);
    expect(await manualRuns()).toEqual([]);

    // Listed as open for every approver; `mine` for the requester, who cannot confirm it.
    const open = async (token: string) =>
      (await p.api.post('/wechatpush/confirmations', {}, token)).body.data.data as {
        requestId: number;
        kind: string;
        mine: boolean;
        size: number;
        batchId: number | null;
      }[];
    expect((await open(OPERATOR_1_TOKEN)).find((r) => r.requestId === requestId)).toMatchObject({
      kind: 'trigger',
      mine: true,
      size: 8,
      batchId: null,
    });
    expect((await open(OPERATOR_2_TOKEN)).find((r) => r.requestId === requestId)).toMatchObject({
      mine: false,
    });
    const own = await p.api.post('/wechatpush/confirm', { requestId }, OPERATOR_1_TOKEN);
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('SELF_APPROVAL');
    const confirmed = await p.api.post('/wechatpush/confirm', { requestId }, OPERATOR_2_TOKEN);
    expect(confirmed.status).toBe(200);
    const runId = confirmed.body.data.runId;
    await eventually(async () => {
      const [r] = await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
      return r?.state === 'completed';
    });
    expect(await p.sim.messages()).toHaveLength(1);
    expect(await manualRuns()).toEqual([{ id: runId }]);
    expect((await open(OPERATOR_2_TOKEN)).map((r) => r.requestId)).not.toContain(requestId);
    const again = await p.api.post('/wechatpush/confirm', { requestId }, OPERATOR_2_TOKEN);
    expect(again.body.error.code).toBe('INVALID_STATE');
    const [row] = await p.db.query(
      'SELECT audience_estimate, requested_by, confirmed_by, run_id FROM wechat_push_trigger_confirmations WHERE id = ?',
      [requestId],
    );
    expect(row).toEqual({ audience_estimate: 8, requested_by: 1, confirmed_by: 2, run_id: runId });

    // Resending its batch (8 recipients, above 5) waits for a second approver the same way.
    const [batch] = await p.db.query('SELECT id FROM wechat_push_batches WHERE run_id = ?', [
      runId,
    ]);
    // As a batch WeCom refused ends: failed, no task id, no result row, nothing tracked (the
    // fixture of a failed send; a result row left behind would collide with the resend's).
    await p.db.query(
      "UPDATE wechat_push_batches SET state = 'failed', msgid = NULL, errcode = 41001, errmsg = 'fixture' WHERE id = ?",
      [batch.id],
    );
    await p.db.query('DELETE FROM wechat_push_results WHERE batch_id = ?', [batch.id]);
    await p.db.query('DELETE FROM wechat_push_delivery_tasks WHERE batch_id = ?', [batch.id]);
    p.clock.setNow(new Date(p.clock.now().getTime() + 10 * 60_000));
    const resend = await p.api.post(
      '/wechatpush/batch/resend',
      { batchId: batch.id },
      OPERATOR_1_TOKEN,
    );
    expect(resend.status).toBe(409);
    expect(resend.body.error.code).toBe('CONFIRMATION_REQUIRED');
    const resendRequest = Number(
      resend.body.error.details.find((d: { field: string }) => d.field === 'requestId').message,
    );
    expect((await open(OPERATOR_2_TOKEN)).find((r) => r.requestId === resendRequest)).toMatchObject(
      { kind: 'resend', batchId: batch.id, size: 8, mine: false },
    );
    const [waiting] = await p.db.query(
      'SELECT state, resends FROM wechat_push_batches WHERE id = ?',
      [batch.id],
    );
    expect(waiting).toEqual({ state: 'failed', resends: 0 });
    const ownResend = await p.api.post(
      '/wechatpush/confirm',
      { requestId: resendRequest },
      OPERATOR_1_TOKEN,
    );
    expect(ownResend.body.error.code).toBe('SELF_APPROVAL');
    const resent = await p.api.post(
      '/wechatpush/confirm',
      { requestId: resendRequest },
      OPERATOR_2_TOKEN,
    );
    expect({ status: resent.status, runId: resent.body.data?.runId }).toEqual({
      status: 200,
      runId,
    });
    // The confirmation resent it: WeCom gets the batch a second time, once.
    const after = await eventually(async () => {
      const [b] = await p.db.query(
        'SELECT state, resends, msgid FROM wechat_push_batches WHERE id = ?',
        [batch.id],
      );
      return b.state === 'sent' ? b : undefined;
    });
    expect(Number(after.resends)).toBe(1);
    const tasks = await p.sim.messages();
    expect(tasks).toHaveLength(2);
    expect(after.msgid).toBe(tasks[1].msgid);
    expect([...tasks[1].externalUserIds].sort()).toEqual([...tasks[0].externalUserIds].sort());
    const [request] = await p.db.query(
      'SELECT kind, batch_id, audience_estimate, requested_by, confirmed_by FROM wechat_push_trigger_confirmations WHERE id = ?',
      [resendRequest],
    );
    expect(request).toEqual({
      kind: 'resend',
      batch_id: batch.id,
      audience_estimate: 8,
      requested_by: 1,
      confirmed_by: 2,
    });
  });
});
