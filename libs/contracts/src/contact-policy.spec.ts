import {
  ContactPolicyShape,
  DEFAULT_CONTACT_POLICY,
  isQuietTime,
  policyProblems,
  POLICY_LIMITS,
  QuietHours,
  wecomCapDefault,
  wecomCapLimit,
  WecomCapPeriod,
} from './contact-policy';

/** The pure rules of the contact policy the api and the console share (issue 16). */
describe('WeCom receive cap', () => {
  it.each<[WecomCapPeriod, string, number]>([
    ['month', '2027-02-14', 28],
    ['month', '2028-02-14', 29],
    ['month', '2100-02-01', 28],
    ['month', '2000-02-29', 29],
    ['month', '2027-04-30', 30],
    ['month', '2027-01-01', 31],
    ['month', '2027-12-31', 31],
    ['week', '2027-02-14', 7],
    ['day', '2027-02-14', 1],
  ])('WeCom default for a %s containing %s is %i', (period, date, n) =>
    expect(wecomCapDefault(period, date)).toBe(n),
  );

  it.each<[ContactPolicyShape['wecomCap'], string, number]>([
    [{ period: 'month', limit: null }, '2027-02-10', 28],
    [{ period: 'month' }, '2027-04-10', 30],
    [{ period: 'month', limit: 10 }, '2027-02-10', 10],
    // A corp set to 31 a month is held to the days of a shorter month: WeCom's own ceiling.
    [{ period: 'month', limit: 31 }, '2027-02-10', 28],
    [{ period: 'month', limit: 31 }, '2028-02-10', 29],
    [{ period: 'month', limit: 31 }, '2027-04-10', 30],
    [{ period: 'month', limit: 31 }, '2027-03-10', 31],
    [{ period: 'week', limit: null }, '2027-02-10', 7],
    [{ period: 'week', limit: 3 }, '2027-02-10', 3],
    [{ period: 'day', limit: null }, '2027-02-10', 1],
    [{ period: 'day', limit: 1 }, '2027-02-10', 1],
  ])('limit in force for %j on %s is %i', (cap, date, n) =>
    expect(wecomCapLimit(cap, date)).toBe(n),
  );
});

describe('quiet hours', () => {
  const overMidnight: QuietHours = { start: '21:00', end: '09:00' };
  const sameDay: QuietHours = { start: '12:00', end: '14:00' };

  it.each<[string, QuietHours | null, boolean]>([
    ['20:59', overMidnight, false],
    ['21:00', overMidnight, true],
    ['23:59', overMidnight, true],
    ['00:00', overMidnight, true],
    ['08:59', overMidnight, true],
    ['09:00', overMidnight, false],
    ['12:00', overMidnight, false],
    ['11:59', sameDay, false],
    ['12:00', sameDay, true],
    ['13:59', sameDay, true],
    ['14:00', sameDay, false],
    ['00:00', sameDay, false],
    ['00:00', null, false],
    ['21:00', null, false],
    ['12:00', null, false],
  ])('%s inside %j: %s', (time, quiet, inside) => expect(isQuietTime(time, quiet)).toBe(inside));
});

describe('policyProblems', () => {
  const dates = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10),
    );

  it.each<[string, Partial<ContactPolicyShape>]>([
    ['nothing', {}],
    ['the defaults', DEFAULT_CONTACT_POLICY],
    ['maxPerDay alone', { maxPerDay: 2 }],
    ['the lowest limits', { maxPerDay: 1, maxPerWeek: 1, minGapHours: 0 }],
    ['the highest limits', { maxPerDay: 50, maxPerWeek: 350, minGapHours: 720 }],
    ['a month cap of 31', { wecomCap: { period: 'month', limit: 31 } }],
    ['a week cap of 7', { wecomCap: { period: 'week', limit: 7 } }],
    ['a day cap of 1', { wecomCap: { period: 'day', limit: 1 } }],
    ['a cap without a limit', { wecomCap: { period: 'week' } }],
    ['a cap with a null limit', { wecomCap: { period: 'day', limit: null } }],
    ['quiet hours over midnight', { quietHours: { start: '21:00', end: '09:00' } }],
    ['quiet hours within a day', { quietHours: { start: '00:00', end: '23:59' } }],
    ['quiet hours off', { quietHours: null }],
    ['no blackout dates', { blackoutDates: [] }],
    ['a leap day', { blackoutDates: ['2028-02-29', '2027-02-06'] }],
    ['366 blackout dates', { blackoutDates: dates(POLICY_LIMITS.blackoutDates) }],
  ])('%s: no problem', (_, input) => expect(policyProblems(input)).toEqual([]));

  it.each<[string, string, string, unknown]>([
    ['maxPerDay 1.5', 'maxPerDay', 'not-integer', { maxPerDay: 1.5 }],
    ['maxPerDay as a string', 'maxPerDay', 'not-integer', { maxPerDay: '1' }],
    ['maxPerDay 0', 'maxPerDay', 'out-of-range', { maxPerDay: 0 }],
    ['maxPerDay 51', 'maxPerDay', 'out-of-range', { maxPerDay: 51 }],
    ['maxPerWeek 0', 'maxPerWeek', 'out-of-range', { maxPerWeek: 0 }],
    ['maxPerWeek 351', 'maxPerWeek', 'out-of-range', { maxPerWeek: 351 }],
    ['maxPerWeek 2.5', 'maxPerWeek', 'not-integer', { maxPerWeek: 2.5 }],
    ['minGapHours -1', 'minGapHours', 'out-of-range', { minGapHours: -1 }],
    ['minGapHours 721', 'minGapHours', 'out-of-range', { minGapHours: 721 }],
    ['minGapHours null', 'minGapHours', 'not-integer', { minGapHours: null }],
    ['period year', 'wecomCap.period', 'period-invalid', { wecomCap: { period: 'year' } }],
    ['no period', 'wecomCap.period', 'period-invalid', { wecomCap: { limit: 3 } }],
    ['wecomCap null', 'wecomCap.period', 'period-invalid', { wecomCap: null }],
    [
      'month limit 32',
      'wecomCap.limit',
      'out-of-range',
      { wecomCap: { period: 'month', limit: 32 } },
    ],
    ['week limit 8', 'wecomCap.limit', 'out-of-range', { wecomCap: { period: 'week', limit: 8 } }],
    ['day limit 2', 'wecomCap.limit', 'out-of-range', { wecomCap: { period: 'day', limit: 2 } }],
    ['limit 0', 'wecomCap.limit', 'out-of-range', { wecomCap: { period: 'month', limit: 0 } }],
    ['limit 1.5', 'wecomCap.limit', 'not-integer', { wecomCap: { period: 'month', limit: 1.5 } }],
    [
      'quiet start 24:00',
      'quietHours.start',
      'time-format',
      { quietHours: { start: '24:00', end: '09:00' } },
    ],
    [
      'quiet end 9:00',
      'quietHours.end',
      'time-format',
      { quietHours: { start: '21:00', end: '9:00' } },
    ],
    ['quiet end missing', 'quietHours.end', 'time-format', { quietHours: { start: '21:00' } }],
    [
      'quiet start = end',
      'quietHours.end',
      'quiet-empty',
      { quietHours: { start: '21:00', end: '21:00' } },
    ],
    [
      '2027-02-29',
      'blackoutDates[1]',
      'date-format',
      { blackoutDates: ['2027-02-06', '2027-02-29'] },
    ],
    ['a blackout number', 'blackoutDates[0]', 'date-format', { blackoutDates: [20270206] }],
    ['2027-2-6', 'blackoutDates[0]', 'date-format', { blackoutDates: ['2027-2-6'] }],
    [
      '367 blackout dates',
      'blackoutDates',
      'too-many-dates',
      { blackoutDates: dates(POLICY_LIMITS.blackoutDates + 1) },
    ],
  ])('%s: %s %s', (_, field, code, input) =>
    expect(
      policyProblems(input as Partial<ContactPolicyShape>).map((p) => [p.field, p.code]),
    ).toEqual([[field, code]]),
  );

  it('lists every problem of an update, each with its field', () => {
    expect(
      policyProblems({
        maxPerDay: 0,
        maxPerWeek: 1.5,
        minGapHours: 1000,
        wecomCap: { period: 'week', limit: 8 },
        quietHours: { start: 'x', end: '25:00' },
        blackoutDates: ['2027-13-01'],
      }).map((p) => p.field),
    ).toEqual([
      'maxPerDay',
      'maxPerWeek',
      'minGapHours',
      'wecomCap.limit',
      'quietHours.start',
      'quietHours.end',
      'blackoutDates[0]',
    ]);
  });
});
