import dayjs, { type Dayjs } from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat';
import { policyProblems, wecomCapDefault, type ContactPolicyShape } from '@app/contracts';
import type { FieldError, PolicyView, WecomCapPeriod } from '../api/types';

dayjs.extend(customParseFormat);

/** The 触达策略 form: the WeCom cap and quiet hours as separate controls. */
export interface PolicyFormValues {
  maxPerDay: number | null;
  maxPerWeek: number | null;
  minGapHours: number | null;
  wecomPeriod: WecomCapPeriod;
  wecomLimit: number | null;
  quietOn: boolean;
  quietStart: Dayjs | null;
  quietEnd: Dayjs | null;
  blackoutDates: string[];
  globalControlPercent: number | null;
}

export type PolicyFormField = keyof PolicyFormValues;

const HHMM = 'HH:mm';

export const WECOM_PERIOD_LABELS: Record<WecomCapPeriod, string> = {
  month: '每月',
  week: '每周',
  day: '每天',
};

/** WeCom's default for the period, as the operator reads it ("每月 31 条（当月天数）"). */
export function wecomDefaultText(period: WecomCapPeriod, today: string): string {
  const n = wecomCapDefault(period, today);
  return `${WECOM_PERIOD_LABELS[period]} ${n} 条${period === 'month' ? '（当月天数）' : ''}`;
}

export function fromPolicyView(p: PolicyView): PolicyFormValues {
  return {
    maxPerDay: p.maxPerDay,
    maxPerWeek: p.maxPerWeek,
    minGapHours: p.minGapHours,
    wecomPeriod: p.wecomCap.period,
    wecomLimit: p.wecomCap.limit,
    quietOn: p.quietHours !== null,
    // Off: the pickers keep a sensible evening-to-morning suggestion for when it is turned on.
    quietStart: dayjs(p.quietHours?.start ?? '21:00', HHMM),
    quietEnd: dayjs(p.quietHours?.end ?? '09:00', HHMM),
    blackoutDates: [...p.blackoutDates],
    globalControlPercent: p.globalControlPercent,
  };
}

/** The whole policy as `/policy/update` takes it (an emptied number box is NaN: refused). */
export function toPolicyBody(v: PolicyFormValues): ContactPolicyShape {
  const time = (t: Dayjs | null) => (t?.isValid() ? t.format(HHMM) : '');
  return {
    maxPerDay: v.maxPerDay ?? Number.NaN,
    maxPerWeek: v.maxPerWeek ?? Number.NaN,
    minGapHours: v.minGapHours ?? Number.NaN,
    wecomCap: { period: v.wecomPeriod, limit: v.wecomLimit ?? null },
    quietHours: v.quietOn ? { start: time(v.quietStart), end: time(v.quietEnd) } : null,
    blackoutDates: [...v.blackoutDates].sort(),
    globalControlPercent: v.globalControlPercent ?? Number.NaN,
  };
}

/** Which form control shows an error of the API field `field` (e.g. `quietHours.end`). */
export function policyFormFieldOf(field: string): PolicyFormField | undefined {
  const map: Record<string, PolicyFormField> = {
    maxPerDay: 'maxPerDay',
    maxPerWeek: 'maxPerWeek',
    minGapHours: 'minGapHours',
    wecomCap: 'wecomPeriod',
    'wecomCap.period': 'wecomPeriod',
    'wecomCap.limit': 'wecomLimit',
    quietHours: 'quietStart',
    'quietHours.start': 'quietStart',
    'quietHours.end': 'quietEnd',
    blackoutDates: 'blackoutDates',
    globalControlPercent: 'globalControlPercent',
  };
  return map[field.replace(/\[\d+\]$/, '')];
}

const MESSAGES: readonly [RegExp, (m: RegExpMatchArray) => string][] = [
  [/must be an integer/, () => '请填写整数'],
  [
    /must be (\d+)\.\.(\d+) with at most two decimals/,
    (m) => `须在 ${m[1]} 到 ${m[2]} 之间，至多两位小数`,
  ],
  [/must be (\d+)\.\.(\d+)/, (m) => `须在 ${m[1]} 到 ${m[2]} 之间`],
  [/must be month, week or day/, () => '请选择每月、每周或每天'],
  [/must be HH:mm/, () => '请选择时间（HH:mm）'],
  [/must differ from/, () => '结束时间不能与开始时间相同'],
  [/real YYYY-MM-DD dates/, () => '不是有效的日期'],
  [/at most (\d+) blackout dates/, (m) => `禁发日期最多 ${m[1]} 个`],
];

/** The policy checks' (and the API's) English messages in the operators' words. */
export function localizePolicyMessage(message: string): string {
  for (const [re, text] of MESSAGES) {
    const m = message.match(re);
    if (m) return text(m);
  }
  return message;
}

/** The shared checks (@app/contracts, as the api runs them), worded for the form. */
export function validatePolicy(v: PolicyFormValues): FieldError[] {
  return policyProblems(toPolicyBody(v)).map(({ field, message }) => ({
    field,
    message: localizePolicyMessage(message),
  }));
}

/** Errors per form control (distinct messages); the rest for a banner. */
export function policyErrorsByField(errors: readonly FieldError[]): {
  fields: { name: PolicyFormField; errors: string[] }[];
  other: FieldError[];
} {
  const byField = new Map<PolicyFormField, string[]>();
  const other: FieldError[] = [];
  for (const e of errors) {
    const f = policyFormFieldOf(e.field);
    if (!f) {
      other.push(e);
      continue;
    }
    const list = byField.get(f) ?? [];
    const text = localizePolicyMessage(e.message);
    if (!list.includes(text)) list.push(text);
    byField.set(f, list);
  }
  return { fields: [...byField].map(([name, errs]) => ({ name, errors: errs })), other };
}
