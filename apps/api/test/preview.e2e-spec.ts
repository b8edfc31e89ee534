import { Clock, FixedClock, shanghaiInstant } from '@app/common';
import { LabelType } from '@app/database';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';
import { insertFixture } from '../../../libs/audience/test/audience-fixtures';

const NOW = shanghaiInstant('2025-03-15', '10:00:00');
const IN = '2025-02-05 12:00:00';

const rule = (over: Record<string, unknown> = {}) => ({
  name: '45天未购买用户召回',
  status: 0,
  startDate: '2025-01-01',
  endDate: '2025-12-31',
  weekDayPushTime: [{ week: 1, time: '10:00' }],
  lastOrderDay: 30,
  lastOrderDayLimit: 45,
  content: '喵～主人，猫砂告急',
  ...over,
});

describe('POST /wechatpush/preview', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi((b) => b.overrideProvider(Clock).useValue(new FixedClock(NOW)));
    // Every table the preview reads, the contact policy's too: a suppression, an unreachable
    // entry or a ledger row an earlier suite of this Jest worker left would take a customer
    // out (CI counted 23 of 24 once).
    await resetPipelineTables(api.db);
    const ids = Array.from({ length: 25 }, (_, i) => i + 1);
    await insertFixture(api.db, {
      labels: [{ id: 1, type: LabelType.BRAND, bindId: 'B1', name: '蓝氏' }],
      customers: [...ids.map((id) => ({ id, ext: `wm${id}` })), { id: 99, ext: null }],
      orders: [
        ...ids.map((id) => ({ id, userIds: String(id), at: IN })),
        { id: 99, userIds: '99', at: IN },
        { id: 100, userIds: '25', at: '2025-03-10 09:00:00' },
      ],
      links: [1, 2, 3].map((id) => [id, 1, id] as [number, number, number]),
    });
  });
  afterAll(() => api.close());

  it('answers count, a sample of at most 20, the window and the time taken for an unsaved rule', async () => {
    const res = await api.post('/wechatpush/preview', rule());
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    const data = res.body.data;
    expect(data.count).toBe(24);
    expect(data.sample).toEqual(Array.from({ length: 20 }, (_, i) => `wm${i + 1}`));
    expect(data.window).toEqual({ from: '2025-01-29 00:00:00', to: '2025-02-13 23:59:59' });
    expect(typeof data.tookMs).toBe('number');
    expect(data.tookMs).toBeGreaterThanOrEqual(0);
  });

  it('applies the rule labels', async () => {
    const res = await api.post('/wechatpush/preview', rule({ brandLabels: '蓝氏' }));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ count: 3, sample: ['wm1', 'wm2', 'wm3'] });
  });

  it('previews a saved rule by id, and 404s once it is deleted', async () => {
    const saved = rule({ name: '已保存规则', brandLabels: '蓝氏' });
    expect((await api.post('/wechatpush/create', saved)).status).toBe(200);
    const list = await api.post('/wechatpush/lists', { searchText: '已保存规则' });
    const id = list.body.data.data[0].id as number;

    const byId = await api.post('/wechatpush/preview', { id });
    expect(byId.status).toBe(200);
    expect(byId.body.data).toMatchObject({ count: 3, sample: ['wm1', 'wm2', 'wm3'] });

    expect((await api.post('/wechatpush/delete', { id })).status).toBe(200);
    const gone = await api.post('/wechatpush/preview', { id });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['an unknown id', { id: 987654 }, 404, 'NOT_FOUND', 'id'],
    ['a non-positive id', { id: 0 }, 400, 'VALIDATION_FAILED', 'id'],
    ['an id with extra fields', { id: 1, name: 'x' }, 400, 'VALIDATION_FAILED', 'name'],
    ['a rule without a name', rule({ name: '  ' }), 400, 'VALIDATION_FAILED', 'name'],
    [
      'lastOrderDay > lastOrderDayLimit',
      rule({ lastOrderDay: 46 }),
      400,
      'VALIDATION_FAILED',
      'lastOrderDayLimit',
    ],
    [
      'a rule with an unknown field',
      rule({ audience: 'all' }),
      400,
      'VALIDATION_FAILED',
      'audience',
    ],
    ['a rule without content', rule({ content: '' }), 400, 'VALIDATION_FAILED', 'content'],
    [
      'labelledGoods without a goods label',
      rule({
        windowBasis: 'labelledGoods',
        cityLabels: '上海',
        brandLabels: '',
        cateLabels: '',
        skuLabels: '',
      }),
      400,
      'VALIDATION_FAILED',
      'windowBasis',
    ],
    ['an unknown labelMatch', rule({ labelMatch: 'some' }), 400, 'VALIDATION_FAILED', 'labelMatch'],
    ['an unknown RFM tier', rule({ rfmTiers: ['vip'] }), 400, 'VALIDATION_FAILED', 'rfmTiers'],
    ['minSpend of 0 yuan', rule({ minSpend: 0 }), 400, 'VALIDATION_FAILED', 'minSpend'],
    ['a body that is not an object', [1, 2], 400, 'VALIDATION_FAILED', undefined],
  ])('rejects %s', async (_what, body, status, code, field) => {
    const res = await api.post('/wechatpush/preview', body);
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
    expect(res.body.error.code).toBe(code);
    if (field) {
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it('requires an operator token', async () => {
    const res = await api.post('/wechatpush/preview', rule(), null);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('never shows SQL text for hostile label values', async () => {
    const res = await api.post('/wechatpush/preview', rule({ cityLabels: "上海') OR 1=1 -- ,\\" }));
    expect(res.status).toBe(200);
    expect(res.body.data.count).toBe(0);
  });
});
