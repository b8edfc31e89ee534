import dayjs from 'dayjs';
import type { PolicyView } from '../api/types';
import {
  fromPolicyView,
  localizePolicyMessage,
  policyErrorsByField,
  policyFormFieldOf,
  toPolicyBody,
  validatePolicy,
  wecomDefaultText,
} from './policy-form-model';

const view: PolicyView = {
  maxPerDay: 1,
  maxPerWeek: 3,
  minGapHours: 48,
  wecomCap: { period: 'month', limit: null },
  quietHours: { start: '21:00', end: '09:00' },
  blackoutDates: ['2027-02-06', '2027-02-05'],
  globalControlPercent: 5,
  updatedBy: 1,
  updatedAt: '2026-12-05 10:00:00',
  canEdit: true,
};

describe('policy form model', () => {
  it('round-trips the policy through the form (dates sorted)', () => {
    expect(toPolicyBody(fromPolicyView(view))).toEqual({
      maxPerDay: 1,
      maxPerWeek: 3,
      minGapHours: 48,
      wecomCap: { period: 'month', limit: null },
      quietHours: { start: '21:00', end: '09:00' },
      blackoutDates: ['2027-02-05', '2027-02-06'],
      globalControlPercent: 5,
    });
  });

  it('sends null quiet hours when switched off, and keeps a suggestion in the pickers', () => {
    const form = fromPolicyView({ ...view, quietHours: null });
    expect(form.quietOn).toBe(false);
    expect(form.quietStart?.format('HH:mm')).toBe('21:00');
    expect(toPolicyBody(form).quietHours).toBeNull();
  });

  it('checks the form with the shared policy checks, in Chinese, on the right fields', () => {
    const form = {
      ...fromPolicyView(view),
      maxPerDay: null,
      maxPerWeek: 400,
      wecomPeriod: 'week' as const,
      wecomLimit: 8,
      quietStart: dayjs('22:00', 'HH:mm'),
      quietEnd: dayjs('22:00', 'HH:mm'),
      blackoutDates: ['2027-02-30'],
      globalControlPercent: 10.005,
    };
    const { fields, other } = policyErrorsByField(validatePolicy(form));
    expect(other).toEqual([]);
    expect(Object.fromEntries(fields.map((f) => [f.name, f.errors]))).toEqual({
      maxPerDay: ['请填写整数'],
      maxPerWeek: ['须在 1 到 350 之间'],
      wecomLimit: ['须在 1 到 7 之间'],
      quietEnd: ['结束时间不能与开始时间相同'],
      blackoutDates: ['不是有效的日期'],
      globalControlPercent: ['须在 0 到 10 之间，至多两位小数'],
    });
    expect(validatePolicy(fromPolicyView(view))).toEqual([]);
  });

  it.each([
    ['maxPerDay', 'maxPerDay'],
    ['wecomCap.limit', 'wecomLimit'],
    ['wecomCap.period', 'wecomPeriod'],
    ['quietHours.start', 'quietStart'],
    ['quietHours', 'quietStart'],
    ['blackoutDates[3]', 'blackoutDates'],
    ['globalControlPercent', 'globalControlPercent'],
    ['policy', undefined],
  ])('API field %s shows on %s', (api, form) => {
    expect(policyFormFieldOf(api)).toBe(form);
  });

  it('keeps API messages it does not know', () => {
    expect(localizePolicyMessage('something new')).toBe('something new');
  });

  it("states WeCom's default for the period", () => {
    expect(wecomDefaultText('month', '2027-02-10')).toBe('每月 28 条（当月天数）');
    expect(wecomDefaultText('week', '2027-02-10')).toBe('每周 7 条');
    expect(wecomDefaultText('day', '2027-02-10')).toBe('每天 1 条');
  });
});
