import { addDays, endOfDay, formatDateTime, startOfDay } from '@app/common';
import { RULE_LIMITS, splitLabelList } from '@app/contracts';

/**
 * Who a rule targets: the saved entity (WechatPush) and the request body (PushRuleDto)
 * both fit. Label fields are comma-separated lists as operators type them.
 */
export interface AudienceRule {
  lastOrderDay: number;
  lastOrderDayLimit: number;
  cityLabels?: string | null;
  storeLabels?: string | null;
  brandLabels?: string | null;
  cateLabels?: string | null;
  skuLabels?: string | null;
}

/** Shanghai wall time `YYYY-MM-DD HH:mm:ss`, as DATETIME columns hold it. */
export interface AudienceWindow {
  from: string;
  to: string;
}

/** Label values per match column; city and brand by `name`, the others by `bind_id`. */
export interface LabelCriteria {
  cityNames: string[];
  warehouseBindIds: string[];
  categoryBindIds: string[];
  brandNames: string[];
  skuBindIds: string[];
}

export interface AudienceCriteria {
  window: AudienceWindow;
  labels: LabelCriteria;
  /** False when no label field is set: everyone whose last order is in the window. */
  hasLabels: boolean;
}

/**
 * The day window of SPEC §6: the last order falls between 00:00:00 of (today − L) and
 * 23:59:59 of (today − d), "today" being the Shanghai calendar date of `at`.
 */
export function audienceWindow(rule: AudienceRule, at: Date): AudienceWindow {
  const { lastOrderDay: d, lastOrderDayLimit: l } = rule;
  const whole = (n: number) => Number.isInteger(n) && n >= 0 && n <= RULE_LIMITS.maxDays;
  if (!whole(d) || !whole(l) || d > l) {
    throw new RangeError(
      `need whole days 0 ≤ lastOrderDay (${d}) ≤ lastOrderDayLimit (${l}) ≤ ${RULE_LIMITS.maxDays}`,
    );
  }
  return {
    from: formatDateTime(startOfDay(addDays(at, -l))),
    to: formatDateTime(endOfDay(addDays(at, -d))),
  };
}

export function labelCriteria(rule: AudienceRule): LabelCriteria {
  return {
    cityNames: splitLabelList(rule.cityLabels),
    warehouseBindIds: splitLabelList(rule.storeLabels),
    categoryBindIds: splitLabelList(rule.cateLabels),
    brandNames: splitLabelList(rule.brandLabels),
    skuBindIds: splitLabelList(rule.skuLabels),
  };
}

export function audienceCriteria(rule: AudienceRule, at: Date): AudienceCriteria {
  const labels = labelCriteria(rule);
  return {
    window: audienceWindow(rule, at),
    labels,
    hasLabels: Object.values(labels).some((values: string[]) => values.length > 0),
  };
}
