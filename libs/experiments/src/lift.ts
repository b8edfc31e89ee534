import { welchDifference } from './means';
import { holmAdjust } from './multiple-comparisons';
import { Interval, newcombeDifference, pooledZTest } from './proportions';

/**
 * When a lift counts as significant (docs/STATISTICS.md "Experiments — methods"): its 95 %
 * interval excludes 0, its Holm-adjusted p-value is below 0.05, and each of the two groups
 * has at least `minCustomers` customers and `minBuyers` buyers — below that the normal
 * approximations behind the interval are not to be trusted, and a verdict drawn from a
 * handful of orders would flip with the next one.
 */
export const SIGNIFICANCE_RULE = { level: 0.95, alpha: 0.05, minCustomers: 100, minBuyers: 10 };

/** One group of an experiment over a period: the control group or a content variant. */
export interface GroupOutcome {
  /** `control`, `A`, `B`, … */
  group: string;
  /** Customers in the group (recipients, or control members). */
  customers: number;
  /** Customers with at least one counted order. */
  buyers: number;
  /** Σ of each customer's revenue (0 for a customer who bought nothing), yuan. */
  revenue: number;
  /** Σ of the squares of each customer's revenue (per customer, not per order). */
  revenueSquares: number;
}

/**
 * A group compared with the baseline.
 * @public The `lift` rows of `/statistic/wechatpush/experiment` (issue 17).
 */
export interface Lift {
  group: string;
  /** group − baseline: a difference of conversion rates, or of revenue per customer. */
  absolute: number;
  /** absolute / baseline value (a point estimate, no interval); null when the baseline is 0. */
  relative: number | null;
  /** The 95 % interval of `absolute`; null when the groups are too small to compute one. */
  ci95: Interval | null;
  /** The two-sided p-value, Holm-adjusted over the comparisons of one call. */
  pValue: number | null;
  /** The p-value before the adjustment. */
  unadjustedPValue: number | null;
  significant: boolean;
}

interface Comparison {
  absolute: number;
  baselineValue: number;
  ci95: Interval | null;
  pValue: number | null;
}

function enoughData(a: GroupOutcome, b: GroupOutcome): boolean {
  const { minCustomers, minBuyers } = SIGNIFICANCE_RULE;
  return [a, b].every((g) => g.customers >= minCustomers && g.buyers >= minBuyers);
}

function lifts(
  baseline: GroupOutcome,
  groups: readonly GroupOutcome[],
  compare: (group: GroupOutcome) => Comparison,
): Lift[] {
  const comparisons = groups.map(compare);
  const tested = comparisons.flatMap((c) => (c.pValue === null ? [] : [c.pValue]));
  const adjusted = holmAdjust(tested);
  let next = 0;
  return groups.map((group, i) => {
    const c = comparisons[i];
    const pValue = c.pValue === null ? null : adjusted[next++];
    return {
      group: group.group,
      absolute: c.absolute,
      relative: c.baselineValue === 0 ? null : c.absolute / c.baselineValue,
      ci95: c.ci95,
      pValue,
      unadjustedPValue: c.pValue,
      significant:
        c.ci95 !== null &&
        pValue !== null &&
        (c.ci95[0] > 0 || c.ci95[1] < 0) &&
        pValue < SIGNIFICANCE_RULE.alpha &&
        enoughData(group, baseline),
    };
  });
}

/**
 * Buyer-conversion lift of each group over `baseline` (the control group, or variant A):
 * Newcombe's hybrid score interval for the difference of the two rates, the pooled z-test's
 * p-value, Holm's adjustment over the groups compared.
 */
export function conversionLift(baseline: GroupOutcome, groups: readonly GroupOutcome[]): Lift[] {
  const rateOf = (g: GroupOutcome) => (g.customers === 0 ? 0 : g.buyers / g.customers);
  return lifts(baseline, groups, (group) => {
    const absolute = rateOf(group) - rateOf(baseline);
    if (group.customers === 0 || baseline.customers === 0)
      return { absolute, baselineValue: rateOf(baseline), ci95: null, pValue: null };
    const a = { n: group.customers, x: group.buyers };
    const b = { n: baseline.customers, x: baseline.buyers };
    return {
      absolute,
      baselineValue: rateOf(baseline),
      ci95: newcombeDifference(a, b, SIGNIFICANCE_RULE.level).interval,
      pValue: pooledZTest(a, b).pValue,
    };
  });
}

/**
 * Revenue-per-customer lift of each group over `baseline`: Welch's interval and test from
 * each group's n, Σ revenue and Σ revenue², Holm's adjustment over the groups compared.
 */
export function revenueLift(baseline: GroupOutcome, groups: readonly GroupOutcome[]): Lift[] {
  const sums = (g: GroupOutcome) => ({
    n: g.customers,
    sum: g.revenue,
    sumOfSquares: g.revenueSquares,
  });
  const perCustomer = (g: GroupOutcome) => (g.customers === 0 ? 0 : g.revenue / g.customers);
  return lifts(baseline, groups, (group) => {
    const absolute = perCustomer(group) - perCustomer(baseline);
    if (group.customers < 2 || baseline.customers < 2)
      return { absolute, baselineValue: perCustomer(baseline), ci95: null, pValue: null };
    const welch = welchDifference(sums(group), sums(baseline), SIGNIFICANCE_RULE.level);
    return {
      absolute,
      baselineValue: perCustomer(baseline),
      ci95: welch.interval,
      pValue: welch.pValue,
    };
  });
}

/**
 * What a treated group earned beyond what its customers would have done anyway, estimated
 * from the control group: treatedTotal − controlTotal × treatedCustomers / controlCustomers
 * (orders, buyers or revenue). Null without control customers.
 */
export function incremental(
  treated: { customers: number; total: number },
  control: { customers: number; total: number },
): number | null {
  if (control.customers === 0) return null;
  return treated.total - (control.total * treated.customers) / control.customers;
}
