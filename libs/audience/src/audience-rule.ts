import { addDays, endOfDay, formatDateTime, startOfDay } from '@app/common';
import { LabelMatch, RULE_LIMITS, splitLabelList, VALUE_LIMITS, WindowBasis } from '@app/contracts';

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
  /** 'lastOrder' (default): the last order of anything; 'labelledGoods': of the goods labels. */
  windowBasis?: WindowBasis | null;
  /** 'any' (default): OR across every label; 'all': AND across label types on one order. */
  labelMatch?: LabelMatch | null;
  excludeCityLabels?: string | null;
  excludeStoreLabels?: string | null;
  excludeBrandLabels?: string | null;
  excludeCateLabels?: string | null;
  excludeSkuLabels?: string | null;
  minOrders?: number | null;
  /** Yuan; the entity's DECIMAL may arrive as a string. */
  minSpend?: number | string | null;
  valueLookbackDays?: number | null;
  /** RFM tier codes (RFM_TIERS); empty or absent: no condition. */
  rfmTiers?: readonly string[] | null;
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

/** The value tier: counted orders and their net spend in [from, to]; tiers from customer_rfm. */
export interface ValueCriteria {
  from: string;
  to: string;
  minOrders: number | null;
  minSpend: number | null;
  rfmTiers: string[];
}

export interface AudienceCriteria {
  window: AudienceWindow;
  labels: LabelCriteria;
  /** False when no label field is set: everyone whose last order is in the window. */
  hasLabels: boolean;
  basis: WindowBasis;
  match: LabelMatch;
  /** Customers with such a label through an order in the window are removed. */
  exclude: LabelCriteria;
  hasExclusions: boolean;
  /** Null: no value condition. */
  value: ValueCriteria | null;
}

const hasAny = (l: LabelCriteria) => Object.values(l).some((values: string[]) => values.length > 0);

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

function exclusionCriteria(rule: AudienceRule): LabelCriteria {
  return labelCriteria({
    lastOrderDay: 0,
    lastOrderDayLimit: 0,
    cityLabels: rule.excludeCityLabels,
    storeLabels: rule.excludeStoreLabels,
    brandLabels: rule.excludeBrandLabels,
    cateLabels: rule.excludeCateLabels,
    skuLabels: rule.excludeSkuLabels,
  });
}

/**
 * The value tier's orders: from 00:00:00 of (today − valueLookbackDays) to 23:59:59 of today.
 * Null when the rule sets no minOrders, minSpend or RFM tier.
 */
function valueCriteria(rule: AudienceRule, at: Date): ValueCriteria | null {
  const minOrders = rule.minOrders ? Number(rule.minOrders) : null;
  const minSpend = rule.minSpend ? Number(rule.minSpend) : null;
  const rfmTiers = [...(rule.rfmTiers ?? [])];
  if (!minOrders && !minSpend && !rfmTiers.length) return null;
  const days = rule.valueLookbackDays ?? VALUE_LIMITS.valueLookbackDays.default;
  const { min, max } = VALUE_LIMITS.valueLookbackDays;
  if (!Number.isInteger(days) || days < min || days > max)
    throw new RangeError(`valueLookbackDays must be a whole ${min}..${max}, not ${days}`);
  return {
    from: formatDateTime(startOfDay(addDays(at, -days))),
    to: formatDateTime(endOfDay(at)),
    minOrders,
    minSpend,
    rfmTiers,
  };
}

export function audienceCriteria(rule: AudienceRule, at: Date): AudienceCriteria {
  const labels = labelCriteria(rule);
  const exclude = exclusionCriteria(rule);
  const basis = rule.windowBasis ?? 'lastOrder';
  if (
    basis === 'labelledGoods' &&
    !labels.brandNames.length &&
    !labels.categoryBindIds.length &&
    !labels.skuBindIds.length
  )
    throw new RangeError('windowBasis labelledGoods needs a category, brand or SKU label');
  return {
    window: audienceWindow(rule, at),
    labels,
    hasLabels: hasAny(labels),
    basis,
    match: rule.labelMatch ?? 'any',
    exclude,
    hasExclusions: hasAny(exclude),
    value: valueCriteria(rule, at),
  };
}
