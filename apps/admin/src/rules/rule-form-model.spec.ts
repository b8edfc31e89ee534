import dayjs from 'dayjs';
import type { PushRuleView } from '../api/types';
import {
  EMPTY_RULE_FORM,
  errorsByFormField,
  formFieldOf,
  formNameOf,
  fromRuleView,
  localizeApiMessage,
  splitLabels,
  toRuleBody,
} from './rule-form-model';

const view: PushRuleView = {
  id: 7,
  version: 3,
  approvedVersion: 2,
  pendingVersion: 3,
  name: '召回',
  status: 1,
  startDate: '2024-01-01',
  endDate: '2024-12-31',
  weekDayPushTime: [{ week: 1, time: '10:00' }],
  cityLabels: '上海,北京',
  storeLabels: '1001',
  brandLabels: '',
  cateLabels: '2001,2002',
  skuLabels: 'SKU001',
  lastOrderDay: 30,
  lastOrderDayLimit: 45,
  content: '文案',
  img: '',
  miniProgramTitle: '',
  miniProgramImg: '',
  miniProgramUrl: '',
  cooldownDays: 14,
  priority: 2,
  capExempt: true,
  holdoutPercent: 12.5,
  ignoreGlobalControl: true,
  variants: [
    {
      content: '变体 B',
      img: 'https://a.example.com/b.png',
      miniProgramTitle: '',
      miniProgramImg: '',
      miniProgramUrl: '',
      weight: 2,
    },
  ],
  contentWeight: 3,
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
  senderMode: 'owner',
  senderFallback: 'skip',
  executionDeadlineHours: 24,
};

describe('rule form model', () => {
  it('round-trips a rule through the form', () => {
    // The version fields are info's, not the request's.
    const { id, version, approvedVersion, pendingVersion, ...body } = view;
    expect([id, version, approvedVersion, pendingVersion]).toEqual([7, 3, 2, 3]);
    expect(toRuleBody(fromRuleView(view))).toEqual(body);
  });

  it('joins label lists the way the API stores them', () => {
    const body = toRuleBody({
      ...fromRuleView(view),
      skuLabels: [' SKU1 ', 'SKU2，SKU3', 'SKU1'],
      name: '  召回  ',
      img: ' https://a.example.com/x.png ',
      dateRange: [dayjs('2024-02-01'), dayjs('2024-02-29')],
    });
    expect(body.skuLabels).toBe('SKU1,SKU2,SKU3');
    expect(body.name).toBe('召回');
    expect(body.img).toBe('https://a.example.com/x.png');
    expect([body.startDate, body.endDate]).toEqual(['2024-02-01', '2024-02-29']);
  });

  it('fills a new form with the rule policy defaults and sends an emptied number as NaN', () => {
    expect(toRuleBody(EMPTY_RULE_FORM)).toMatchObject({
      cooldownDays: 7,
      priority: 5,
      capExempt: false,
      holdoutPercent: 0,
      ignoreGlobalControl: false,
      variants: [],
      contentWeight: 1,
    });
    const body = toRuleBody({ ...EMPTY_RULE_FORM, cooldownDays: null, priority: null });
    expect(body.cooldownDays).toBeNaN();
    expect(body.priority).toBeNaN();
  });

  it('sends an emptied weight as NaN beside variants, and the default A weight without them', () => {
    const variant = { content: 'B', weight: null as unknown as number };
    const body = toRuleBody({ ...EMPTY_RULE_FORM, contentWeight: null, variants: [variant] });
    expect(body.contentWeight).toBeNaN();
    expect(body.variants[0].weight).toBeNaN();
    expect(toRuleBody({ ...EMPTY_RULE_FORM, contentWeight: null }).contentWeight).toBe(1);
  });

  it('splits stored lists, dropping blanks and repeats', () => {
    expect(splitLabels('a, b,,a，c')).toEqual(['a', 'b', 'c']);
    expect(splitLabels('')).toEqual([]);
  });

  it.each([
    ['name', 'name'],
    ['startDate', 'dateRange'],
    ['endDate', 'dateRange'],
    ['weekDayPushTime', 'weekDayPushTime'],
    ['weekDayPushTime[2].time', 'weekDayPushTime'],
    ['weekDayPushTime[1]', 'weekDayPushTime'],
    ['miniProgramImg', 'miniProgramImg'],
    ['cooldownDays', 'cooldownDays'],
    ['priority', 'priority'],
    ['capExempt', 'capExempt'],
    ['holdoutPercent', 'holdoutPercent'],
    ['ignoreGlobalControl', 'ignoreGlobalControl'],
    ['contentWeight', 'contentWeight'],
    ['variants', 'variants'],
    ['variants[1].content', 'variants'],
    ['body', undefined],
    ['id', undefined],
  ])('API field %s shows on form field %s', (api, form) => {
    expect(formFieldOf(api)).toBe(form);
  });

  it.each([
    ['variants[0].weight', ['variants', 0, 'weight']],
    ['variants[3].miniProgramUrl', ['variants', 3, 'miniProgramUrl']],
    ['variants[1].content', ['variants', 1, 'content']],
    ['variants', 'variants'],
    ['variants[2]', 'variants'],
    ['contentWeight', 'contentWeight'],
    ['content', 'content'],
    ['variants[0].other', 'variants'],
  ])('API field %s shows on control %j', (api, name) => {
    expect(formNameOf(api)).toEqual(name);
  });

  it('groups a variant’s errors on its own controls', () => {
    expect(
      errorsByFormField([
        { field: 'variants[0].weight', message: 'w' },
        { field: 'variants[1].weight', message: 'w' },
        { field: 'variants[1].weight', message: 'w' },
        { field: 'variants[1].content', message: 'c' },
        { field: 'content', message: 'a' },
      ]).fields,
    ).toEqual([
      { name: ['variants', 0, 'weight'], errors: ['w'] },
      { name: ['variants', 1, 'weight'], errors: ['w'] },
      { name: ['variants', 1, 'content'], errors: ['c'] },
      { name: 'content', errors: ['a'] },
    ]);
  });

  it('groups errors per form field and keeps the rest for a banner', () => {
    expect(
      errorsByFormField([
        { field: 'startDate', message: 'a' },
        { field: 'endDate', message: 'b' },
        { field: 'endDate', message: 'b' },
        { field: 'body', message: 'c' },
      ]),
    ).toEqual({
      fields: [{ name: 'dateRange', errors: ['a', 'b'] }],
      other: [{ field: 'body', message: 'c' }],
    });
  });

  it('puts the API messages it knows into Chinese and keeps the others', () => {
    expect(
      localizeApiMessage('img must not point at a private, loopback or link-local address'),
    ).toBe('地址不能指向内网、回环或链路本地地址');
    expect(localizeApiMessage('slot 22:00 falls inside the quiet hours 21:00–09:00')).toBe(
      '该推送时间处于免打扰时段',
    );
    expect(localizeApiMessage('holdoutPercent must not be greater than 50')).toBe(
      '对照组比例必须是 0 到 50 之间、至多两位小数的百分比',
    );
    expect(
      localizeApiMessage(
        'only a cap-exempt rule (a service notice) may ignore the global control group',
      ),
    ).toBe('只有服务通知（不受频次上限约束）才能发给全局对照组');
    expect(localizeApiMessage('weight must not be less than 1')).toBe(
      '权重必须是 1 到 100 之间的整数',
    );
    expect(localizeApiMessage('variants must contain no more than 4 elements')).toBe(
      '除规则内容（A）外至多 4 个内容变体',
    );
    expect(localizeApiMessage('something new')).toBe('something new');
  });
});
