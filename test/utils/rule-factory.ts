/** A valid rule body in the seed's request shape; override what a test is about. */
export function ruleBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '45天未购买用户召回',
    status: 0,
    startDate: '2024-01-01',
    endDate: '2024-12-31',
    weekDayPushTime: [
      { week: 1, time: '10:00' },
      { week: 3, time: '14:00' },
      { week: 5, time: '16:00' },
    ],
    cityLabels: '上海,北京,苏州',
    storeLabels: '1001,1002',
    brandLabels: '蓝氏,皇家',
    cateLabels: '2001,2002',
    skuLabels: 'SKU001,SKU002',
    lastOrderDay: 30,
    lastOrderDayLimit: 45,
    content: '喵～主人，猫砂告急...',
    img: 'https://oss.example.com/image.jpg',
    miniProgramTitle: '宠本本优惠专场',
    miniProgramImg: 'https://oss.example.com/mini.jpg',
    miniProgramUrl: 'pages/home/feature/index?alias=xxx',
    ...overrides,
  };
}

/** A text-only rule with no labels (everyone in the day window), for pipeline tests. */
export function plainRuleBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return ruleBody({
    img: '',
    miniProgramTitle: '',
    miniProgramImg: '',
    miniProgramUrl: '',
    cityLabels: '',
    storeLabels: '',
    brandLabels: '',
    cateLabels: '',
    skuLabels: '',
    ...overrides,
  });
}
