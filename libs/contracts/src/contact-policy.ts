import { isCalendarDate, TIME_PATTERN } from './business-time';
import { EXPERIMENT_LIMITS, isPercent } from './experiments';

/**
 * The customer-level contact policy every rule obeys (docs/AUDIENCE.md "Contact policy"),
 * as the api and the console share it: its shape, defaults, limits and checks, and the
 * pure time rules (WeCom's receive-cap period, quiet hours) both sides apply.
 */

export const WECOM_CAP_PERIODS = ['month', 'week', 'day'] as const;
export type WecomCapPeriod = (typeof WECOM_CAP_PERIODS)[number];

export interface QuietHours {
  /** HH:mm, Asia/Shanghai; inclusive. */
  start: string;
  /** HH:mm; exclusive. Before `start`: the quiet hours run over midnight. */
  end: string;
}

export interface ContactPolicyShape {
  maxPerDay: number;
  maxPerWeek: number;
  minGapHours: number;
  /** `limit` omitted/null: WeCom's default for the period (days in the month, 7, 1). */
  wecomCap: { period: WecomCapPeriod; limit?: number | null };
  quietHours: QuietHours | null;
  blackoutDates: string[];
  /** Percent of all customers no rule messages (the global control group), 0–10. */
  globalControlPercent: number;
}

export const DEFAULT_CONTACT_POLICY: ContactPolicyShape = {
  maxPerDay: 1,
  maxPerWeek: 3,
  minGapHours: 48,
  wecomCap: { period: 'month', limit: null },
  quietHours: null,
  blackoutDates: [],
  globalControlPercent: 0,
};

export const POLICY_LIMITS = {
  maxPerDay: { min: 1, max: 50 },
  maxPerWeek: { min: 1, max: 350 },
  minGapHours: { min: 0, max: 720 },
  blackoutDates: 366,
} as const;

/** Per-rule policy fields: defaults and limits. Priority 1 selects first, 10 last. */
export const RULE_POLICY_LIMITS = {
  cooldownDays: { min: 0, max: 365, default: 7 },
  priority: { min: 1, max: 10, default: 5 },
} as const;

/**
 * Why a customer was kept out, in the order a customer is counted (once, under the first
 * reason that applies): `noOwner` is the sender rule's (issue 22: an `owner` rule that skips
 * customers without a store guide, checked before the policy), the others the policy's.
 */
export const EXCLUSION_REASONS = [
  'noOwner',
  'unreachable',
  'suppressed',
  'cooldown',
  'gap',
  'dayCap',
  'weekCap',
  'wecomCap',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];
export type ExclusionCounts = Record<ExclusionReason, number>;

export function noExclusions(): ExclusionCounts {
  return {
    noOwner: 0,
    unreachable: 0,
    suppressed: 0,
    cooldown: 0,
    gap: 0,
    dayCap: 0,
    weekCap: 0,
    wecomCap: 0,
  };
}

export function addExclusions(a: ExclusionCounts, b: Partial<ExclusionCounts>): ExclusionCounts {
  const out = { ...a };
  for (const r of EXCLUSION_REASONS) out[r] += b[r] ?? 0;
  return out;
}

/** WeCom's own default for the period: the days of the month of `date`, 7 a week, 1 a day. */
export function wecomCapDefault(period: WecomCapPeriod, date: string): number {
  if (period === 'week') return 7;
  if (period === 'day') return 1;
  const [y, m] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The receive cap in force on `date` (YYYY-MM-DD, Shanghai). */
export function wecomCapLimit(cap: ContactPolicyShape['wecomCap'], date: string): number {
  const dflt = wecomCapDefault(cap.period, date);
  return cap.limit == null ? dflt : Math.min(cap.limit, dflt);
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the wall-clock minute `time` (HH:mm, Shanghai) falls inside the quiet hours. */
export function isQuietTime(time: string, quiet: QuietHours | null): boolean {
  if (!quiet) return false;
  const t = minutes(time);
  const s = minutes(quiet.start);
  const e = minutes(quiet.end);
  return s <= e ? t >= s && t < e : t >= s || t < e;
}

type PolicyProblemCode =
  | 'not-integer'
  | 'out-of-range'
  | 'period-invalid'
  | 'time-format'
  | 'quiet-empty'
  | 'date-format'
  | 'too-many-dates';

interface PolicyProblem {
  field: string;
  code: PolicyProblemCode;
  message: string;
}

/**
 * The problems of a policy update (any subset of the fields; absent ones are not checked),
 * with the API's field paths and wording.
 */
export function policyProblems(input: Partial<ContactPolicyShape>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const add = (field: string, code: PolicyProblemCode, message: string) =>
    problems.push({ field, code, message });
  for (const field of ['maxPerDay', 'maxPerWeek', 'minGapHours'] as const) {
    const v = input[field];
    if (v === undefined) continue;
    const { min, max } = POLICY_LIMITS[field];
    if (!Number.isInteger(v)) add(field, 'not-integer', `${field} must be an integer`);
    else if (v < min || v > max) add(field, 'out-of-range', `${field} must be ${min}..${max}`);
  }
  const gc = input.globalControlPercent;
  if (gc !== undefined) {
    const { min, max } = EXPERIMENT_LIMITS.globalControlPercent;
    if (!isPercent(gc, min, max))
      add(
        'globalControlPercent',
        'out-of-range',
        `globalControlPercent must be ${min}..${max} with at most two decimals`,
      );
  }
  const cap = input.wecomCap;
  if (cap !== undefined) {
    if (!(WECOM_CAP_PERIODS as readonly string[]).includes(cap?.period))
      add('wecomCap.period', 'period-invalid', 'wecomCap.period must be month, week or day');
    else if (cap.limit != null) {
      const max = cap.period === 'month' ? 31 : cap.period === 'week' ? 7 : 1;
      if (!Number.isInteger(cap.limit))
        add('wecomCap.limit', 'not-integer', 'wecomCap.limit must be an integer');
      else if (cap.limit < 1 || cap.limit > max)
        add('wecomCap.limit', 'out-of-range', `wecomCap.limit must be 1..${max} for ${cap.period}`);
    }
  }
  const quiet = input.quietHours;
  if (quiet) {
    for (const field of ['start', 'end'] as const) {
      if (typeof quiet[field] !== 'string' || !TIME_PATTERN.test(quiet[field]))
        add(`quietHours.${field}`, 'time-format', `quietHours.${field} must be HH:mm`);
    }
    if (quiet.start === quiet.end && TIME_PATTERN.test(quiet.start ?? ''))
      add('quietHours.end', 'quiet-empty', 'quietHours.end must differ from quietHours.start');
  }
  const dates = input.blackoutDates;
  if (dates !== undefined && !Array.isArray(dates))
    add('blackoutDates', 'date-format', 'blackoutDates must be an array of YYYY-MM-DD dates');
  else if (dates !== undefined) {
    if (dates.length > POLICY_LIMITS.blackoutDates)
      add(
        'blackoutDates',
        'too-many-dates',
        `at most ${POLICY_LIMITS.blackoutDates} blackout dates`,
      );
    dates.forEach((d, i) => {
      if (typeof d !== 'string' || !isCalendarDate(d))
        add(`blackoutDates[${i}]`, 'date-format', 'blackout dates must be real YYYY-MM-DD dates');
    });
  }
  return problems;
}
