import { formatDateTime } from '@app/common';
import { LabelType } from '@app/database';
import { SelectAudienceService } from '@app/audience';
import { PushRuleRepository } from '@app/push-config';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import {
  eventually,
  PipelineHarness,
  resetPipelineTables,
  startPipeline,
} from '../../../test/utils/pipeline';
import { insertFixture } from '../../audience/test/audience-fixtures';

/**
 * Issue 22's targeting through the real api, worker, MariaDB, Redis and the WeCom simulator:
 * count, preview and the slot job's selection are one engine, so a labelledGoods rule with
 * places, an exclusion and a value tier reaches exactly the customers preview counted.
 */
describe('precise targeting: count, preview and the run select the same customers', () => {
  let p: PipelineHarness;

  beforeAll(async () => {
    // Batches of 2: the run pages through the audience with the keyset cursor.
    p = await startPipeline({ env: { PUSH_BATCH_SIZE: '2' } });
  });
  beforeEach(async () => {
    await resetPipelineTables(p.db);
    await p.flushRedis();
    await p.sim.reset();
  });
  afterAll(async () => {
    await p?.close();
  });

  const daysAgo = (n: number) => formatDateTime(new Date(p.clock.now().getTime() - n * 86_400_000));

  it('labelledGoods with a city, an exclusion and minOrders: preview steps, count, the run and the ledger agree', async () => {
    const [litter, food, shanghai, beijing, royal] = [1, 2, 3, 4, 5];
    // Customer n orders: 40 days ago litter (+ city), and what the comments say.
    const ids = [1, 2, 3, 4, 5, 6, 7];
    await insertFixture(p.db, {
      labels: [
        { id: litter, type: LabelType.CATEGORY, bindId: '2001', name: '猫砂' },
        { id: food, type: LabelType.CATEGORY, bindId: '2002', name: '猫粮' },
        { id: shanghai, type: LabelType.CITY, bindId: null, name: '上海' },
        { id: beijing, type: LabelType.CITY, bindId: null, name: '北京' },
        { id: royal, type: LabelType.BRAND, bindId: null, name: '皇家' },
      ],
      customers: ids.map((id) => ({ id, ext: `wm-t22-${id}` })),
      orders: [
        ...ids.map((id) => ({ id, userIds: String(id), at: daysAgo(40), payment: 50 })),
        { id: 101, userIds: '1', at: daysAgo(2), payment: 50 }, // 1: cat food since — still due
        { id: 102, userIds: '2', at: daysAgo(2), payment: 50 }, // 2: litter since — not due
        { id: 104, userIds: '4', at: daysAgo(38), payment: 50 }, // 4: 皇家 in the window
        { id: 105, userIds: '5', at: daysAgo(90), payment: 50 }, // 5, 6: a second order
        { id: 106, userIds: '6', at: daysAgo(300), payment: 50 }, // 6: outside 180 days
        { id: 107, userIds: '7', at: daysAgo(100), payment: 50 },
      ],
      links: [
        ...ids.map((id) => [id, litter, id] as [number, number, number]),
        ...ids.map((id) => [id, id === 3 ? beijing : shanghai, id] as [number, number, number]),
        [1, food, 101],
        [2, litter, 102],
        [4, royal, 104],
      ],
    });
    // Expected: 1 (food since), 5 and 7 (two orders in 180 days); not 2 (litter since), 3
    // (北京), 4 (皇家), 6 (one order in 180 days).
    const res = await p.api.post(
      '/wechatpush/create',
      plainRuleBody({
        name: '猫砂告急（定向）',
        content: '猫砂告急',
        startDate: '2020-01-01',
        endDate: '2099-12-31',
        lastOrderDay: 30,
        lastOrderDayLimit: 45,
        windowBasis: 'labelledGoods',
        cateLabels: '2001',
        cityLabels: '上海',
        excludeBrandLabels: '皇家',
        minOrders: 2,
        cooldownDays: 0,
      }),
    );
    expect(res.status).toBe(200);
    const [row] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [
      '猫砂告急（定向）',
    ]);
    const pushId = Number(row.id);

    const preview = await p.api.post('/wechatpush/preview', { id: pushId });
    expect(preview.status).toBe(200);
    expect(preview.body.data.steps).toEqual([
      { condition: 'window', remaining: 6 },
      { condition: 'labels', remaining: 5 },
      { condition: 'exclusions', remaining: 4 },
      { condition: 'value', remaining: 3 },
    ]);
    expect(preview.body.data.count).toBe(3);
    const saved = await p.worker.get(PushRuleRepository).findActive(pushId);
    const audience = p.worker.get(SelectAudienceService);
    expect(await audience.count(saved!, p.clock.now())).toBe(3);

    expect((await p.api.post('/wechatpush/trigger', { id: pushId })).status).toBe(200);
    const run = await eventually(
      async () => {
        const [r] = await p.db.query(
          'SELECT state, audience_count, batch_count FROM wechat_push_runs WHERE push_id = ?',
          [pushId],
        );
        return r && r.state === 'completed' ? r : undefined;
      },
      60_000,
      'run completed',
    );
    expect(run).toMatchObject({ audience_count: 3, batch_count: 2 });
    const received = (await p.sim.messages()).flatMap((m) => m.externalUserIds).sort();
    expect(received).toEqual(['wm-t22-1', 'wm-t22-5', 'wm-t22-7']);
  }, 120_000);
});
