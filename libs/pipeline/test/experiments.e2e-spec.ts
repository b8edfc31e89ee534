import { globalControl, holdoutGroup, variantOf } from '@app/experiments';
import { ruleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
  startPipeline,
} from '../../../test/utils/pipeline';

/**
 * Experiments end to end (issue 17): real api, worker, MariaDB, Redis and the WeCom
 * simulator, whose ledger is the proof of who received what. Control customers pass the
 * same selection and contact policy as the others, are recorded on the run, and get nothing.
 */
describe('experiments: holdout and global control groups are selected, recorded and not sent', () => {
  let p: PipelineHarness;

  beforeAll(async () => {
    p = await startPipeline({ env: { PUSH_BATCH_SIZE: '10000', WORKER_CONCURRENCY: '4' } });
  });
  beforeEach(async () => {
    await resetPipelineTables(p.db);
    await p.flushRedis();
    await p.sim.reset();
    p.clock.setNow(new Date('2026-12-07T02:00:20Z')); // Monday 10:00:20 Shanghai
  });
  afterAll(async () => {
    await p?.close();
  });

  const createRule = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await p.api.post(
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
        lastOrderDay: 30,
        lastOrderDayLimit: 45,
        content: `内容-${name}`,
        // A slot the scheduler never reaches in these tests (the clock is Monday 10:00):
        // every run here is the manual one.
        weekDayPushTime: [{ week: 3, time: '23:00' }],
        ...extra,
      }),
    );
    expect(res.status).toBe(200);
    const [row] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    return Number(row.id);
  };
  type RunRow = { id: number; state: string; audience_count: number; control_count: number };
  const runToEnd = async (pushId: number): Promise<RunRow> => {
    const trigger = await p.api.post('/wechatpush/trigger', { id: pushId });
    expect(trigger.status).toBe(200);
    const runId = trigger.body.data.runId as number;
    return eventually(
      async () => {
        const [run]: RunRow[] = await p.db.query('SELECT * FROM wechat_push_runs WHERE id = ?', [
          runId,
        ]);
        return run && ['completed', 'failed', 'cancelled'].includes(run.state) ? run : undefined;
      },
      120_000,
      `run of rule ${pushId} finished`,
    );
  };
  const receivedBy = async (content: string) => {
    const got = new Set<string>();
    for (const m of await p.sim.messages())
      if ((m.text as { content?: string } | null)?.content === content)
        for (const e of m.externalUserIds) got.add(e);
    return got;
  };
  const controlsOf = async (runId: number) =>
    (await p.db.query(
      'SELECT external_userid AS e, control_group AS g FROM wechat_push_run_controls WHERE run_id = ?',
      [runId],
    )) as { e: string; g: string }[];

  it('a 10 % holdout on a 200,000-customer audience: no control customer is sent, the share is 10 % ± 1 point, the draw is the documented one', async () => {
    const ids = await seedBuyers(p.db, 200_000, { daysAgo: 35, now: p.clock.now() });
    const pushId = await createRule('对照组10', { holdoutPercent: 10 });

    const preview = await p.api.post('/wechatpush/preview', { id: pushId });
    expect(preview.status).toBe(200);

    const run = await runToEnd(pushId);
    expect(run.state).toBe('completed');
    const controls = await controlsOf(run.id);
    const held = new Set(controls.map((c) => c.e));
    expect(controls.every((c) => c.g === 'holdout')).toBe(true);
    expect(Number(run.control_count)).toBe(held.size);
    expect(Number(run.audience_count) + held.size).toBe(200_000);
    const share = held.size / 200_000;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    // Each recorded with its customer id (seedBuyers: customer i has ext-c-00000i).
    const [{ wrong }] = await p.db.query(
      `SELECT COUNT(*) AS wrong FROM wechat_push_run_controls c
         LEFT JOIN customers cu ON cu.id = c.customer_id
        WHERE c.run_id = ? AND (cu.external_userid IS NULL OR cu.external_userid <> c.external_userid)`,
      [run.id],
    );
    expect(Number(wrong)).toBe(0);
    // Exactly the customers the documented draw puts in this rule's control group.
    const expected = ids.filter((e) => holdoutGroup(e, pushId, 10) === 'control');
    expect(held).toEqual(new Set(expected));

    // The simulator's ledger: every treated customer once, no control customer.
    const got = await receivedBy('内容-对照组10');
    expect(got.size).toBe(Number(run.audience_count));
    expect([...held].filter((e) => got.has(e))).toEqual([]);

    // The preview said the same before the run; the runs API carries the count.
    expect(preview.body.data).toMatchObject({
      count: Number(run.audience_count),
      control: { holdout: held.size, global: 0 },
    });
    const runs = await p.api.post('/wechatpush/runs', { id: pushId, page: 1, pagesize: 10 });
    expect(runs.body.data.data[0]).toMatchObject({
      audienceCount: Number(run.audience_count),
      controlCount: held.size,
    });
    // Control customers were not reserved: the contact policy counts messages only.
    const [{ n }] = await p.db.query(
      'SELECT COUNT(*) AS n FROM contact_ledger WHERE run_id = ? AND external_userid IN (?)',
      [run.id, expected.slice(0, 1000)],
    );
    expect(Number(n)).toBe(0);
  }, 300_000);

  it('content variants: each variant goes out as its own WeCom tasks to exactly the customers its weight draws; controls record the variant they would have got', async () => {
    const ids = await seedBuyers(p.db, 3_000, { daysAgo: 35, now: p.clock.now() });
    const pushId = await createRule('AB', {
      holdoutPercent: 10,
      contentWeight: 1,
      variants: [{ content: '内容-AB-变体B', weight: 2 }],
    });
    const run = await runToEnd(pushId);
    expect(run.state).toBe('completed');
    const held = new Map((await controlsOf(run.id)).map((c) => [c.e, c]));
    const drawn = (e: string) => variantOf(e, pushId, [1, 2]);
    const treated = ids.filter((e) => holdoutGroup(e, pushId, 10) === 'treated');
    expect(held.size).toBe(ids.length - treated.length);

    // The simulator's ledger: A's text to A's customers, B's to B's, each task one variant.
    const a = await receivedBy('内容-AB');
    const b = await receivedBy('内容-AB-变体B');
    expect(a).toEqual(new Set(treated.filter((e) => drawn(e) === 0)));
    expect(b).toEqual(new Set(treated.filter((e) => drawn(e) === 1)));
    expect(b.size / treated.length).toBeGreaterThan(0.6); // weight 2 of 3
    expect(b.size / treated.length).toBeLessThan(0.73);

    const batches: { variant: number; recipients: string }[] = await p.db.query(
      'SELECT variant, recipients FROM wechat_push_batches WHERE run_id = ? ORDER BY batch_no',
      [run.id],
    );
    expect(batches.map((x) => x.variant)).toEqual([0, 1]);
    const runs = await p.api.post('/wechatpush/runs', { id: pushId, page: 1, pagesize: 10 });
    expect(
      runs.body.data.data[0].batches.map((x: { variant: string; recipientCount: number }) => [
        x.variant,
        x.recipientCount,
      ]),
    ).toEqual([
      ['A', a.size],
      ['B', b.size],
    ]);
    // Control members carry the variant they would have got.
    const [{ v }] = await p.db.query(
      'SELECT GROUP_CONCAT(external_userid, ":", variant) AS v FROM wechat_push_run_controls WHERE run_id = ?',
      [run.id],
    );
    for (const pair of String(v).split(',')) {
      const [e, variant] = pair.split(':');
      expect([e, Number(variant)]).toEqual([e, drawn(e)]);
    }
  }, 120_000);

  it('the global control group: no rule sends to it, a service notice that opts out does; every run records its members', async () => {
    const ids = await seedBuyers(p.db, 4_000, { daysAgo: 35, now: p.clock.now() });
    await setPolicy(p.db, {
      globalControlPercent: 5,
      maxPerDay: 50,
      maxPerWeek: 350,
      minGapHours: 0,
    });
    const [{ salt }] = await p.db.query(
      'SELECT global_control_salt AS salt FROM contact_policy WHERE id = 1',
    );
    expect(salt).toMatch(/^[0-9a-f]{16}$/);
    const global = new Set(ids.filter((e) => globalControl(e, 5, salt)));
    expect(global.size).toBeGreaterThan(100);

    const plain = await createRule('全局对照-普通', { cooldownDays: 0 });
    const notice = await createRule('全局对照-服务通知', {
      cooldownDays: 0,
      capExempt: true,
      ignoreGlobalControl: true,
    });
    const r1 = await runToEnd(plain);
    const r2 = await runToEnd(notice);

    const c1 = await controlsOf(r1.id);
    expect(new Set(c1.map((c) => c.e))).toEqual(global);
    expect(c1.every((c) => c.g === 'global')).toBe(true);
    const got1 = await receivedBy('内容-全局对照-普通');
    expect(got1.size).toBe(ids.length - global.size);
    expect([...global].filter((e) => got1.has(e))).toEqual([]);

    expect(await controlsOf(r2.id)).toEqual([]);
    const got2 = await receivedBy('内容-全局对照-服务通知');
    expect(got2.size).toBe(ids.length);

    const [stored] = await p.db.query('SELECT experiment FROM wechat_push_runs WHERE id = ?', [
      r1.id,
    ]);
    expect(JSON.parse(stored.experiment)).toEqual({
      ruleId: plain,
      holdoutPercent: 0,
      globalControlPercent: 5,
      salt,
      ignoreGlobalControl: false,
      weights: [1],
    });
  }, 120_000);
});
