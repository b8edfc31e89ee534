import type { PushRuleBody } from '../api/types';
import { validateRule } from './validate-rule';

/** The checks themselves are the api's (libs/push-config/src/rule-agreement.spec.ts, one table for api and console). */
const valid: PushRuleBody = {
  name: '45天未购买用户召回',
  status: 0,
  startDate: '2024-01-01',
  endDate: '2024-12-31',
  weekDayPushTime: [
    { week: 1, time: '10:00' },
    { week: 3, time: '14:00' },
  ],
  cityLabels: '上海,北京',
  storeLabels: '1001',
  brandLabels: '皇家',
  cateLabels: '2001',
  skuLabels: '',
  lastOrderDay: 30,
  lastOrderDayLimit: 45,
  content: '喵～主人，猫砂告急…',
  img: 'https://oss.example.com/a.jpg',
  miniProgramTitle: '宠本本优惠专场',
  miniProgramImg: 'https://oss.example.com/mini.jpg',
  miniProgramUrl: 'pages/home/index',
  cooldownDays: 7,
  priority: 5,
  capExempt: false,
  holdoutPercent: 0,
  ignoreGlobalControl: false,
  variants: [],
  contentWeight: 1,
  windowBasis: 'labelledGoods',
  labelMatch: 'all',
  excludeCityLabels: '北京',
  excludeStoreLabels: '',
  excludeBrandLabels: '皇家',
  excludeCateLabels: '',
  excludeSkuLabels: '',
  minOrders: 3,
  minSpend: 300,
  valueLookbackDays: 180,
  rfmTiers: ['important_value'],
  senderMode: 'wecom',
  senderFallback: 'wecom',
  executionDeadlineHours: null,
};

describe('validateRule (the api rule checks, in the operators’ words)', () => {
  it('accepts a complete valid rule', () => {
    expect(validateRule(valid)).toEqual([]);
  });

  it.each<[string, Partial<PushRuleBody>, { field: string; message: string }[]]>([
    ['blank name', { name: ' ' }, [{ field: 'name', message: '请填写推送名称' }]],
    [
      'not a calendar date',
      { endDate: '2023-02-29' },
      [{ field: 'endDate', message: '请选择有效的结束日期' }],
    ],
    ['no start date', { startDate: '' }, [{ field: 'startDate', message: '请选择有效的开始日期' }]],
    [
      'duplicate slot',
      {
        weekDayPushTime: [
          { week: 2, time: '09:30' },
          { week: 2, time: '09:30' },
        ],
      },
      [{ field: 'weekDayPushTime[1]', message: '推送时间重复' }],
    ],
    [
      'day window inverted',
      { lastOrderDay: 46, lastOrderDayLimit: 45 },
      [{ field: 'lastOrderDayLimit', message: '“至多”天数不能小于“至少”天数' }],
    ],
    [
      'text of 4001 bytes',
      { content: 'a'.repeat(3998) + '喵' },
      [{ field: 'content', message: '文本不能超过 4000 字节（约 1333 个汉字）' }],
    ],
    [
      'ftp image',
      { img: 'ftp://a.example/x.jpg' },
      [{ field: 'img', message: '只允许 http 或 https 地址' }],
    ],
    [
      'cooldown over a year',
      { cooldownDays: 366 },
      [{ field: 'cooldownDays', message: '冷却天数必须是 0 到 365 之间的整数' }],
    ],
    [
      'emptied cooldown',
      { cooldownDays: Number.NaN },
      [{ field: 'cooldownDays', message: '冷却天数必须是 0 到 365 之间的整数' }],
    ],
    [
      'priority 0',
      { priority: 0 },
      [{ field: 'priority', message: '优先级必须是 1 到 10 之间的整数' }],
    ],
    [
      'service-notice switch not a boolean',
      { capExempt: 'yes' as unknown as boolean },
      [{ field: 'capExempt', message: '服务通知开关只能是开或关' }],
    ],
  ])('%s', (_title, overrides, errors) => {
    expect(validateRule({ ...valid, ...overrides })).toEqual(errors);
  });

  it('flags a slot inside the policy quiet hours (over midnight), and none without them', () => {
    const rule = {
      ...valid,
      weekDayPushTime: [
        { week: 1, time: '10:00' },
        { week: 2, time: '22:30' },
        { week: 3, time: '08:59' },
        { week: 4, time: '09:00' },
      ],
    };
    expect(validateRule(rule, { start: '21:00', end: '09:00' })).toEqual([
      {
        field: 'weekDayPushTime[1].time',
        message: '周二 22:30 处于免打扰时段（21:00–09:00），请调整推送时间或触达策略',
      },
      {
        field: 'weekDayPushTime[2].time',
        message: '周三 08:59 处于免打扰时段（21:00–09:00），请调整推送时间或触达策略',
      },
    ]);
    expect(validateRule(rule)).toEqual([]);
  });

  it('writes every message in Chinese', () => {
    const errors = validateRule({
      ...valid,
      name: '',
      status: 2 as PushRuleBody['status'],
      startDate: '2024-02-30',
      weekDayPushTime: [
        { week: 8, time: '24:00' },
        { week: 8, time: '24:00' },
      ],
      skuLabels: 'x'.repeat(20001),
      lastOrderDay: 1.5,
      lastOrderDayLimit: 4000,
      content: '',
      img: 'a.jpg',
      miniProgramTitle: '喵'.repeat(22),
      miniProgramImg: 'https://u:p@a.example/x.jpg',
      miniProgramUrl: '',
    });
    expect(errors.length).toBeGreaterThan(12);
    for (const e of errors) expect(e.message).toMatch(/[\u4e00-\u9fa5]/);
  });
});
