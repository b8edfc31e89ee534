import {
  ContactPolicyShape,
  DEFAULT_CONTACT_POLICY,
  EXCLUSION_REASONS,
  ExclusionReason,
} from '@app/contracts';
import { shanghaiInstant } from '@app/common';
import {
  ContactBatch,
  ContactFacts,
  exclusionOf,
  factsFromContacts,
  NO_FACTS,
  parseRecent,
  policyWindows,
  RulePolicy,
  slotRefusal,
  wecomPeriodStart,
} from './policy-check';

/**
 * Each rule of the contact policy on hand-built facts (issue 16, docs/AUDIENCE.md "Contact
 * policy"). How the ledger's SQL counts rows against these windows: test/ledger.e2e-spec.ts.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (date: string, time = '00:00:00') => shanghaiInstant(date, time);
const ago = (from: Date, ms: number) => new Date(from.getTime() - ms);

const rule: RulePolicy = { pushId: 1, cooldownDays: 7, capExempt: false };
const exempt: RulePolicy = { ...rule, capExempt: true };
const policy = (p: Partial<ContactPolicyShape> = {}): ContactPolicyShape => ({
  ...DEFAULT_CONTACT_POLICY,
  ...p,
});
const facts = (f: Partial<ContactFacts>): ContactFacts => ({ ...NO_FACTS, ...f });
const verdict = (
  f: Partial<ContactFacts>,
  when: Date,
  p: Partial<ContactPolicyShape> = {},
  r: RulePolicy = rule,
): ExclusionReason | null => exclusionOf(facts(f), policy(p), r, policyWindows(policy(p), r, when));

describe('the Shanghai calendar day', () => {
  it('starts at Shanghai midnight: 00:30 Shanghai is 16:30 UTC the day before, its day began at 16:00 UTC', () => {
    const w = policyWindows(policy(), rule, at('2027-03-15', '00:30:00'));
    expect(w.at.toISOString()).toBe('2027-03-14T16:30:00.000Z');
    expect(w.dayStart.toISOString()).toBe('2027-03-14T16:00:00.000Z');
  });

  it.each([
    ['23:59:59 on D is in D', '2027-03-14', '23:59:59', '2027-03-14', '23:59:59', true],
    ['23:59:59 on D is not in D+1', '2027-03-14', '23:59:59', '2027-03-15', '00:00:00', false],
    ['00:00:00 on D+1 is in D+1', '2027-03-15', '00:00:00', '2027-03-15', '12:00:00', true],
    ['08:00 on D is in D at 15:59:59', '2027-03-14', '08:00:00', '2027-03-14', '15:59:59', true],
  ])('%s', (_, rowDate, rowTime, atDate, atTime, inDay) => {
    const w = policyWindows(policy(), rule, at(atDate, atTime));
    // The ledger counts a row for the day when created_at >= dayStart.
    expect(at(rowDate, rowTime).getTime() >= w.dayStart.getTime()).toBe(inDay);
  });

  it.each<[number, number, ExclusionReason | null]>([
    [0, 1, null],
    [1, 1, 'dayCap'],
    [1, 2, null],
    [2, 2, 'dayCap'],
  ])('%i rows today with maxPerDay %i: %s', (inDay, maxPerDay, reason) =>
    expect(
      verdict({ inDay, inWeek: inDay }, at('2027-03-15', '10:00:00'), {
        maxPerDay,
        minGapHours: 0,
      }),
    ).toBe(reason),
  );
});

describe('the rolling week', () => {
  it('counts the 7 × 24 h before the check, the instant exactly 7 days ago excluded', () => {
    const now = at('2027-03-15', '10:00:00');
    const w = policyWindows(policy(), rule, now);
    expect(w.weekAfter.getTime()).toBe(now.getTime() - 7 * DAY);
    // The ledger counts a row for the week when created_at > weekAfter.
    const inWeek = (row: Date) => row.getTime() > w.weekAfter.getTime();
    expect(inWeek(ago(now, 7 * DAY))).toBe(false);
    expect(inWeek(ago(now, 7 * DAY - 1000))).toBe(true);
  });

  it.each<[number, number, ExclusionReason | null]>([
    [2, 3, null],
    [3, 3, 'weekCap'],
    [4, 3, 'weekCap'],
    [3, 4, null],
  ])('%i rows this week with maxPerWeek %i: %s', (inWeek, maxPerWeek, reason) =>
    expect(verdict({ inWeek }, at('2027-03-15', '10:00:00'), { maxPerWeek, minGapHours: 0 })).toBe(
      reason,
    ),
  );
});

describe('the gap', () => {
  const now = at('2027-03-15', '10:00:00');
  it.each<[string, number, number, ExclusionReason | null]>([
    ['47 h ago, minGapHours 48', 47 * HOUR, 48, 'gap'],
    ['1 s ago, minGapHours 48', 1000, 48, 'gap'],
    ['48 h - 1 s ago, minGapHours 48', 48 * HOUR - 1000, 48, 'gap'],
    ['exactly 48 h ago, minGapHours 48', 48 * HOUR, 48, null],
    ['48 h 1 s ago, minGapHours 48', 48 * HOUR + 1000, 48, null],
    ['1 min ago, minGapHours 0 (off)', 60_000, 0, null],
    ['11 h ago, minGapHours 12', 11 * HOUR, 12, 'gap'],
  ])('last contact %s: %s', (_, since, minGapHours, reason) =>
    expect(verdict({ lastAt: ago(now, since) }, now, { minGapHours, maxPerDay: 50 })).toBe(reason),
  );

  it('has no window when off, and starts minGapHours before the check otherwise', () => {
    expect(policyWindows(policy({ minGapHours: 0 }), rule, now).gapAfter).toBeNull();
    expect(policyWindows(policy({ minGapHours: 48 }), rule, now).gapAfter).toEqual(
      ago(now, 48 * HOUR),
    );
  });

  it('no earlier contact: no gap', () =>
    expect(verdict({ lastAt: null }, now, { minGapHours: 720 })).toBeNull());
});

describe("WeCom's receive cap", () => {
  const lax = { maxPerDay: 50, maxPerWeek: 350, minGapHours: 0 };

  it.each<[string, string, number, ExclusionReason | null]>([
    ['30 rows in April (30 days)', '2027-04-20', 30, 'wecomCap'],
    ['29 rows in April', '2027-04-20', 29, null],
    ['30 rows in March (31 days)', '2027-03-20', 30, null],
    ['31 rows in March', '2027-03-20', 31, 'wecomCap'],
    ['28 rows in February 2027', '2027-02-20', 28, 'wecomCap'],
    ['28 rows in February 2028 (leap)', '2028-02-20', 28, null],
    ['29 rows in February 2028', '2028-02-20', 29, 'wecomCap'],
  ])('month cap, WeCom default: %s → %s', (_, date, inWecomPeriod, reason) =>
    expect(
      verdict({ inWecomPeriod }, at(date, '10:00:00'), {
        ...lax,
        wecomCap: { period: 'month', limit: null },
      }),
    ).toBe(reason),
  );

  it("the month is Shanghai's: 00:30 on 1 April Shanghai (still March in UTC) has April's 30", () => {
    const w = policyWindows(
      policy({ wecomCap: { period: 'month', limit: null } }),
      rule,
      at('2027-04-01', '00:30:00'),
    );
    expect(w.wecomStart).toEqual(at('2027-04-01'));
    expect(w.wecomLimit).toBe(30);
  });

  it('a configured limit counts, clamped to the days of the month', () => {
    const when = at('2027-04-20', '10:00:00');
    expect(
      verdict({ inWecomPeriod: 10 }, when, { ...lax, wecomCap: { period: 'month', limit: 10 } }),
    ).toBe('wecomCap');
    expect(
      verdict({ inWecomPeriod: 9 }, when, { ...lax, wecomCap: { period: 'month', limit: 10 } }),
    ).toBeNull();
    expect(
      verdict({ inWecomPeriod: 30 }, when, { ...lax, wecomCap: { period: 'month', limit: 31 } }),
    ).toBe('wecomCap');
  });

  it.each<[string, string, string, string]>([
    ['Monday 00:00', '2027-03-08', '00:00:00', '2027-03-08'],
    ['Monday 07:00 (Sunday in UTC)', '2027-03-08', '07:00:00', '2027-03-08'],
    ['Wednesday', '2027-03-03', '10:00:00', '2027-03-01'],
    ['Sunday 23:59:59', '2027-03-07', '23:59:59', '2027-03-01'],
    ['Sunday over a month end', '2027-02-28', '12:00:00', '2027-02-22'],
  ])('the week period of %s starts on Monday %s', (_, date, time, monday) =>
    expect(wecomPeriodStart('week', at(date, time))).toEqual(at(monday)),
  );

  it.each<[string, string, string]>([
    ['day', '2027-03-08 00:30', '2027-03-08'],
    ['month', '2027-03-31 23:59', '2027-03-01'],
    ['month', '2027-04-01 00:00', '2027-04-01'],
  ])('the %s period of %s starts on %s', (period, when, start) =>
    expect(
      wecomPeriodStart(period as 'day' | 'month', at(when.slice(0, 10), `${when.slice(11)}:00`)),
    ).toEqual(at(start)),
  );

  it.each<[string, 'week' | 'day', number, ExclusionReason | null]>([
    ['7 rows this week, 7 a week', 'week', 7, 'wecomCap'],
    ['6 rows this week, 7 a week', 'week', 6, null],
    ['1 row today, 1 a day', 'day', 1, 'wecomCap'],
  ])('%s → %s', (_, period, inWecomPeriod, reason) =>
    expect(
      verdict({ inWecomPeriod }, at('2027-03-10', '10:00:00'), {
        ...lax,
        wecomCap: { period, limit: null },
      }),
    ).toBe(reason),
  );
});

describe('cooldown', () => {
  const now = at('2027-03-15', '10:00:00');

  it.each<[number, Date | null]>([
    [7, ago(now, 7 * DAY)],
    [1, ago(now, DAY)],
    [0, null],
  ])("cooldownDays %i: the rule's own rows after %s put the customer in cooldown", (days, after) =>
    expect(policyWindows(policy(), { ...rule, cooldownDays: days }, now).cooldownAfter).toEqual(
      after,
    ),
  );

  it("the rule's own row inside the cooldown excludes; the ledger says none for cooldownDays 0", () => {
    expect(verdict({ cooling: true }, now)).toBe('cooldown');
    expect(verdict({ cooling: false }, now)).toBeNull();
  });

  it("reads the caps' batches from the earliest cap window, whatever the cooldown", () => {
    // Day 15 of the month: WeCom's monthly period reaches further back than the week.
    for (const cooldownDays of [0, 7, 30])
      expect(policyWindows(policy(), { ...rule, cooldownDays }, now).capsFrom).toEqual(
        at('2027-03-01'),
      );
    // A daily WeCom cap: the rolling week is the earliest.
    expect(
      policyWindows(
        policy({ wecomCap: { period: 'day', limit: null } }),
        { ...rule, cooldownDays: 0 },
        now,
      ).capsFrom,
    ).toEqual(ago(now, 7 * DAY));
  });
});

describe('a cap-exempt rule', () => {
  const now = at('2027-03-15', '10:00:00');
  const capped = { lastAt: ago(now, HOUR), inDay: 5, inWeek: 9, inWecomPeriod: 31 };

  it('ignores every cap and the gap', () => {
    expect(verdict(capped, now)).toBe('gap');
    expect(verdict(capped, now, {}, exempt)).toBeNull();
  });

  it.each<[Partial<ContactFacts>, ExclusionReason]>([
    [{ suppressed: true }, 'suppressed'],
    [{ unreachable: true }, 'unreachable'],
    [{ cooling: true }, 'cooldown'],
  ])('still obeys %j', (f, reason) =>
    expect(verdict({ ...capped, ...f }, now, {}, exempt)).toBe(reason),
  );
});

describe('the order of reasons', () => {
  const now = at('2027-03-15', '10:00:00');
  // `noOwner` is the sender rule's (checked before the policy), never the policy's verdict.
  type PolicyReason = Exclude<ExclusionReason, 'noOwner'>;
  const reasons = EXCLUSION_REASONS.filter((r): r is PolicyReason => r !== 'noOwner');
  const each: Record<PolicyReason, Partial<ContactFacts>> = {
    unreachable: { unreachable: true },
    suppressed: { suppressed: true },
    cooldown: { cooling: true },
    gap: { lastAt: ago(now, HOUR) },
    dayCap: { inDay: 1 },
    weekCap: { inWeek: 3 },
    wecomCap: { inWecomPeriod: 31 },
  };

  it.each(reasons.map((r, i) => [reasons.slice(i).join(', '), r] as const))(
    'a customer excluded for %s counts as %s',
    (all, first) => {
      const f = Object.assign(
        {},
        ...all.split(', ').map((r) => each[r as PolicyReason]),
      ) as Partial<ContactFacts>;
      expect(verdict(f, now)).toBe(first);
    },
  );

  it.each(reasons.map((r) => [r] as const))('%s alone excludes', (r) =>
    expect(verdict(each[r], now)).toBe(r),
  );

  it('suppressed and over the day cap counts as suppressed; unreachable comes before suppressed', () => {
    expect(verdict({ suppressed: true, inDay: 1 }, now)).toBe('suppressed');
    expect(verdict({ suppressed: true, unreachable: true }, now)).toBe('unreachable');
  });

  it('no facts: allowed', () => expect(verdict({}, now)).toBeNull());
});

describe('slotRefusal', () => {
  const p = policy({
    blackoutDates: ['2027-02-06', '2027-02-07'],
    quietHours: { start: '21:00', end: '09:00' },
  });

  it.each<[string, string, string | null]>([
    ['2027-02-06', '10:00', 'blackout date 2027-02-06'],
    ['2027-02-06', '00:00', 'blackout date 2027-02-06'],
    ['2027-02-07', '23:59', 'blackout date 2027-02-07'],
    ['2027-02-05', '12:00', null],
    ['2027-02-08', '12:00', null],
    ['2027-02-05', '21:00', 'inside quiet hours 21:00–09:00'],
    ['2027-02-05', '20:59', null],
    ['2027-02-08', '08:59', 'inside quiet hours 21:00–09:00'],
    ['2027-02-08', '09:00', null],
    ['2027-02-08', '00:00', 'inside quiet hours 21:00–09:00'],
  ])('a slot on %s at %s (Shanghai): %s', (date, time, refusal) =>
    expect(slotRefusal(p, at(date, `${time}:00`))).toBe(refusal),
  );

  it('takes the Shanghai date: 00:00 on a blackout date is 16:00 UTC the day before', () =>
    expect(slotRefusal(p, new Date('2027-02-05T16:00:00Z'))).toBe('blackout date 2027-02-06'));

  it('without quiet hours or blackout dates nothing is refused', () => {
    for (const time of ['00:00', '08:59', '21:00', '23:59'])
      expect(slotRefusal(policy(), at('2027-02-06', `${time}:00`))).toBeNull();
  });
});

describe("a customer's facts from their live contacts (contact_state.recent)", () => {
  const now = at('2027-03-15', '10:00:00');
  const w = policyWindows(policy(), rule, now);
  const batch = (at: Date, b: Partial<ContactBatch> = {}): ContactBatch => ({
    pushId: 2,
    counted: true,
    at,
    ...b,
  });
  const batches = new Map<number, ContactBatch>([
    [10, batch(ago(now, HOUR))], // today, inside the gap
    [9, batch(at('2027-03-14', '23:00:00'))], // yesterday: week, not day
    [8, batch(ago(now, 6 * DAY), { counted: false })], // cap-exempt: WeCom's period only
    [7, batch(ago(now, 3 * DAY), { pushId: rule.pushId })], // the rule's own, in its cooldown
    [6, batch(at('2027-03-01'))], // first of the month: WeCom's period, not the week
  ]);

  it('counts each live batch in the windows it falls in', () => {
    expect(factsFromContacts('10,9,8,7,6', batches, rule, w)).toEqual({
      ...NO_FACTS,
      cooling: true,
      lastAt: ago(now, HOUR),
      inDay: 1,
      inWeek: 3,
      inWecomPeriod: 5,
    });
  });

  it('ignores batches the windows do not reach or that were given back whole (not in the map)', () => {
    expect(factsFromContacts('99,98', batches, rule, w)).toEqual(NO_FACTS);
    expect(
      factsFromContacts(
        '7',
        batches,
        { ...rule, cooldownDays: 0 },
        policyWindows(policy(), { ...rule, cooldownDays: 0 }, now),
      ).cooling,
    ).toBe(false);
  });

  it('excludes by the same rules as the ledger rows did', () => {
    const f = factsFromContacts('9', batches, rule, w);
    expect(exclusionOf(f, policy(), rule, w)).toBe('gap'); // 11 h ago < 48 h
    expect(
      exclusionOf(
        f,
        policy({ minGapHours: 0 }),
        rule,
        policyWindows(policy({ minGapHours: 0 }), rule, now),
      ),
    ).toBeNull();
  });

  it('parses the stored list, skipping anything but positive ids', () => {
    expect(parseRecent('12,11,3')).toEqual([12, 11, 3]);
    expect(parseRecent('')).toEqual([]);
    expect(parseRecent(null)).toEqual([]);
    expect(parseRecent('5,,x,0,4,1x2,99999999999999999999')).toEqual([5, 4]);
    expect(parseRecent('2000034034,7')).toEqual([2000034034, 7]);
  });
});
