import { AppException, createValidationPipe } from '@app/common';
import { PushRuleDto } from './dto/push-rule.dto';
import { checkRuleSemantics } from './push-rule.rules';
import { ruleProblems, RuleInput } from '@app/contracts';

/**
 * One table for the rule validation the api and the console share (@app/contracts): each row is one rule
 * body and the request fields it must be refused on. The console runs `ruleProblems`; the
 * api runs the DTO's decorators (field checks, with this module's limits) and then
 * `checkRuleSemantics` (this module's other checks), as create does. Both must flag
 * exactly these fields, or the console would block valid rules or let operators submit
 * into an error it could have shown.
 */
const valid: Required<RuleInput> = {
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
  cooldownDays: 7,
  priority: 5,
  capExempt: false,
  holdoutPercent: 10,
  variants: [
    { content: '变体 B 文案', weight: 1 },
    {
      img: 'https://oss.example.com/c.jpg',
      miniProgramTitle: '变体 C',
      miniProgramImg: 'https://oss.example.com/c-mini.jpg',
      miniProgramUrl: 'pages/home/index?v=C',
      weight: 2,
    },
  ],
  contentWeight: 1,
  ignoreGlobalControl: false,
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
  rfmTiers: ['important_value', 'general_value'],
  senderMode: 'owner',
  senderFallback: 'skip',
  executionDeadlineHours: 24,
};

const pipe = createValidationPipe();
const distinctFields = (problems: { field: string }[]) =>
  [...new Set(problems.map((p) => p.field))].sort();

async function apiFields(body: RuleInput, allowedMediaHosts: string[] = []): Promise<string[]> {
  try {
    const dto = (await pipe.transform(JSON.parse(JSON.stringify(body)), {
      type: 'body',
      metatype: PushRuleDto,
    })) as PushRuleDto;
    return distinctFields(checkRuleSemantics(dto, allowedMediaHosts));
  } catch (e) {
    if (e instanceof AppException) return distinctFields(e.details);
    throw e;
  }
}

const sharedFields = (body: RuleInput) => distinctFields(ruleProblems(body));

const noContent = {
  content: '',
  img: '',
  miniProgramTitle: '',
  miniProgramImg: '',
  miniProgramUrl: '',
};

const CASES: [string, Partial<RuleInput>, string[]][] = [
  ['a valid rule', {}, []],
  ['blank name', { name: '  ' }, ['name']],
  ['name of 256 characters', { name: '名'.repeat(256) }, ['name']],
  ['name of 255 characters', { name: '名'.repeat(255) }, []],
  ['name of 255 characters outside the BMP', { name: '🐱'.repeat(255) }, []],
  ['status 2', { status: 2 }, ['status']],
  ['missing start date', { startDate: '' }, ['startDate']],
  ['start date not a calendar date', { startDate: '2024-02-30' }, ['startDate']],
  ['29 February of a non-leap year', { endDate: '2023-02-29' }, ['endDate']],
  ['end before start', { startDate: '2024-06-02', endDate: '2024-06-01' }, ['endDate']],
  ['start equal to end', { startDate: '2024-05-01', endDate: '2024-05-01' }, []],
  ['no slot', { weekDayPushTime: [] }, ['weekDayPushTime']],
  [
    '201 slots',
    {
      weekDayPushTime: Array.from({ length: 201 }, (_, i) => ({
        week: (i % 7) + 1,
        time: `10:${String(Math.floor(i / 7)).padStart(2, '0')}`,
      })),
    },
    ['weekDayPushTime'],
  ],
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
  ['time 24:00', { weekDayPushTime: [{ week: 1, time: '24:00' }] }, ['weekDayPushTime[0].time']],
  ['time 9:00', { weekDayPushTime: [{ week: 1, time: '9:00' }] }, ['weekDayPushTime[0].time']],
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
        { week: 1, time: '10:00' },
        { week: 1, time: '10:00' },
      ],
    },
    ['weekDayPushTime[1]'],
  ],
  ['negative day', { lastOrderDay: -1 }, ['lastOrderDay']],
  ['fractional day', { lastOrderDay: 1.5 }, ['lastOrderDay']],
  ['fractional limit', { lastOrderDayLimit: 45.5 }, ['lastOrderDayLimit']],
  ['limit over 3650', { lastOrderDay: 0, lastOrderDayLimit: 3651 }, ['lastOrderDayLimit']],
  ['day after limit', { lastOrderDay: 50, lastOrderDayLimit: 45 }, ['lastOrderDayLimit']],
  ['day equal to limit', { lastOrderDay: 45, lastOrderDayLimit: 45 }, []],
  ['cooldown 0 (off) and 365', { cooldownDays: 0 }, []],
  ['cooldown 366', { cooldownDays: 366 }, ['cooldownDays']],
  ['cooldown fractional', { cooldownDays: 1.5 }, ['cooldownDays']],
  ['priority 1 and 10', { priority: 10 }, []],
  ['priority 0', { priority: 0 }, ['priority']],
  ['priority 11', { priority: 11 }, ['priority']],
  ['capExempt not a boolean', { capExempt: 1 as unknown as boolean }, ['capExempt']],
  ['holdout 0 and 50', { holdoutPercent: 50 }, []],
  ['no variants', { variants: [] }, []],
  [
    'five variants',
    { variants: Array.from({ length: 5 }, () => ({ content: 'x', weight: 1 })) },
    ['variants'],
  ],
  ['a variant weight 0', { variants: [{ content: 'x', weight: 0 }] }, ['variants[0].weight']],
  ['a variant weight 1.5', { variants: [{ content: 'x', weight: 1.5 }] }, ['variants[0].weight']],
  ['a variant with nothing to send', { variants: [{ weight: 1 }] }, ['variants[0].content']],
  [
    'a variant text of 4001 bytes',
    { variants: [{ content: 'a'.repeat(3998) + '喵', weight: 1 }] },
    ['variants[0].content'],
  ],
  [
    'a variant with half a mini-program card',
    { variants: [{ content: 'x', miniProgramTitle: '卡片', weight: 1 }] },
    ['variants[0].miniProgramImg', 'variants[0].miniProgramUrl'],
  ],
  [
    'a variant image that is not a URL',
    { variants: [{ img: 'not a url', weight: 1 }] },
    ['variants[0].img'],
  ],
  ['contentWeight 0', { contentWeight: 0 }, ['contentWeight']],
  ['contentWeight 101', { contentWeight: 101 }, ['contentWeight']],
  ['holdout 12.25 %', { holdoutPercent: 12.25 }, []],
  ['holdout 50.01 %', { holdoutPercent: 50.01 }, ['holdoutPercent']],
  ['holdout negative', { holdoutPercent: -1 }, ['holdoutPercent']],
  ['holdout with three decimals', { holdoutPercent: 1.125 }, ['holdoutPercent']],
  ['holdout not a number', { holdoutPercent: '10' as unknown as number }, ['holdoutPercent']],
  ['ignoreGlobalControl on a cap-exempt rule', { capExempt: true, ignoreGlobalControl: true }, []],
  ['ignoreGlobalControl without capExempt', { ignoreGlobalControl: true }, ['ignoreGlobalControl']],
  [
    'ignoreGlobalControl not a boolean',
    { ignoreGlobalControl: 'yes' as unknown as boolean },
    ['ignoreGlobalControl'],
  ],
  [
    'lastOrder without labels',
    { windowBasis: 'lastOrder', cateLabels: '', brandLabels: '', skuLabels: '' },
    [],
  ],
  [
    'labelledGoods without a goods label',
    { cateLabels: ' , ', brandLabels: '', skuLabels: '' },
    ['windowBasis'],
  ],
  ['labelledGoods with only a SKU', { cateLabels: '', brandLabels: '' }, []],
  ['windowBasis unknown', { windowBasis: 'firstOrder' as 'lastOrder' }, ['windowBasis']],
  ['labelMatch unknown', { labelMatch: 'some' as 'any' }, ['labelMatch']],
  ['an exclusion list too long', { excludeSkuLabels: 'a'.repeat(20001) }, ['excludeSkuLabels']],
  ['no value tier', { minOrders: null, minSpend: null, rfmTiers: [] }, []],
  ['minOrders 0', { minOrders: 0 }, ['minOrders']],
  ['minOrders fractional', { minOrders: 2.5 }, ['minOrders']],
  ['minSpend 0', { minSpend: 0 }, ['minSpend']],
  ['minSpend 0.01', { minSpend: 0.01 }, []],
  ['minSpend with three decimals', { minSpend: 1.005 }, ['minSpend']],
  ['valueLookbackDays 0', { valueLookbackDays: 0 }, ['valueLookbackDays']],
  ['valueLookbackDays 3651', { valueLookbackDays: 3651 }, ['valueLookbackDays']],
  ['an unknown RFM tier', { rfmTiers: ['vip'] }, ['rfmTiers']],
  ['senderMode wecom', { senderMode: 'wecom' }, []],
  ['senderMode unknown', { senderMode: 'guide' as unknown as 'owner' }, ['senderMode']],
  ['senderFallback unknown', { senderFallback: 'drop' as unknown as 'skip' }, ['senderFallback']],
  ['no deadline', { executionDeadlineHours: null }, []],
  ['a deadline of 1 h', { executionDeadlineHours: 1 }, []],
  ['a deadline of 168 h', { executionDeadlineHours: 168 }, []],
  ['a deadline of 0 h', { executionDeadlineHours: 0 }, ['executionDeadlineHours']],
  ['a deadline of 169 h', { executionDeadlineHours: 169 }, ['executionDeadlineHours']],
  ['a deadline of 1.5 h', { executionDeadlineHours: 1.5 }, ['executionDeadlineHours']],
  [
    'a deadline that is a string',
    { executionDeadlineHours: '24' as unknown as number },
    ['executionDeadlineHours'],
  ],
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
  ['mini-program without its page', { miniProgramUrl: '' }, ['miniProgramUrl']],
  [
    'mini-program title only',
    { miniProgramImg: '', miniProgramUrl: '' },
    ['miniProgramImg', 'miniProgramUrl'],
  ],
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
  ['label list of 20000 characters', { skuLabels: 'x'.repeat(20000) }, []],
];

describe('rule validation: the api and the console flag the same fields', () => {
  it.each(CASES)('%s', async (_title, overrides, fields) => {
    const body = { ...valid, ...overrides };
    expect(sharedFields(body)).toEqual(fields);
    expect(await apiFields(body)).toEqual(fields);
  });

  it('leaves private image addresses to the api, which knows the allow-list', async () => {
    const body = { ...valid, img: 'http://192.168.1.10/a.jpg' };
    expect(sharedFields(body)).toEqual([]);
    expect(await apiFields(body)).toEqual(['img']);
    expect(await apiFields(body, ['192.168.1.10'])).toEqual([]);
  });

  it('reports problems in the body field order', () => {
    const problems = ruleProblems({
      ...valid,
      startDate: '2024-06-02',
      endDate: '2024-06-01',
      lastOrderDay: -1,
      name: '',
    });
    expect(problems.map((p) => p.field)).toEqual(['name', 'endDate', 'lastOrderDay']);
  });
});
