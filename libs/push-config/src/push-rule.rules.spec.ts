import type { PushRuleDto } from './dto/push-rule.dto';
import { normalizeLabelList, splitLabelList } from '@app/contracts';
import { checkRuleSemantics } from './push-rule.rules';
import { escapeLike } from './push-rule.repository';

const base = (): PushRuleDto => ({
  name: '45天未购买用户召回',
  status: 0,
  startDate: '2024-01-01',
  endDate: '2024-12-31',
  weekDayPushTime: [
    { week: 1, time: '10:00' },
    { week: 3, time: '14:00' },
  ],
  lastOrderDay: 30,
  lastOrderDayLimit: 45,
  content: '喵～主人，猫砂告急',
});

describe('checkRuleSemantics', () => {
  it('accepts the seed example', () => {
    expect(
      checkRuleSemantics(
        {
          ...base(),
          img: 'https://oss.example.com/image.jpg',
          miniProgramTitle: '宠本本优惠专场',
          miniProgramImg: 'https://oss.example.com/mini.jpg',
          miniProgramUrl: 'pages/home/feature/index?alias=xxx',
        },
        [],
      ),
    ).toEqual([]);
  });

  const cases: [string, Partial<PushRuleDto>, string, RegExp][] = [
    ['start date not a calendar date', { startDate: '2024-02-30' }, 'startDate', /calendar/],
    ['end date not a calendar date', { endDate: '2023-02-29' }, 'endDate', /calendar/],
    ['end before start', { startDate: '2024-05-02', endDate: '2024-05-01' }, 'endDate', /before/],
    [
      'duplicate slot',
      {
        weekDayPushTime: [
          { week: 2, time: '09:00' },
          { week: 2, time: '09:00' },
        ],
      },
      'weekDayPushTime[1]',
      /duplicate/,
    ],
    [
      'day window inverted',
      { lastOrderDay: 46, lastOrderDayLimit: 45 },
      'lastOrderDayLimit',
      /greater/,
    ],
    ['no content at all', { content: '' }, 'content', /at least one/],
    ['text over 4000 bytes', { content: '猫'.repeat(1334) }, 'content', /4000 bytes/],
    ['image not http(s)', { img: 'ftp://oss.example.com/a.jpg' }, 'img', /http/],
    ['image on a private address', { img: 'http://192.168.1.10/a.jpg' }, 'img', /private/],
    ['image on loopback', { img: 'http://127.0.0.1/a.jpg' }, 'img', /private/],
    [
      'mini-program partially given',
      { miniProgramTitle: '标题' },
      'miniProgramImg',
      /all together/,
    ],
    [
      'mini-program title over 64 bytes',
      {
        miniProgramTitle: '优'.repeat(22),
        miniProgramImg: 'https://a.example/x.jpg',
        miniProgramUrl: 'pages/a',
      },
      'miniProgramTitle',
      /64 bytes/,
    ],
    [
      'mini-program cover on link-local',
      {
        miniProgramTitle: 't',
        miniProgramImg: 'http://169.254.169.254/x.jpg',
        miniProgramUrl: 'pages/a',
      },
      'miniProgramImg',
      /private/,
    ],
  ];

  it.each(cases)('%s', (_name, patch, field, message) => {
    const problems = checkRuleSemantics({ ...base(), ...patch }, []);
    expect(problems).toEqual(
      expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
    );
  });

  it('counts text limits in UTF-8 bytes, not characters', () => {
    expect(checkRuleSemantics({ ...base(), content: '猫'.repeat(1333) }, [])).toEqual([]);
    expect(checkRuleSemantics({ ...base(), content: 'a'.repeat(4000) }, [])).toEqual([]);
    expect(checkRuleSemantics({ ...base(), content: 'a'.repeat(4001) }, [])).toHaveLength(1);
  });

  it('accepts image-only and mini-program-only rules', () => {
    expect(
      checkRuleSemantics({ ...base(), content: undefined, img: 'https://a.example/x.png' }, []),
    ).toEqual([]);
    expect(
      checkRuleSemantics(
        {
          ...base(),
          content: undefined,
          miniProgramTitle: 't',
          miniProgramImg: 'https://a.example/x.jpg',
          miniProgramUrl: 'pages/a',
        },
        [],
      ),
    ).toEqual([]);
  });

  it('lets allow-listed private image hosts through', () => {
    expect(
      checkRuleSemantics({ ...base(), img: 'http://localhost:9000/a.jpg' }, ['localhost']),
    ).toEqual([]);
  });

  it('accepts the same slot time on different weekdays and a 0-day window', () => {
    expect(
      checkRuleSemantics(
        {
          ...base(),
          weekDayPushTime: [
            { week: 1, time: '00:00' },
            { week: 2, time: '00:00' },
          ],
          lastOrderDay: 0,
          lastOrderDayLimit: 0,
        },
        [],
      ),
    ).toEqual([]);
  });
});

describe('label lists', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    [' 上海, 北京 ,,苏州 ', '上海,北京,苏州'],
    ['上海，北京', '上海,北京'],
    ['1001,1001,1002', '1001,1002'],
  ])('normalizeLabelList(%j) = %j', (input, out) => expect(normalizeLabelList(input)).toBe(out));

  it('splits stored lists', () => {
    expect(splitLabelList('a,b')).toEqual(['a', 'b']);
    expect(splitLabelList('')).toEqual([]);
  });
});

describe('escapeLike', () => {
  it('makes % _ and \\ literal', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
  });
});
