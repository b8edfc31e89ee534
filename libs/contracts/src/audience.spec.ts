import { describeAudience, RFM_TIER_DEFS, rfmTierOf } from './audience';

describe('describeAudience (the condition as the console words it)', () => {
  const base = { lastOrderDay: 30, lastOrderDayLimit: 45 };
  const cate = (id: string) => ({ '2001': '猫砂', '2002': '猫粮' })[id];

  it.each([
    [
      "the issue's example: labelledGoods, a city, an exclusion",
      {
        ...base,
        windowBasis: 'labelledGoods' as const,
        cateLabels: '2001',
        cityLabels: '上海',
        excludeBrandLabels: '皇家',
      },
      '最近一次购买猫砂在 45–30 天前，且在上海下单，排除窗口内购买过皇家的客户',
    ],
    ['no labels', base, '最近一次下单在 45–30 天前'],
    [
      'any: OR across every label',
      { ...base, cateLabels: '2001,2002', cityLabels: '上海' },
      '最近一次下单在 45–30 天前，且窗口内购买过猫砂或猫粮或在上海下单',
    ],
    [
      'all: OR within a type, AND across types, on one order',
      {
        ...base,
        labelMatch: 'all' as const,
        cateLabels: '2001,2002',
        brandLabels: '蓝氏',
        cityLabels: '上海',
      },
      '最近一次下单在 45–30 天前，且窗口内有一笔订单同时购买了猫砂或猫粮且蓝氏、在上海下单',
    ],
    [
      'value tiers',
      { ...base, minOrders: 3, minSpend: 300, rfmTiers: ['important_value', 'important_keep'] },
      '最近一次下单在 45–30 天前，近 180 天至少 3 单且消费至少 ¥300，属于重要价值或重要保持客户',
    ],
    [
      'one day',
      { lastOrderDay: 7, lastOrderDayLimit: 7, excludeCityLabels: '北京' },
      '最近一次下单在 7 天前，排除窗口内在北京下过单的客户',
    ],
  ])('%s', (_, rule, sentence) => {
    expect(describeAudience(rule, { cate })).toBe(sentence);
  });
});

describe('rfmTierOf', () => {
  it('names each of the eight tiers by which scores are high (4–5)', () => {
    for (const t of RFM_TIER_DEFS) {
      const s = (high: boolean) => (high ? 4 : 3);
      expect(rfmTierOf(s(t.r), s(t.f), s(t.m))).toBe(t.code);
    }
    expect(rfmTierOf(5, 5, 5)).toBe('important_value');
    expect(rfmTierOf(1, 1, 1)).toBe('general_retain');
  });
});
