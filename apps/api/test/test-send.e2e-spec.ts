import http from 'node:http';
import { AddressInfo } from 'node:net';
import { TrackDeliveryService } from '@app/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  startPipeline,
} from '../../../test/utils/pipeline';
import { truncate } from '../../../test/utils/db';

// A 1×1 PNG, served by a local image host the config allow-lists.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Test sends (issue 23): the real api, worker, MariaDB, Redis and the WeCom simulator, whose
 * ledger of accepted messages says who received what.
 */
describe("test send: a rule's message, each variant, to the test group only, in no statistics", () => {
  let p: PipelineHarness;
  let images: http.Server;
  let imageUrl: string;

  beforeAll(async () => {
    images = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
      res.end(PNG);
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat.png`;
    p = await startPipeline({
      env: {
        MEDIA_ALLOWED_HOSTS: '127.0.0.1',
        WECOM_MINIPROGRAM_APPID: 'wx-test-appid',
        PUSH_BATCH_SIZE: '10000',
        WORKER_CONCURRENCY: '4',
      },
    });
  });
  beforeEach(async () => {
    await p.quiesce();
    await resetPipelineTables(p.db);
    await truncate(p.db, 'test_group_members');
    await p.flushRedis();
    await p.sim.reset();
    p.clock.setNow(new Date('2026-12-07T02:00:20Z')); // Monday 10:00:20 Shanghai
  });
  afterAll(async () => {
    await p?.close();
    await new Promise((r) => images.close(r));
  });

  const DAY = '2026-12-07';
  const createRule = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await p.api.post(
      '/wechatpush/create',
      plainRuleBody({
        name,
        startDate: '2020-01-01',
        endDate: '2099-12-31',
        lastOrderDay: 30,
        lastOrderDayLimit: 45,
        content: `内容-${name}`,
        // A slot the scheduler never reaches here: every run is a trigger or a test send.
        weekDayPushTime: [{ week: 3, time: '23:00' }],
        ...extra,
      }),
    );
    expect(res.status).toBe(200);
    const [row] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    return Number(row.id);
  };
  type RunRow = { id: number; kind: string; state: string; audience_count: number };
  const finished = (runId: number) =>
    eventually(
      async () => {
        const [run]: RunRow[] = await p.db.query('SELECT * FROM wechat_push_runs WHERE id = ?', [
          runId,
        ]);
        return run && ['completed', 'failed', 'cancelled'].includes(run.state) ? run : undefined;
      },
      60_000,
      `run ${runId} finished`,
    );
  const setGroup = (members: { externalUserId: string; name?: string }[]) =>
    p.api.post('/testgroup/update', { members });

  /** Every statistics figure of the rule and the day. */
  const figures = async (pushId: number) => {
    const range = { startTime: DAY, endTime: DAY };
    const calls: [string, Record<string, unknown>][] = [
      ['/statistic/wechatpush/result', { ...range, name: '试发' }],
      ['/statistic/wechatpush/runs', { ...range, id: pushId }],
      ['/statistic/wechatpush/daily', { ...range, name: '试发' }],
      ['/statistic/wechatpush/compare', { ...range, ids: [pushId] }],
      ['/statistic/wechatpush/report', { ...range, granularity: 'week', format: 'json' }],
      ['/statistic/wechatpush/goods', { ...range, id: pushId, dimension: 'city' }],
      ['/statistic/wechatpush/experiment', { ...range, id: pushId }],
    ];
    const out: Record<string, unknown> = {};
    for (const [path, body] of calls) {
      const res = await p.api.post(path, body);
      expect({ path, status: res.status, error: res.body.error }).toEqual({
        path,
        status: 200,
        error: undefined,
      });
      out[path] = res.body.data;
    }
    return out;
  };

  it('sends the rule (image) and both variants (mini-program card, text) to exactly the test group, one task per variant; no contact ledger, no delivery rows, every statistic unchanged', async () => {
    const customers = await seedBuyers(p.db, 20, { daysAgo: 35, now: p.clock.now() });
    const pushId = await createRule('试发', {
      img: imageUrl,
      contentWeight: 1,
      variants: [
        {
          content: '内容-试发-B',
          weight: 1,
          miniProgramTitle: '小程序卡片',
          miniProgramImg: imageUrl,
          miniProgramUrl: 'pages/home/index',
        },
        { content: '内容-试发-C', weight: 1 },
      ],
    });
    // A real run first, so the statistics have figures to keep.
    const trigger = await p.api.post('/wechatpush/trigger', { id: pushId });
    expect(trigger.status).toBe(200);
    expect(await finished(trigger.body.data.runId as number)).toMatchObject({
      state: 'completed',
      reason: null,
    });
    await eventually(
      async () => {
        const res = await p.api.post('/statistic/wechatpush/result', {
          startTime: DAY,
          endTime: DAY,
          name: '试发',
        });
        return res.body.data?.pushCount === 20;
      },
      60_000,
      'the real run in the statistics',
    );
    await p.quiesce();
    const before = await figures(pushId);
    const sentBefore = new Set((await p.sim.messages()).map((m) => m.msgid));

    // Two internal contacts who are no customers, and one customer the rule also selects.
    const group = ['wm-test-phone-1', 'wm-test-phone-2', customers[0]];
    expect(
      (await setGroup(group.map((e, i) => ({ externalUserId: e, name: `手机${i}` })))).status,
    ).toBe(200);
    const res = await p.api.post('/wechatpush/testsend', { id: pushId });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ runId: expect.any(Number), members: 3 });
    const runId = res.body.data.runId as number;
    const run = await finished(runId);
    expect(run).toMatchObject({ kind: 'test', state: 'completed' });
    expect(Number(run.audience_count)).toBe(3);

    // The simulator's ledger: three new tasks — A, B, C — each to exactly the group.
    const sent = (await p.sim.messages()).filter((m) => !sentBefore.has(m.msgid));
    expect(sent).toHaveLength(3);
    for (const m of sent) expect([...m.externalUserIds].sort()).toEqual([...group].sort());
    const byText = new Map(sent.map((m) => [(m.text as { content?: string }).content, m]));
    expect([...byText.keys()].sort()).toEqual(['内容-试发', '内容-试发-B', '内容-试发-C']);
    expect(byText.get('内容-试发')!.attachments).toEqual([
      { msgtype: 'image', image: { media_id: expect.any(String) } },
    ]);
    expect(byText.get('内容-试发-B')!.attachments).toEqual([
      {
        msgtype: 'miniprogram',
        miniprogram: expect.objectContaining({ title: '小程序卡片', page: 'pages/home/index' }),
      },
    ]);
    expect(byText.get('内容-试发-C')!.attachments).toEqual([]);
    const batches: { id: number; variant: number; state: string; recipient_count: number }[] =
      await p.db.query(
        'SELECT id, variant, state, recipient_count FROM wechat_push_batches WHERE run_id = ? ORDER BY variant',
        [runId],
      );
    expect(batches.map((b) => [b.variant, b.state, b.recipient_count])).toEqual([
      [0, 'sent', 3],
      [1, 'sent', 3],
      [2, 'sent', 3],
    ]);

    // The contact policy never heard of it: no reservation, no ledger batch, no controls.
    const count = async (sql: string) => Number((await p.db.query(sql, [runId]))[0].n);
    expect(await count('SELECT COUNT(*) AS n FROM contact_ledger WHERE run_id = ?')).toBe(0);
    expect(
      await count(
        'SELECT COUNT(*) AS n FROM contact_batches c JOIN wechat_push_batches b ON b.id = c.batch_id WHERE b.run_id = ?',
      ),
    ).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM wechat_push_run_controls WHERE run_id = ?')).toBe(
      0,
    );
    // Delivery tracking, even when asked (as the send hook and the hourly reconcile do), writes
    // no rows for a test batch: nothing reaches the statistics tables.
    const tracker = p.worker.get(TrackDeliveryService);
    for (const b of batches) {
      await tracker.onBatchSent(b.id);
      expect(await tracker.track(b.id)).toBe('skipped');
    }
    await tracker.reconcile(p.clock.now());
    expect(
      await count('SELECT COUNT(*) AS n FROM wechat_push_delivery_tasks WHERE run_id = ?'),
    ).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM wechat_push_deliveries WHERE run_id = ?')).toBe(
      0,
    );
    await p.quiesce();
    expect(await figures(pushId)).toEqual(before);

    // The rule's run history shows it, marked.
    const runs = await p.api.post('/wechatpush/runs', { id: pushId });
    expect(runs.body.data.data[0]).toMatchObject({
      id: runId,
      kind: 'test',
      audienceCount: 3,
      batches: [{ variant: 'A' }, { variant: 'B' }, { variant: 'C' }],
    });
  });

  it('refuses a test send while the group is empty (409 TEST_GROUP_EMPTY), of an unknown rule (404), and while one of the rule is in flight (409 TEST_SEND_IN_FLIGHT)', async () => {
    const pushId = await createRule('空测试组');
    const empty = await p.api.post('/wechatpush/testsend', { id: pushId });
    expect(empty.status).toBe(409);
    expect(empty.body.error).toMatchObject({
      code: 'TEST_GROUP_EMPTY',
      details: [{ field: 'id', message: expect.any(String) }],
    });
    expect(await p.db.query('SELECT id FROM wechat_push_runs')).toEqual([]);

    expect((await setGroup([{ externalUserId: 'wm-test-phone-1' }])).status).toBe(200);
    const unknown = await p.api.post('/wechatpush/testsend', { id: pushId + 1000 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');

    await p.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, created_at, updated_at)
       VALUES (?, 'test', '2026-12-07 10:00:00', 'sending', '空测试组', NOW(), NOW())`,
      [pushId],
    );
    const busy = await p.api.post('/wechatpush/testsend', { id: pushId });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('TEST_SEND_IN_FLIGHT');
  });

  it.each([
    ['too many members', 'members', { members: 51 }],
    ['an empty id', 'members[1].externalUserId', { ids: ['wm-a', ''] }],
    ['an id longer than 128', 'members[0].externalUserId', { ids: ['x'.repeat(129)] }],
    ['an id with spaces', 'members[0].externalUserId', { ids: ['wm a'] }],
    [
      'a duplicate id (ignoring case)',
      'members[2].externalUserId',
      { ids: ['wm-a', 'wm-b', 'WM-A'] },
    ],
    ['a name longer than 64', 'members[0].name', { names: ['名'.repeat(65)] }],
    ['no members field', 'members', {}],
    ['a member that is an array', 'members', { raw: { members: [[]] } }],
    ['a member that is a string', 'members', { raw: { members: ['wm-a'] } }],
  ])(
    '/testgroup/update refuses %s: 400 naming %s, the group unchanged',
    async (_what, field, spec) => {
      expect((await setGroup([{ externalUserId: 'wm-keep', name: '保留' }])).status).toBe(200);
      const s = spec as {
        members?: number;
        ids?: string[];
        names?: string[];
        raw?: Record<string, unknown>;
      };
      const body = s.raw
        ? s.raw
        : s.members !== undefined
          ? {
              members: Array.from({ length: s.members }, (_, i) => ({ externalUserId: `wm-${i}` })),
            }
          : s.ids
            ? { members: s.ids.map((externalUserId) => ({ externalUserId })) }
            : s.names
              ? { members: s.names.map((name) => ({ externalUserId: 'wm-n', name })) }
              : {};
      const res = await p.api.post('/testgroup/update', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      const got = await p.api.post('/testgroup/get', {});
      expect(got.body.data).toEqual({
        limit: 50,
        members: [
          {
            externalUserId: 'wm-keep',
            name: '保留',
            addedBy: expect.any(Number),
            addedAt: expect.any(String),
          },
        ],
      });
    },
  );

  it('/testgroup/update replaces the group: 50 members accepted, members kept keep when they were added, [] empties it', async () => {
    expect((await setGroup([{ externalUserId: 'wm-0', name: '老成员' }])).status).toBe(200);
    const [first] = (await p.api.post('/testgroup/get', {})).body.data.members;
    p.clock.setNow(new Date('2026-12-08T02:00:00Z'));
    const fifty = Array.from({ length: 50 }, (_, i) => ({
      externalUserId: `wm-${i}`,
      name: ` 手机${i} `,
    }));
    const res = await setGroup(fifty);
    expect(res.status).toBe(200);
    expect(res.body.data.members).toHaveLength(50);
    const kept = res.body.data.members.find(
      (m: { externalUserId: string }) => m.externalUserId === 'wm-0',
    );
    expect(kept).toEqual({ ...first, name: '手机0' });
    expect(first.addedAt).toBe('2026-12-07 10:00:20');
    expect((await setGroup([])).body.data.members).toEqual([]);
  });
});
