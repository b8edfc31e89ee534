import {
  AnswerJournal,
  batchJobId,
  PipelineQueues,
  QueueName,
  SendBatchService,
} from '@app/pipeline';
import { FaultProxy, startFaultProxy } from '../../../test/utils/fault-proxy';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  setPolicy,
  PERMISSIVE_POLICY,
  startPipeline,
  triggerNewRule,
} from '../../../test/utils/pipeline';

/** The claim, and only the claim, writes a claim token. */
const CLAIM = /UPDATE `wechat_push_batches` SET .*`claim_token`/s;

interface BatchRow {
  id: number;
  run_id: number;
  state: string;
  attempts: number;
  msgid: string | null;
  recipients: string;
  resends: number;
}

/**
 * Issue 18: a claim (pending → sending) that MySQL committed while the answer was lost with
 * the connection (a MariaDB crash or a network cut at that moment) left the batch `sending`
 * with no WeCom call made, and the retry recorded it `unknown`. The worker's MySQL connection
 * here goes through a proxy that lets the claim statement run and then drops the connection
 * instead of its answer: the batch must be sent — once — not left in doubt.
 */
describe('a claim whose answer was lost', () => {
  let proxy: FaultProxy;
  let p: PipelineHarness;

  beforeAll(async () => {
    proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306) });
    p = await startPipeline({ env: { DB_PORT: String(proxy.port) } });
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
    await proxy?.close();
  });

  const startRun = (name: string, buyers: number) => triggerNewRule(p, name, buyers);
  const batchesOf = (runId: number): Promise<BatchRow[]> =>
    p.db.query(
      `SELECT id, run_id, state, attempts, msgid, recipients, resends FROM wechat_push_batches
        WHERE run_id = ? ORDER BY batch_no`,
      [runId],
    );
  const settled = (runId: number) =>
    eventually(
      async () => {
        const rows = await batchesOf(runId);
        return rows.length > 0 && rows.every((b) => !['pending', 'sending'].includes(b.state))
          ? rows
          : undefined;
      },
      30_000,
      'every batch settled',
    );

  it('the job’s retry finds the batch `sending` under a claim that never called: it sends it once', async () => {
    const dropped = proxy.dropAnswerTo(CLAIM);
    const runId = await startRun('认领丢答', 2);
    expect(await dropped).toMatch(/'sending'/);
    const [batch] = await settled(runId);
    expect(batch).toMatchObject({ state: 'sent', attempts: 2 });
    const ledger = await p.sim.messages();
    expect(ledger).toHaveLength(1);
    expect(batch.msgid).toBe(ledger[0].msgid);
    expect([...ledger[0].externalUserIds].sort()).toEqual(
      (JSON.parse(batch.recipients) as string[]).sort(),
    );
    expect(await p.redis.hlen(`${process.env.REDIS_KEY_PREFIX}:uncalled-claims`)).toBe(0);
  });

  it('the reconcile sends a batch left `sending` by such a claim when no job holds it any more', async () => {
    const queues = p.worker.get(PipelineQueues);
    const batchQueue = queues.queue(QueueName.BATCH);
    await batchQueue.pause();
    try {
      const runId = await startRun('对账认领', 2);
      const [pending] = await eventually(
        async () => {
          const rows = await batchesOf(runId);
          return rows.length > 0 ? rows : undefined;
        },
        20_000,
        'the run’s batch',
      );
      // The attempt, in this process: its claim runs, its answer is lost, it throws.
      const dropped = proxy.dropAnswerTo(CLAIM);
      await expect(
        p.worker.get(SendBatchService).send({ batchId: pending.id, runId }),
      ).rejects.toThrow();
      await dropped;
      expect((await batchesOf(runId))[0]).toMatchObject({ state: 'sending', attempts: 1 });
      // …and its job is lost (Redis flushed around it, say): only the reconcile can see it.
      await (await queues.getJob(QueueName.BATCH, batchJobId(pending.id, 0)))?.remove();
    } finally {
      await batchQueue.resume();
    }
    await p.scheduler.reconcileNow();
    const [batch] = await settled(
      (await p.db.query('SELECT MAX(id) AS id FROM wechat_push_runs'))[0].id as number,
    );
    expect(batch).toMatchObject({ state: 'sent', attempts: 2 });
    expect(await p.sim.messages()).toHaveLength(1);
  });

  it('keeps the safe side when the journaled claim is not the batch’s latest: `unknown`', async () => {
    const queues = p.worker.get(PipelineQueues);
    const batchQueue = queues.queue(QueueName.BATCH);
    await batchQueue.pause();
    let batchId = 0;
    let runId = 0;
    try {
      runId = await startRun('旧的认领', 2);
      const [pending] = await eventually(
        async () => {
          const rows = await batchesOf(runId);
          return rows.length > 0 ? rows : undefined;
        },
        20_000,
        'the run’s batch',
      );
      batchId = pending.id;
      await (await queues.getJob(QueueName.BATCH, batchJobId(batchId, 0)))?.remove();
    } finally {
      await batchQueue.resume();
    }
    // A batch `sending` under claim B (its attempt died during the call), while the journal
    // holds an older claim A that never called: A says nothing about B.
    await p.db.query(
      "UPDATE wechat_push_batches SET state = 'sending', attempts = 2, claim_token = 'claim-b', sending_at = NOW() WHERE id = ?",
      [batchId],
    );
    await p.worker.get(AnswerJournal).recordUncalled(batchId, 'claim-a');
    await p.scheduler.reconcileNow();
    expect((await batchesOf(runId))[0]).toMatchObject({ state: 'unknown', msgid: null });
    expect(await p.sim.messages()).toHaveLength(0);
  });
});
