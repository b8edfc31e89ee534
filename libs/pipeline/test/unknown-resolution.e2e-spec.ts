import {
  AnswerJournal,
  PushRunRepository,
  ResolveUnknownService,
  SendBatchService,
} from '@app/pipeline';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  setPolicy,
  PERMISSIVE_POLICY,
  startPipeline,
  triggerNewRule,
} from '../../../test/utils/pipeline';

const ADD = 'externalcontact/add_msg_template';
const TIMEOUT_MS = 1_000;
const SETTLE_SECONDS = 60;

interface BatchRow {
  id: number;
  state: string;
  msgid: string | null;
  recipients: string;
  fail_list: string | null;
  errmsg: string | null;
}

/**
 * Issue 18: an `unknown` batch resolves itself. After its in-flight window and the settling
 * delay, the worker finds its task in WeCom's list (content, then recipients) → `sent` with
 * that msgid; or finds none → `safe_to_resend`, which an operator resends once. And WeCom's
 * accepted answer survives a MySQL failure at the moment it is recorded (the answer journal).
 */
describe('unknown batches resolve themselves', () => {
  let p: PipelineHarness;
  let resolver: ResolveUnknownService;

  beforeAll(async () => {
    p = await startPipeline({
      sim: { behaviour: { sendDelayMs: 60_000 } },
      env: {
        WECOM_TIMEOUT_MS: String(TIMEOUT_MS),
        UNKNOWN_SETTLE_SECONDS: String(SETTLE_SECONDS),
        PUSH_BATCH_SIZE: '3',
      },
    });
    resolver = p.worker.get(ResolveUnknownService);
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

  const startRun = (name: string, buyers: number) => triggerNewRule(p, name, buyers);
  const batchesOf = (runId: number): Promise<BatchRow[]> =>
    p.db.query(
      `SELECT id, state, msgid, recipients, fail_list, errmsg FROM wechat_push_batches
        WHERE run_id = ? ORDER BY batch_no`,
      [runId],
    );
  const runOf = async (runId: number) =>
    (
      await p.db.query(
        `SELECT state, sent_batches AS sent, failed_batches AS failed, unknown_batches AS unknown
           FROM wechat_push_runs WHERE id = ?`,
        [runId],
      )
    )[0];
  const allFinal = (runId: number, state: string) =>
    eventually(
      async () => {
        const rows = await batchesOf(runId);
        return rows.length > 0 && rows.every((b) => b.state === state) && rows;
      },
      20_000,
      `every batch ${state}`,
    );
  /** Moves the shared clock past the in-flight window (timeout + 30 s) and the settling delay. */
  const afterSettling = () =>
    p.clock.setNow(new Date(Date.now() + TIMEOUT_MS + 30_000 + SETTLE_SECONDS * 1000 + 1_000));

  it('finds each batch’s own task by its recipients — batches of one run share their content — and marks it sent with that msgid', async () => {
    await p.sim.setFaults({ timeoutAfterAcceptRate: 1, holdMs: 3_000, endpoints: [ADD] });
    const runId = await startRun('超时已建', 7);
    const unknown = await allFinal(runId, 'unknown');
    expect(unknown).toHaveLength(3); // 3 + 3 + 1
    await p.sim.setFaults({});
    const ledger = await p.sim.messages();
    expect(ledger).toHaveLength(3); // WeCom created every task; we heard of none

    // Within the in-flight window and the settling delay nothing is asked.
    expect(await resolver.resolveDue()).toMatchObject({ checked: 0 });
    afterSettling();
    expect(await resolver.resolveDue()).toEqual({
      checked: 3,
      sent: 3,
      safeToResend: 0,
      undecided: 0,
    });
    const resolved = await batchesOf(runId);
    for (const b of resolved) {
      expect(b.state).toBe('sent');
      const task = ledger.find((m) => m.msgid === b.msgid);
      expect(task).toBeDefined();
      // The task holds exactly this batch's recipients.
      expect([...(task?.externalUserIds ?? [])].sort()).toEqual(
        (JSON.parse(b.recipients) as string[]).sort(),
      );
      expect(JSON.parse(b.fail_list ?? 'null')).toEqual([]);
    }
    expect(new Set(resolved.map((b) => b.msgid)).size).toBe(3);
    // The seed-shaped result rows and the run's counts follow.
    const [{ n }] = await p.db.query(
      'SELECT COUNT(*) AS n FROM wechat_push_results WHERE run_id = ?',
      [runId],
    );
    expect(Number(n)).toBe(3);
    expect(await runOf(runId)).toMatchObject({ state: 'completed', sent: 3, unknown: 0 });
    // Nothing was sent again.
    expect(await p.sim.messages()).toHaveLength(3);
    // A second round has nothing left to check.
    expect(await resolver.resolveDue()).toMatchObject({ checked: 0 });
  });

  it('marks a batch whose request never reached WeCom safe_to_resend, gives its reservations back, and an operator resends it once', async () => {
    await p.sim.setFaults({ timeoutBeforeCallRate: 1, holdMs: 3_000, endpoints: [ADD] });
    const runId = await startRun('请求丢失', 2);
    const [batch] = await allFinal(runId, 'unknown');
    await p.sim.setFaults({});
    expect(await p.sim.messages()).toHaveLength(0);

    // A resend while the attempt could still be answered is refused.
    const early = await p.api.post('/wechatpush/batch/resend', { batchId: batch.id });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('INVALID_STATE');

    afterSettling();
    expect(await resolver.resolveDue()).toMatchObject({ checked: 1, sent: 0, safeToResend: 1 });
    const [after] = await batchesOf(runId);
    expect(after.state).toBe('safe_to_resend');
    expect(after.errmsg).toMatch(/get_groupmsg_list_v2/);
    expect(await runOf(runId)).toMatchObject({ state: 'completed', failed: 1, unknown: 0 });
    const [released] = await p.db.query('SELECT released FROM contact_batches WHERE batch_id = ?', [
      batch.id,
    ]);
    expect(Number(released.released)).toBe(1);
    // Never resent automatically: another round and a scan leave it as it is.
    await p.scheduler.scan();
    expect(await resolver.resolveDue()).toMatchObject({ checked: 0 });
    expect(await p.sim.messages()).toHaveLength(0);

    const res = await p.api.post('/wechatpush/batch/resend', { batchId: batch.id });
    expect(res.status).toBe(200);
    await allFinal(runId, 'sent');
    expect(await p.sim.messages()).toHaveLength(1);
    const [reclaimed] = await p.db.query(
      'SELECT released FROM contact_batches WHERE batch_id = ?',
      [batch.id],
    );
    expect(Number(reclaimed.released)).toBe(0);
  });

  it('leaves a batch undecided, to ask again, while WeCom cannot list its task’s recipients yet', async () => {
    await p.sim.setFaults({ timeoutAfterAcceptRate: 1, holdMs: 3_000, endpoints: [ADD] });
    const runId = await startRun('未分发', 2);
    await allFinal(runId, 'unknown');
    await p.sim.setFaults({});
    // WeCom still dispatching the task: get_groupmsg_task answers 41063.
    await p.sim.setBehaviour({ dispatchDelayMs: 600_000 });
    afterSettling();
    expect(await resolver.resolveDue()).toMatchObject({ checked: 1, undecided: 1 });
    expect((await batchesOf(runId))[0].state).toBe('unknown');
    await p.sim.setBehaviour({ dispatchDelayMs: 0 });
    // Claimed for a minute: the next round a minute later decides it.
    expect(await resolver.resolveDue()).toMatchObject({ checked: 0 });
    p.clock.setNow(new Date(p.clock.now().getTime() + 61_000));
    expect(await resolver.resolveDue()).toMatchObject({ checked: 1, sent: 1 });
  });

  it('records WeCom’s answer from the journal when MySQL fails at the moment it is written', async () => {
    const runs = p.worker.get(PushRunRepository);
    const journal = p.worker.get(AnswerJournal);
    const original = runs.markSent.bind(runs);
    let failures = 0;
    const spy = jest.spyOn(runs, 'markSent').mockImplementation(async (...args) => {
      if (failures++ === 0) throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
      return original(...args);
    });
    try {
      const runId = await startRun('答复日志', 2);
      const [batch] = await allFinal(runId, 'sent');
      const [task] = await p.sim.messages();
      // The retried job found the batch `sending`, and the journal held the msgid.
      expect(batch.msgid).toBe(task.msgid);
      expect(failures).toBeGreaterThanOrEqual(2);
      expect(await p.sim.messages()).toHaveLength(1);
      expect(await journal.all()).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('has the reconcile record a journaled answer of a batch no job holds any more', async () => {
    await p.sim.setFaults({ timeoutAfterAcceptRate: 1, holdMs: 3_000, endpoints: [ADD] });
    const runId = await startRun('对账日志', 1);
    const [batch] = await allFinal(runId, 'unknown');
    await p.sim.setFaults({});
    const [task] = await p.sim.messages();
    // As if the answer had come and MySQL had failed, the job since lost with Redis.
    await p.db.query("UPDATE wechat_push_batches SET state = 'sending' WHERE id = ?", [batch.id]);
    await p.worker.get(AnswerJournal).record({
      batchId: batch.id,
      resends: 0,
      at: new Date(Date.now() - 60_000).toISOString(),
      result: {
        external_userid: JSON.parse(batch.recipients) as string[],
        content: '',
        attachments: [],
        add: { errcode: 0, errmsg: 'ok', fail_list: [], msgid: task.msgid },
      },
    });
    await p.scheduler.reconcileNow();
    expect((await batchesOf(runId))[0]).toMatchObject({ state: 'sent', msgid: task.msgid });
    // A stale entry of a superseded attempt is only cleared.
    await p.worker.get(AnswerJournal).record({
      batchId: batch.id,
      resends: 0,
      at: new Date(Date.now() - 60_000).toISOString(),
      result: {
        external_userid: [],
        content: '',
        attachments: [],
        add: { errcode: 0, errmsg: 'ok', fail_list: [], msgid: 'other' },
      },
    });
    expect(
      await p.worker.get(SendBatchService).replay((await p.worker.get(AnswerJournal).all())[0]),
    ).toBe('sent');
    expect((await batchesOf(runId))[0].msgid).toBe(task.msgid);
    expect(await p.worker.get(AnswerJournal).all()).toEqual([]);
  });
});
