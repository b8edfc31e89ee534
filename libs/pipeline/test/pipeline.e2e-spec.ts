import http from 'node:http';
import { AddressInfo } from 'node:net';
import { shanghaiInstant } from '@app/common';
import { SelectAudienceService } from '@app/audience';
import { BatchState, JobName, PipelineQueues, QueueName, RunState } from '@app/pipeline';
import { PushRunRepository } from '../src/push-run.repository';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  PERMISSIVE_POLICY,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
  startPipeline,
} from '../../../test/utils/pipeline';

// A 1×1 PNG, served by a local image host the config allow-lists.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

interface RunRow {
  id: number;
  push_id: number;
  kind: string;
  state: string;
  reason: string | null;
  slot_at: Date;
  started_at: Date | null;
  audience_count: number | null;
  batch_count: number | null;
  attachments: unknown;
}

describe('push pipeline: scheduler, slot and batch jobs against the simulator, MariaDB and Redis', () => {
  let p: PipelineHarness;
  let images: http.Server;
  let imageUrl: string;
  let imageHits = 0;
  /** `/slow.png` is answered only once this resolves (set by a test). */
  let slowImage: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    images = http.createServer((req, res) => {
      imageHits++;
      if (req.url === '/missing.png') {
        res.writeHead(404).end();
        return;
      }
      void (req.url === '/slow.png' ? slowImage : Promise.resolve()).then(() => {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
        res.end(PNG);
      });
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat.png`;
    p = await startPipeline({
      env: {
        MEDIA_ALLOWED_HOSTS: '127.0.0.1',
        WECOM_TIMEOUT_MS: '1500',
        BATCH_RETRY_MAX_DELAY_MS: '300',
        BATCH_MAX_ATTEMPTS: '8',
        WORKER_CONCURRENCY: '4',
        WECOM_MAX_CALLS_PER_SECOND: '50',
      },
    });
  });
  beforeEach(async () => {
    await p.quiesce();
    await resetPipelineTables(p.db);
    await p.flushRedis();
    await p.sim.reset();
    p.clock.setNow(new Date());
  });
  afterAll(async () => {
    await p?.close();
    await new Promise((r) => images.close(r));
  });

  const createRule = async (overrides: Record<string, unknown>) => {
    const res = await p.api.post('/wechatpush/create', plainRuleBody(overrides));
    expect(res.status).toBe(200);
    const [row] = await p.db.query('SELECT id FROM wechat_push WHERE name = ? AND is_deleted = 0', [
      overrides.name,
    ]);
    return Number(row.id);
  };
  const runsOf = (pushId: number): Promise<RunRow[]> =>
    p.db.query('SELECT * FROM wechat_push_runs WHERE push_id = ? ORDER BY id', [pushId]);
  const finishedRun = (pushId: number, what = 'run finished') =>
    eventually(
      async () => {
        const [run] = await runsOf(pushId);
        return run && ['completed', 'skipped', 'missed', 'failed', 'cancelled'].includes(run.state)
          ? run
          : undefined;
      },
      30_000,
      what,
    );
  const batchesOf = (runId: number) =>
    p.db.query('SELECT * FROM wechat_push_batches WHERE run_id = ? ORDER BY batch_no', [runId]);
  /** The batch's contact ledger rows, grouped by release. */
  const ledgerOf = async (batchId: number) =>
    (
      await p.db.query(
        `SELECT released, release_reason AS reason, COUNT(*) AS n FROM contact_ledger
          WHERE batch_id = ? GROUP BY released, release_reason`,
        [batchId],
      )
    ).map((r: { released: number; reason: string | null; n: number | string }) => ({
      released: Number(r.released),
      reason: r.reason,
      n: Number(r.n),
    }));
  const recipientsInLedger = async () => {
    const counts = new Map<string, number>();
    for (const m of await p.sim.messages())
      for (const id of m.externalUserIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  };
  const trigger = async (pushId: number) => {
    const res = await p.api.post('/wechatpush/trigger', { id: pushId });
    expect(res.status).toBe(200);
    return res.body.data.runId as number;
  };

  it('sends 25,001 recipients as batches of 10,000 / 10,000 / 5,001, each exactly once, the image uploaded once', async () => {
    const ids = await seedBuyers(p.db, 25_001, { daysAgo: 35 });
    const pushId = await createRule({
      name: '大批量',
      img: imageUrl,
      content: '喵～主人，猫砂告急',
      lastOrderDay: 30,
      lastOrderDayLimit: 45,
    });
    const runId = await trigger(pushId);
    const run = await finishedRun(pushId);
    expect(run).toMatchObject({
      id: runId,
      kind: 'manual',
      state: 'completed',
      audience_count: 25_001,
      batch_count: 3,
    });
    const batches = await batchesOf(runId);
    expect(
      batches.map((b: { recipient_count: number; state: string }) => [b.recipient_count, b.state]),
    ).toEqual([
      [10_000, 'sent'],
      [10_000, 'sent'],
      [5_001, 'sent'],
    ]);
    const ledger = await recipientsInLedger();
    expect(ledger.size).toBe(25_001);
    expect([...ledger.values()].every((n) => n === 1)).toBe(true);
    expect([...ledger.keys()].sort()).toEqual([...ids].sort());
    const messages = await p.sim.messages();
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => [m.text, m.attachments.length])).toEqual(
      Array(3).fill([{ content: '喵～主人，猫砂告急' }, 1]),
    );
    expect(await p.sim.requests('media/upload')).toBe(1);
    expect(imageHits).toBe(1);
    // One seed-shaped result row per batch.
    const results = await p.db.query(
      'SELECT name, batch_id, result FROM wechat_push_results ORDER BY batch_id',
    );
    expect(results).toHaveLength(3);
    const first =
      typeof results[0].result === 'string' ? JSON.parse(results[0].result) : results[0].result;
    expect(first).toEqual({
      external_userid: expect.any(Array),
      content: '喵～主人，猫砂告急',
      attachments: [{ msgtype: 'image', image: { media_id: expect.any(String) } }],
      add: { errcode: 0, errmsg: 'ok', fail_list: [], msgid: expect.any(String) },
    });
    expect(first.external_userid).toHaveLength(10_000);
    // The runs API shows it.
    const res = await p.api.post('/wechatpush/runs', { id: pushId });
    expect(res.body.data).toMatchObject({
      total: 1,
      data: [
        {
          id: runId,
          state: 'completed',
          audienceCount: 25_001,
          acceptedCount: 25_001,
          sentBatches: 3,
        },
      ],
    });
    expect(res.body.data.data[0].batches).toHaveLength(3);
  });

  it('reads the audience while the image is uploaded, and writes no batch before the run holds it', async () => {
    await seedBuyers(p.db, 25_001, { daysAgo: 35 });
    const pushId = await createRule({
      name: '边传边选',
      img: imageUrl.replace('cat.png', 'slow.png'),
    });
    const audience = p.worker.get(SelectAudienceService);
    const spy = jest.spyOn(audience, 'page');
    let release = () => undefined as void;
    slowImage = new Promise<void>((r) => (release = r));
    try {
      const runId = await trigger(pushId);
      // All three pages are read while the image download is held…
      await eventually(async () => spy.mock.calls.length === 3, 15_000, 'three pages read');
      const [held] = await runsOf(pushId);
      expect(held).toMatchObject({ state: 'selecting', attachments: null });
      // …but none is written, so no batch job can run without the attachments.
      expect(await batchesOf(runId)).toHaveLength(0);
      release();
      const run = await finishedRun(pushId);
      expect(run).toMatchObject({ state: 'completed', audience_count: 25_001, batch_count: 3 });
      const messages = await p.sim.messages();
      expect(messages).toHaveLength(3);
      expect(messages.every((m) => m.attachments.length === 1)).toBe(true);
      expect(await p.sim.requests('media/upload')).toBe(1);
    } finally {
      release();
      slowImage = Promise.resolve();
      spy.mockRestore();
    }
  });

  it('fails the run when its image cannot be had, writing no batch and sending nothing', async () => {
    await seedBuyers(p.db, 25_001, { daysAgo: 35 });
    const pushId = await createRule({
      name: '图片缺失',
      img: imageUrl.replace('cat.png', 'missing.png'),
    });
    const runId = await trigger(pushId);
    const run = await finishedRun(pushId);
    expect(run.state).toBe('failed');
    expect(run.reason).toMatch(/^attachments: .*HTTP 404/);
    expect(await batchesOf(runId)).toHaveLength(0);
    expect(await p.sim.messages()).toHaveLength(0);
  });

  it('fires a slot at its minute, not earlier — a slot created after the hourly scan, at 00:00 across midnight', async () => {
    // Monday 2025-03-03 23:59:52 in Shanghai; the slot is Tuesday 00:00 (8 s: room for the
    // create and the look at the pending run on a loaded CI).
    const slotAt = shanghaiInstant('2025-03-04', '00:00:00');
    p.clock.setNow(new Date(slotAt.getTime() - 8_000));
    await seedBuyers(p.db, 3, { daysAgo: 40, now: p.clock.now() });
    const created = Date.now();
    const pushId = await createRule({
      name: '零点',
      startDate: '2025-01-01',
      endDate: '2025-12-31',
      weekDayPushTime: [{ week: 2, time: '00:00' }],
      lastOrderDay: 30,
      lastOrderDayLimit: 45,
    });
    // Scheduled in MySQL (a pending run: what a Redis that loses its data cannot take away),
    // not started before its minute.
    expect(await runsOf(pushId)).toEqual([
      expect.objectContaining({ state: 'pending', started_at: null }),
    ]);
    const run = await finishedRun(pushId);
    expect(Date.now() - created).toBeGreaterThanOrEqual(7_000);
    expect(run.state).toBe('completed');
    expect(run.slot_at.getTime()).toBe(slotAt.getTime());
    expect((run.started_at as Date).getTime()).toBeGreaterThanOrEqual(slotAt.getTime());
    expect((await p.sim.messages()).flatMap((m) => m.externalUserIds)).toHaveLength(3);
  });

  it('does not send a paused, deleted or edited-away slot, and records why', async () => {
    const slotAt = shanghaiInstant('2025-03-03', '10:00:00'); // a Monday
    // Time for three creates and three changes before the slot, on a loaded CI too (3 s were
    // once not enough, and the deleted rule's slot fired first).
    p.clock.setNow(new Date(slotAt.getTime() - 15_000));
    await seedBuyers(p.db, 5, { daysAgo: 40, now: p.clock.now() });
    const base = {
      startDate: '2025-01-01',
      endDate: '2025-12-31',
      weekDayPushTime: [{ week: 1, time: '10:00' }],
    };
    const paused = await createRule({ name: '暂停', ...base });
    const deleted = await createRule({ name: '删除', ...base });
    const moved = await createRule({ name: '改时间', ...base });
    await p.api.post('/wechatpush/editstatus', { id: paused, status: 1 });
    await p.api.post('/wechatpush/delete', { id: deleted });
    await p.api.post('/wechatpush/edit', {
      ...plainRuleBody({ name: '改时间', ...base, weekDayPushTime: [{ week: 1, time: '11:00' }] }),
      id: moved,
    });
    expect(p.clock.now().getTime()).toBeLessThan(slotAt.getTime());
    expect(await finishedRun(paused)).toMatchObject({ state: 'skipped', reason: 'rule paused' });
    expect(await finishedRun(deleted)).toMatchObject({ state: 'skipped', reason: 'rule deleted' });
    expect(await finishedRun(moved)).toMatchObject({
      state: 'skipped',
      reason: 'slot no longer in the rule',
    });
    expect(await p.sim.messages()).toEqual([]);
  });

  it('records a slot job that runs later than the grace as missed, sending nothing', async () => {
    await seedBuyers(p.db, 2, { daysAgo: 40 });
    const slotAt = new Date(Date.now() - 31 * 60_000);
    const fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    });
    const parts = Object.fromEntries(fmt.formatToParts(slotAt).map((x) => [x.type, x.value]));
    const week = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday) + 1;
    const minute = new Date(Math.floor(slotAt.getTime() / 60_000) * 60_000);
    const pushId = await createRule({
      name: '迟到',
      startDate: '2020-01-01',
      endDate: '2099-12-31',
      weekDayPushTime: [{ week, time: `${parts.hour}:${parts.minute}` }],
    });
    // As if an outage held the job: it reaches a worker 31 minutes after its minute.
    await p.worker
      .get(PipelineQueues)
      .add(JobName.FIRE_SLOT, { pushId, kind: 'scheduled', slotAt: minute.toISOString() });
    const run = await finishedRun(pushId);
    expect(run.state).toBe('missed');
    expect(run.reason).toMatch(/late \(grace 30 min\)/);
    expect(await p.sim.messages()).toEqual([]);
  });

  it('restores a due slot after Redis was flushed between scan and fire; it fires once', async () => {
    const slotAt = shanghaiInstant('2025-03-03', '10:00:00');
    p.clock.setNow(new Date(slotAt.getTime() - 10_000));
    await seedBuyers(p.db, 4, { daysAgo: 40, now: p.clock.now() });
    const pushId = await createRule({
      name: '清空Redis',
      startDate: '2025-01-01',
      endDate: '2025-12-31',
      weekDayPushTime: [{ week: 1, time: '10:00' }],
    });
    await p.scheduler.scan();
    expect(await p.flushRedis()).toBeGreaterThan(0);
    await p.scheduler.scan(); // the hourly scan after the flush
    await p.scheduler.scan(); // and another replica's
    const run = await finishedRun(pushId);
    expect(run.state).toBe('completed');
    expect(await runsOf(pushId)).toHaveLength(1);
    const ledger = await recipientsInLedger();
    expect(ledger.size).toBe(4);
    expect([...ledger.values()].every((n) => n === 1)).toBe(true);
  });

  it('a MySQL failure while reading a batch before its call leaves it pending for the retry: sent once, never unknown', async () => {
    await seedBuyers(p.db, 30, { daysAgo: 40 });
    const pushId = await createRule({ name: '读取失败' });
    const repo = p.worker.get(PushRunRepository);
    const spy = jest
      .spyOn(repo, 'recipientsOf')
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:3306'));
    try {
      const runId = await trigger(pushId);
      expect(await finishedRun(pushId)).toMatchObject({ id: runId, state: 'completed' });
      expect(spy).toHaveBeenCalledTimes(2);
      const [batch] = await batchesOf(runId);
      expect(batch).toMatchObject({ state: 'sent', attempts: 1 });
      expect((await p.sim.messages()).flatMap((m) => m.externalUserIds)).toHaveLength(30);
    } finally {
      spy.mockRestore();
    }
  });

  it('re-enqueues the pending batches of a sending run whose jobs Redis lost; each is sent once', async () => {
    await seedBuyers(p.db, 25_001, { daysAgo: 40 });
    const pushId = await createRule({ name: '丢失批次' });
    // One WeCom call every 10 s: after the first batch, the others wait in Redis.
    await p.worker.get(PipelineQueues).queue(QueueName.BATCH).setGlobalRateLimit(1, 10_000);
    const runId = await trigger(pushId);
    // Selection and sending overlap: wait for the selection to be over (every batch's job
    // enqueued — one enqueued after the flush below would be found 'present') and the first
    // batch to be sent.
    await eventually(
      async () => {
        const bs = await batchesOf(runId);
        const [run] = await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
        return (
          run?.state === 'sending' &&
          bs.length === 3 &&
          bs.some((b: { state: string }) => b.state === 'sent')
        );
      },
      25_000,
      'selection done: three batches, the first sent',
    );
    // On a loaded machine the selection may take long enough for a second batch to go out.
    const pending = (await batchesOf(runId)).filter(
      (b: { state: string }) => b.state === 'pending',
    ).length;
    expect(pending).toBeGreaterThan(0);
    expect(await p.flushRedis()).toBeGreaterThan(0); // queued jobs and the rate limit are gone
    const report = await p.scheduler.reconcile(p.clock.now());
    expect(report.batches).toBe(pending);
    const run = await finishedRun(pushId);
    expect(run).toMatchObject({ id: runId, state: 'completed' });
    expect((await batchesOf(runId)).map((b: { state: string }) => b.state)).toEqual([
      'sent',
      'sent',
      'sent',
    ]);
    const ledger = await recipientsInLedger();
    expect(ledger.size).toBe(25_001);
    expect([...ledger.values()].every((n) => n === 1)).toBe(true);
  });

  it('sends a batch whose job id a finished job of an earlier database still holds (tables reset, Redis kept)', async () => {
    await seedBuyers(p.db, 120, { daysAgo: 40 });
    const first = await createRule({ name: '重置之前' });
    await trigger(first);
    expect(await finishedRun(first, 'the first run')).toMatchObject({ state: 'completed' });
    // The database starts over (ids from 1 again); the queue keeps the finished job of batch 1.
    await resetPipelineTables(p.db);
    await p.sim.reset();
    await seedBuyers(p.db, 80, { daysAgo: 40, prefix: 'again' });
    const second = await createRule({ name: '重置之后' });
    const runId = await trigger(second);
    expect(await finishedRun(second, 'the run after the reset')).toMatchObject({
      id: runId,
      state: 'completed',
    });
    expect(
      (await batchesOf(runId)).map((b: { id: number; state: string }) => [b.id, b.state]),
    ).toEqual([[1, 'sent']]);
    const ledger = await recipientsInLedger();
    expect([...ledger.keys()].every((id) => id.startsWith('ext-again-'))).toBe(true);
    expect(ledger.size).toBe(80);
  });

  it('a batch whose job Redis lost during its WeCom call: reconcile says unknown, the late answer records it sent', async () => {
    await seedBuyers(p.db, 3, { daysAgo: 40 });
    const pushId = await createRule({ name: '调用中丢失Redis' });
    // The call takes 1 s (under WECOM_TIMEOUT_MS): long enough to lose Redis meanwhile.
    await p.sim.setFaults({ latencyMs: 1_000, endpoints: ['externalcontact/add_msg_template'] });
    const runId = await trigger(pushId);
    await eventually(
      async () => (await batchesOf(runId))[0]?.state === 'sending',
      15_000,
      'batch in its WeCom call',
    );
    expect(await p.flushRedis()).toBeGreaterThan(0);
    // The hourly scan finds the batch `sending` with no job: it may have reached WeCom.
    expect((await p.scheduler.reconcile(p.clock.now())).batches).toBe(1);
    expect((await batchesOf(runId))[0].state).toBe('unknown');
    // WeCom's answer then arrives: accepted, so the batch is sent, with its msgid.
    const [batch] = await eventually(
      async () => {
        const bs = await batchesOf(runId);
        return bs[0]?.state === 'sent' ? bs : undefined;
      },
      15_000,
      'batch recorded sent',
    );
    const ledger = await p.sim.messages();
    expect(ledger).toHaveLength(1);
    expect(batch.msgid).toBe(ledger[0].msgid);
    const [results] = await p.db.query(
      'SELECT COUNT(*) AS n FROM wechat_push_results WHERE batch_id = ?',
      [batch.id],
    );
    expect(Number(results.n)).toBe(1);
    const run = await eventually(
      async () => {
        const [r] = await p.db.query('SELECT * FROM wechat_push_runs WHERE id = ?', [runId]);
        return r.state === 'completed' && Number(r.sent_batches) === 1 ? r : undefined;
      },
      15_000,
      'run counts the batch as sent',
    );
    expect(run).toMatchObject({ unknown_batches: 0, accepted_count: 3 });
  });

  describe('WeCom faults', () => {
    it.each([
      ['HTTP 5xx', { http5xxRate: 1 }],
      ['-1 system busy', { busyRate: 1 }],
      ['45009 frequency limit', { rateLimitRate: 1 }],
    ])('retries a batch after %s until it is sent, once', async (_name, fault) => {
      await seedBuyers(p.db, 10, { daysAgo: 40 });
      const pushId = await createRule({ name: `故障-${_name}` });
      await p.sim.setFaults({ ...fault, endpoints: ['externalcontact/add_msg_template'] });
      const runId = await trigger(pushId);
      await eventually(
        async () => {
          const [b] = await batchesOf(runId);
          return b && b.attempts >= 2 && b.state === 'pending';
        },
        15_000,
        'a retried attempt',
      );
      await p.sim.setFaults({});
      const run = await finishedRun(pushId);
      expect(run.state).toBe('completed');
      const [batch] = await batchesOf(runId);
      expect(batch.state).toBe('sent');
      expect(batch.attempts).toBeGreaterThanOrEqual(3);
      expect(await p.sim.messages()).toHaveLength(1);
    });

    it('marks a batch failed when retries run out, sending nothing', async () => {
      await seedBuyers(p.db, 3, { daysAgo: 40 });
      const pushId = await createRule({ name: '一直失败' });
      await p.sim.setFaults({ busyRate: 1, endpoints: ['externalcontact/add_msg_template'] });
      const runId = await trigger(pushId);
      expect(await finishedRun(pushId)).toMatchObject({ state: 'completed' });
      const [batch] = await batchesOf(runId);
      expect(batch).toMatchObject({ state: 'failed', attempts: 8, errcode: -1 });
      expect(await p.sim.messages()).toEqual([]);
      // Nothing reached WeCom: the three customers' contact reservations were given back.
      expect(await ledgerOf(batch.id)).toEqual([{ released: 1, reason: 'batch_failed', n: 3 }]);
    });

    it('recovers from an invalidated access token with one replay', async () => {
      await seedBuyers(p.db, 3, { daysAgo: 40 });
      // The same customers twice in a row: the contact policy would (rightly) stop the second.
      await setPolicy(p.db, PERMISSIVE_POLICY);
      const pushId = await createRule({ name: '令牌失效', cooldownDays: 0 });
      await trigger(pushId);
      await finishedRun(pushId, 'first run');
      expect(await p.sim.revokeTokens(40014)).toBeGreaterThan(0);
      p.clock.setNow(new Date(p.clock.now().getTime() + 2_000)); // a later trigger is a new run
      const runId2 = await trigger(pushId);
      await eventually(
        async () => (await batchesOf(runId2))[0]?.state === 'sent',
        15_000,
        'second run sent',
      );
      expect(await p.sim.messages()).toHaveLength(2);
    });

    it('records a timeout after WeCom accepted as unknown, never resends it automatically, and resends once on request', async () => {
      await seedBuyers(p.db, 6, { daysAgo: 40 });
      const pushId = await createRule({ name: '超时' });
      await p.sim.setFaults({
        timeoutAfterAcceptRate: 1,
        holdMs: 5_000,
        endpoints: ['externalcontact/add_msg_template'],
      });
      const runId = await trigger(pushId);
      expect(await finishedRun(pushId)).toMatchObject({ state: 'completed' });
      const [batch] = await batchesOf(runId);
      expect(batch.state).toBe('unknown');
      expect(await p.sim.messages()).toHaveLength(1); // WeCom did create it
      await p.sim.setFaults({});
      // No scan, reconcile or retry sends it again.
      await p.scheduler.scan();
      await new Promise((r) => setTimeout(r, 500));
      expect((await batchesOf(runId))[0].state).toBe('unknown');
      expect(await p.sim.messages()).toHaveLength(1);

      const refused = await p.api.post('/wechatpush/batch/resend', { batchId: 999999 });
      expect(refused.status).toBe(404);
      // While the timed-out attempt's answer could still arrive, a resend is refused.
      const early = await p.api.post('/wechatpush/batch/resend', { batchId: batch.id });
      expect(early.status).toBe(409);
      expect(early.body.error.details[0].message).toMatch(/may still be in flight until/);
      p.clock.setNow(new Date(p.clock.now().getTime() + 10 * 60_000));
      const res = await p.api.post('/wechatpush/batch/resend', { batchId: batch.id });
      expect(res.body).toEqual({ success: true, data: { batchId: Number(batch.id), resends: 1 } });
      await eventually(async () => (await batchesOf(runId))[0].state === 'sent', 15_000, 'resent');
      expect(await p.sim.messages()).toHaveLength(2);
      const again = await p.api.post('/wechatpush/batch/resend', { batchId: batch.id });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('INVALID_STATE');
      // A late answer of the superseded first attempt (resends 0), arriving while the resend
      // is in its call, changes nothing.
      const [sent] = await batchesOf(runId);
      await p.db.query("UPDATE wechat_push_batches SET state = 'sending' WHERE id = ?", [batch.id]);
      const stale = await p.worker.get(PushRunRepository).markSent(
        { id: Number(batch.id), runId, resends: 0 },
        { pushId, name: '超时' },
        {
          external_userid: [],
          content: '',
          attachments: [],
          add: { errcode: 0, errmsg: 'ok', fail_list: [], msgid: 'msg-of-the-first-attempt' },
        },
        p.clock.now(),
      );
      expect(stale).toBe(false);
      expect((await batchesOf(runId))[0]).toMatchObject({ state: 'sending', msgid: sent.msgid });
      await p.db.query("UPDATE wechat_push_batches SET state = 'sent' WHERE id = ?", [batch.id]);
      expect(await finishedRun(pushId)).toMatchObject({ state: 'completed' });
    });
  });

  it('stops selecting when the run is cancelled mid-selection, writing no further batch', async () => {
    await seedBuyers(p.db, 20_001, { daysAgo: 40 });
    const pushId = await createRule({ name: '选择中取消' });
    const audience = p.worker.get(SelectAudienceService);
    const original = audience.page.bind(audience);
    let pages = 0;
    let runId = 0;
    const spy = jest.spyOn(audience, 'page').mockImplementation(async (...args) => {
      // The operator cancels while the second page is being read (read ahead while the first
      // is written), once the first batch is committed.
      if (++pages === 2) {
        await eventually(
          async () => runId > 0 && (await batchesOf(runId)).length === 1,
          15_000,
          'first batch committed',
        );
        await p.api.post('/wechatpush/run/cancel', { runId });
      }
      return original(...args);
    });
    try {
      runId = await trigger(pushId);
      const run = await finishedRun(pushId);
      expect(run.state).toBe('cancelled');
      // Page 3 may have been read ahead; page 2 was never written, nothing after it either.
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(pages).toBeLessThanOrEqual(3);
      const batches = await batchesOf(runId);
      expect(batches.map((b: { batch_no: number }) => b.batch_no)).toEqual([1]);
      expect((await runsOf(pushId))[0].batch_count).toBe(1);
    } finally {
      spy.mockRestore();
    }
  }, 180_000);

  it('cancels a run: pending batches stop, created WeCom tasks are cancelled', async () => {
    await seedBuyers(p.db, 30_001, { daysAgo: 40 });
    const pushId = await createRule({ name: '取消' });
    // One WeCom call every 3 s, so later batches are still pending when the operator cancels.
    const batchQueue = p.worker.get(PipelineQueues).queue(QueueName.BATCH);
    await batchQueue.setGlobalRateLimit(1, 3_000);
    const runId = await trigger(pushId);
    await eventually(
      async () =>
        (await runsOf(pushId))[0]?.state === 'sending' && // all 4 batches written
        (await batchesOf(runId)).some((b: { state: string }) => b.state === 'sent'),
      15_000,
      'selection done and a batch sent',
    );
    const res = await p.api.post('/wechatpush/run/cancel', { runId });
    expect(res.status).toBe(200);
    const final = await eventually(
      async () => {
        const bs = await batchesOf(runId);
        return bs.every((b: { state: string }) => b.state !== 'pending' && b.state !== 'sending')
          ? bs
          : undefined;
      },
      15_000,
      'batches settled',
    );
    const states = final.map((b: { state: BatchState }) => b.state);
    expect(states.length).toBeGreaterThan(1);
    expect(states).toContain('cancelled');
    // The cancelled batches' customers were never sent to: their reservations were given back.
    for (const b of final.filter((x: { state: string }) => x.state === 'cancelled'))
      expect(await ledgerOf(b.id)).toEqual([
        { released: 1, reason: 'batch_cancelled', n: b.recipient_count },
      ]);
    const messages = await p.sim.messages();
    const cancelledIds = res.body.data.cancelledTasks as string[];
    expect(cancelledIds.length).toBeGreaterThan(0);
    for (const id of cancelledIds)
      expect(messages.find((m) => m.msgid === id)?.cancelled).toBe(true);
    expect((await runsOf(pushId))[0].state).toBe(RunState.CANCELLED);
    await batchQueue.setGlobalRateLimit(50, 1_000);
  }, 180_000);

  it('cancels the WeCom task of a batch that was in its call when the run was cancelled', async () => {
    await seedBuyers(p.db, 50, { daysAgo: 40 });
    const pushId = await createRule({ name: '调用中取消' });
    // The call takes 1 s (under WECOM_TIMEOUT_MS): the operator cancels meanwhile.
    await p.sim.setFaults({ latencyMs: 1_000, endpoints: ['externalcontact/add_msg_template'] });
    try {
      const runId = await trigger(pushId);
      await eventually(
        async () => (await batchesOf(runId))[0]?.state === 'sending',
        15_000,
        'the batch in its WeCom call',
      );
      const res = await p.api.post('/wechatpush/run/cancel', { runId });
      expect(res.status).toBe(200);
      // The cancel found no sent batch yet: the task is created after it answered.
      expect(res.body.data.cancelledTasks).toEqual([]);
      const [batch] = await eventually(
        async () => {
          const bs = await batchesOf(runId);
          return bs[0]?.state === 'sent' ? bs : undefined;
        },
        15_000,
        'the call answered',
      );
      const msg = await eventually(
        async () => (await p.sim.messages()).find((m) => m.msgid === batch.msgid && m.cancelled),
        15_000,
        'the task cancelled at WeCom',
      );
      expect(msg.msgid).toBe(batch.msgid);
      expect((await runsOf(pushId))[0].state).toBe(RunState.CANCELLED);
    } finally {
      await p.sim.setFaults({});
    }
  });
});
