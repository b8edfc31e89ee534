import { AppException, createValidationPipe } from '@app/common';
import { checkRuleSemantics, PushRuleDto } from '@app/push-config';
import type { PushRuleBody } from '../src/api/types';
import { validateRule } from '../src/rules/validate-rule';

/**
 * The console repeats the API's rule validation in the browser. Each row is one problem;
 * the API (DTO pipe + checkRuleSemantics, as create runs them) and the console must flag
 * exactly the same request fields, or the console would either block valid rules or let
 * the operator submit into an error it could have shown.
 */
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
  skuLabels: 'SKU001',
  lastOrderDay: 30,
  lastOrderDayLimit: 45,
  content: '喵～主人，猫砂告急…',
  img: 'https://oss.example.com/a.jpg',
  miniProgramTitle: '宠本本优惠专场',
  miniProgramImg: 'https://oss.example.com/mini.jpg',
  miniProgramUrl: 'pages/home/index',
};

const pipe = createValidationPipe();

async function serverFields(body: PushRuleBody): Promise<string[]> {
  try {
    const dto = (await pipe.transform(JSON.parse(JSON.stringify(body)), {
      type: 'body',
      metatype: PushRuleDto,
    })) as PushRuleDto;
    return [...new Set(checkRuleSemantics(dto, []).map((p) => p.field))].sort();
  } catch (e) {
    if (e instanceof AppException) return [...new Set(e.details.map((d) => d.field))].sort();
    throw e;
  }
}

const clientFields = (body: PushRuleBody) =>
  [...new Set(validateRule(body).map((p) => p.field))].sort();

const noContent = {
  content: '',
  img: '',
  miniProgramTitle: '',
  miniProgramImg: '',
  miniProgramUrl: '',
};

const CASES: [string, Partial<PushRuleBody>, string[]][] = [
  ['a valid rule', {}, []],
  ['blank name', { name: '  ' }, ['name']],
  ['name of 256 characters', { name: '名'.repeat(256) }, ['name']],
  ['status 2', { status: 2 }, ['status']],
  ['missing start date', { startDate: '' }, ['startDate']],
  ['not a calendar date', { endDate: '2023-02-29' }, ['endDate']],
  ['end before start', { startDate: '2024-06-02', endDate: '2024-06-01' }, ['endDate']],
  ['no slot', { weekDayPushTime: [] }, ['weekDayPushTime']],
  ['week 8', { weekDayPushTime: [{ week: 8, time: '10:00' }] }, ['weekDayPushTime[0].week']],
  ['time 24:00', { weekDayPushTime: [{ week: 1, time: '24:00' }] }, ['weekDayPushTime[0].time']],
  ['time 9:00', { weekDayPushTime: [{ week: 1, time: '9:00' }] }, ['weekDayPushTime[0].time']],
  [
    'duplicate slot',
    {
      weekDayPushTime: [
        { week: 1, time: '10:00' },
        { week: 1, time: '10:00' },
      ],
    },
    ['weekDayPushTime[1]'],
  ],
  ['negative day', { lastOrderDay: -1 }, ['lastOrderDay']],
  ['fractional limit', { lastOrderDayLimit: 45.5 }, ['lastOrderDayLimit']],
  ['limit over 3650', { lastOrderDay: 0, lastOrderDayLimit: 3651 }, ['lastOrderDayLimit']],
  ['day after limit', { lastOrderDay: 50, lastOrderDayLimit: 45 }, ['lastOrderDayLimit']],
  ['nothing to send', noContent, ['content']],
  ['image only', { ...noContent, img: 'https://oss.example.com/a.jpg' }, []],
  ['text of 4001 bytes', { content: 'a'.repeat(3998) + '喵' }, ['content']],
  ['text of 4000 bytes', { content: 'a'.repeat(3997) + '喵' }, []],
  [
    'mini-program title of 65 bytes',
    { miniProgramTitle: 'a'.repeat(62) + '喵' },
    ['miniProgramTitle'],
  ],
  ['mini-program without cover', { miniProgramImg: '' }, ['miniProgramImg']],
  ['ftp image', { img: 'ftp://oss.example.com/a.jpg' }, ['img']],
  ['relative image', { img: 'a.jpg' }, ['img']],
  [
    'image with credentials',
    { miniProgramImg: 'https://u:p@oss.example.com/m.jpg' },
    ['miniProgramImg'],
  ],
  ['image URL of 1100 characters', { img: `https://oss.example.com/${'x'.repeat(1080)}` }, ['img']],
  ['page path of 1100 characters', { miniProgramUrl: 'p'.repeat(1100) }, ['miniProgramUrl']],
  ['label list of 20001 characters', { cityLabels: 'x'.repeat(20001) }, ['cityLabels']],
];

describe('console validation mirrors the API', () => {
  it.each(CASES)('%s', async (_title, overrides, fields) => {
    const body = { ...valid, ...overrides };
    expect(await serverFields(body)).toEqual(fields);
    expect(clientFields(body)).toEqual(fields);
  });

  it('leaves private image addresses to the API, which knows the allow-list', async () => {
    const body = { ...valid, img: 'http://192.168.1.10/a.jpg' };
    expect(clientFields(body)).toEqual([]);
    expect(await serverFields(body)).toEqual(['img']);
  });
});
