import dayjs from 'dayjs';
import type { PushRuleView } from '../api/types';
import {
  EMPTY_RULE_FORM,
  errorsByFormField,
  formFieldOf,
  fromRuleView,
  localizeApiMessage,
  splitLabels,
  toRuleBody,
} from './rule-form-model';

const view: PushRuleView = {
  id: 7,
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
};

describe('rule form model', () => {
  it('round-trips a rule through the form', () => {
    const { id, ...body } = view;
    expect(id).toBe(7);
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
    });
    const body = toRuleBody({ ...EMPTY_RULE_FORM, cooldownDays: null, priority: null });
    expect(body.cooldownDays).toBeNaN();
    expect(body.priority).toBeNaN();
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
    ['body', undefined],
    ['id', undefined],
  ])('API field %s shows on form field %s', (api, form) => {
    expect(formFieldOf(api)).toBe(form);
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
    expect(localizeApiMessage('something new')).toBe('something new');
  });
});
