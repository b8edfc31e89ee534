import type { PushRuleBody } from '../api/types';
import { isCalendarDate, utf8Bytes, validateRule } from './validate-rule';

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
};

const fieldsOf = (overrides: Partial<PushRuleBody>) =>
  validateRule({ ...valid, ...overrides }).map((e) => e.field);

describe('validateRule (client mirror of the API rules)', () => {
  it('accepts a complete valid rule', () => {
    expect(validateRule(valid)).toEqual([]);
  });

  it.each<[string, Partial<PushRuleBody>, string[]]>([
    ['blank name', { name: '   ' }, ['name']],
    ['name over 255 characters', { name: '名'.repeat(256) }, ['name']],
    ['name of exactly 255 characters', { name: '名'.repeat(255) }, []],
    ['unknown status', { status: 2 }, ['status']],
    ['no start date', { startDate: '' }, ['startDate']],
    ['29 February of a non-leap year', { endDate: '2023-02-29' }, ['endDate']],
    ['end before start', { startDate: '2024-05-02', endDate: '2024-05-01' }, ['endDate']],
    ['start equal to end', { startDate: '2024-05-01', endDate: '2024-05-01' }, []],
    ['no slot', { weekDayPushTime: [] }, ['weekDayPushTime']],
    [
      'week 0 and 8',
      {
        weekDayPushTime: [
          { week: 0, time: '10:00' },
          { week: 8, time: '10:00' },
        ],
      },
      ['weekDayPushTime[0].week', 'weekDayPushTime[1].week'],
    ],
    ['24:00', { weekDayPushTime: [{ week: 1, time: '24:00' }] }, ['weekDayPushTime[0].time']],
    [
      '00:00 and 23:59',
      {
        weekDayPushTime: [
          { week: 7, time: '00:00' },
          { week: 7, time: '23:59' },
        ],
      },
      [],
    ],
    [
      'duplicate slot',
      {
        weekDayPushTime: [
          { week: 2, time: '09:30' },
          { week: 2, time: '09:30' },
        ],
      },
      ['weekDayPushTime[1]'],
    ],
    ['negative day', { lastOrderDay: -1 }, ['lastOrderDay']],
    ['fractional day', { lastOrderDay: 1.5 }, ['lastOrderDay']],
    ['limit over 3650', { lastOrderDayLimit: 3651 }, ['lastOrderDayLimit']],
    ['day greater than limit', { lastOrderDay: 46, lastOrderDayLimit: 45 }, ['lastOrderDayLimit']],
    ['day equal to limit', { lastOrderDay: 45, lastOrderDayLimit: 45 }, []],
    [
      'nothing to send',
      { content: '', img: '', miniProgramTitle: '', miniProgramImg: '', miniProgramUrl: '' },
      ['content'],
    ],
    [
      'image only',
      { content: '', miniProgramTitle: '', miniProgramImg: '', miniProgramUrl: '' },
      [],
    ],
    ['mini-program without its page', { miniProgramUrl: '' }, ['miniProgramUrl']],
    [
      'mini-program title only',
      { miniProgramImg: '', miniProgramUrl: '' },
      ['miniProgramImg', 'miniProgramUrl'],
    ],
    ['text of 4000 bytes', { content: 'a'.repeat(3997) + '喵' }, []],
    ['text of 4001 bytes', { content: 'a'.repeat(3998) + '喵' }, ['content']],
    [
      'mini-program title over 64 bytes',
      { miniProgramTitle: '喵'.repeat(22) },
      ['miniProgramTitle'],
    ],
    ['ftp image', { img: 'ftp://oss.example.com/a.jpg' }, ['img']],
    ['relative image', { img: '/a.jpg' }, ['img']],
    [
      'image URL with credentials',
      { miniProgramImg: 'https://u:p@oss.example.com/a.jpg' },
      ['miniProgramImg'],
    ],
    ['label field over 20000 characters', { skuLabels: 'x'.repeat(20001) }, ['skuLabels']],
  ])('%s', (_title, overrides, fields) => {
    expect(fieldsOf(overrides)).toEqual(fields);
  });

  it('writes every message in Chinese', () => {
    const errors = validateRule({
      ...valid,
      name: '',
      weekDayPushTime: [],
      content: '',
      img: '',
      miniProgramTitle: 'x',
      miniProgramImg: '',
      miniProgramUrl: '',
    });
    expect(errors.length).toBeGreaterThan(3);
    for (const e of errors) expect(e.message).toMatch(/[\u4e00-\u9fa5]/);
  });
});

describe('helpers', () => {
  it('counts UTF-8 bytes as WeCom does', () => {
    expect(utf8Bytes('a')).toBe(1);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('喵')).toBe(3);
    expect(utf8Bytes('🐱')).toBe(4);
  });

  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2024-13-01', false],
    ['2024-1-01', false],
  ])('isCalendarDate(%s) = %s', (s, ok) => {
    expect(isCalendarDate(s)).toBe(ok);
  });
});
