import { shanghaiInstant } from '@app/common';
import { daysBetween, isWithinGrace, slotsBetween, SlotRule } from './slot-schedule';

const at = (date: string, time: string) => shanghaiInstant(date, time);
const rule = (
  slots: { week: number; time: string }[],
  startDate = '2024-01-01',
  endDate = '2024-12-31',
): SlotRule => ({
  pushId: 7,
  startDate,
  endDate,
  slots,
});
const times = (r: SlotRule, from: Date, to: Date) =>
  slotsBetween(r, from, to).map((s) => s.slotAt.toISOString());

// 2024-03-04 is a Monday (week 1); 2024-03-10 a Sunday (week 7).
describe('slotsBetween (Asia/Shanghai)', () => {
  it.each<[string, SlotRule, Date, Date, string[]]>([
    [
      'a slot inside the hour',
      rule([{ week: 1, time: '10:30' }]),
      at('2024-03-04', '10:00:00'),
      at('2024-03-04', '11:00:00'),
      ['2024-03-04T02:30:00.000Z'],
    ],
    [
      'the interval start is inclusive',
      rule([{ week: 1, time: '10:00' }]),
      at('2024-03-04', '10:00:00'),
      at('2024-03-04', '11:00:00'),
      ['2024-03-04T02:00:00.000Z'],
    ],
    [
      'the interval end is exclusive',
      rule([{ week: 1, time: '11:00' }]),
      at('2024-03-04', '10:00:00'),
      at('2024-03-04', '11:00:00'),
      [],
    ],
    [
      'a 00:00 slot across midnight',
      rule([{ week: 2, time: '00:00' }]),
      at('2024-03-04', '23:30:00'),
      at('2024-03-05', '00:30:00'),
      ['2024-03-04T16:00:00.000Z'],
    ],
    [
      'Sunday → Monday week boundary',
      rule([
        { week: 1, time: '00:00' },
        { week: 7, time: '23:59' },
      ]),
      at('2024-03-10', '23:00:00'),
      at('2024-03-11', '01:00:00'),
      ['2024-03-10T15:59:00.000Z', '2024-03-10T16:00:00.000Z'],
    ],
    [
      'the wrong weekday does not fire',
      rule([{ week: 2, time: '10:30' }]),
      at('2024-03-04', '10:00:00'),
      at('2024-03-04', '11:00:00'),
      [],
    ],
    [
      'before the date range',
      rule([{ week: 1, time: '10:30' }], '2024-03-05'),
      at('2024-03-04', '10:00:00'),
      at('2024-03-04', '11:00:00'),
      [],
    ],
    [
      'after the date range',
      rule([{ week: 1, time: '10:30' }], '2024-01-01', '2024-03-03'),
      at('2024-03-04', '10:00:00'),
      at('2024-03-04', '11:00:00'),
      [],
    ],
    [
      'the last day of the range fires',
      rule([{ week: 1, time: '23:59' }], '2024-01-01', '2024-03-04'),
      at('2024-03-04', '23:00:00'),
      at('2024-03-05', '01:00:00'),
      ['2024-03-04T15:59:00.000Z'],
    ],
    [
      'the first day of the range fires at 00:00',
      rule([{ week: 2, time: '00:00' }], '2024-03-05'),
      at('2024-03-04', '23:00:00'),
      at('2024-03-05', '01:00:00'),
      ['2024-03-04T16:00:00.000Z'],
    ],
    [
      'several slots, in time order',
      rule([
        { week: 1, time: '10:45' },
        { week: 1, time: '10:05' },
      ]),
      at('2024-03-04', '10:00:00'),
      at('2024-03-04', '11:00:00'),
      ['2024-03-04T02:05:00.000Z', '2024-03-04T02:45:00.000Z'],
    ],
  ])('%s', (_name, r, from, to, expected) => {
    expect(times(r, from, to)).toEqual(expected);
  });

  it('gives the same instants whatever the process TZ', () => {
    const r = rule([{ week: 2, time: '00:00' }]);
    const before = process.env.TZ;
    try {
      process.env.TZ = 'America/Los_Angeles';
      const la = times(r, at('2024-03-04', '23:00:00'), at('2024-03-05', '01:00:00'));
      process.env.TZ = 'UTC';
      const utc = times(r, at('2024-03-04', '23:00:00'), at('2024-03-05', '01:00:00'));
      expect(la).toEqual(['2024-03-04T16:00:00.000Z']);
      expect(utc).toEqual(la);
    } finally {
      process.env.TZ = before;
    }
  });
});

describe('daysBetween', () => {
  it('lists Shanghai dates and weekdays touched', () => {
    expect(daysBetween(at('2024-03-10', '23:00:00'), at('2024-03-11', '01:00:00'))).toEqual({
      dates: ['2024-03-10', '2024-03-11'],
      weekdays: [7, 1],
    });
  });
});

describe('isWithinGrace', () => {
  const slot = at('2024-03-04', '10:00:00');
  it.each([
    [0, true],
    [30 * 60_000, true],
    [30 * 60_000 + 1, false],
    [-5_000, true],
  ])('%d ms late → %s', (late, ok) => {
    expect(isWithinGrace(slot, new Date(slot.getTime() + late), 30)).toBe(ok);
  });
});
