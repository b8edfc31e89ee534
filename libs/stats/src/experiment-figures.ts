import {
  conversionLift,
  GroupOutcome,
  incremental,
  Lift,
  revenueLift,
  SIGNIFICANCE_RULE,
} from '@app/experiments';
import { rate } from './push-figures';
import { fenOf, fenToYuan } from './money';
import { GroupSums } from './query/experiment-groups';

/** One group of an experiment as the API shows it (docs/STATISTICS.md "Experiments"). */
export interface ExperimentGroup {
  /** `control`, `A`, `B`, … */
  group: string;
  /** Assignments: (run, customer) pairs — recipients of sent batches, or holdout members. */
  recipients: number;
  /** Assignments with at least one converting order in the window. */
  buyers: number;
  /** Σ over assignments of their converting orders in the window. */
  orders: number;
  /** Σ over assignments of those orders' payment − refunds, exact yuan ("1234.50"). */
  revenue: string;
  /** buyers / recipients, 4 decimals. */
  userConversionRate: number;
  /** revenue / recipients, yuan, 4 decimals. */
  revenuePerRecipient: number;
}

export interface ExperimentComparison {
  /** What the lifts are measured against: the holdout, else variant A; null without either. */
  baseline: 'control' | 'A' | null;
  groups: ExperimentGroup[];
  /** Buyer-conversion lift of each other group over the baseline (Newcombe, pooled z, Holm). */
  lift: Lift[];
  /** Revenue-per-recipient lift of each other group over the baseline (Welch, Holm). */
  revenueLift: Lift[];
  /**
   * Treated (all variants) − control rate × treated recipients: what the pushes added beyond
   * what the same number of customers did without them; null without a control group.
   */
  incrementalOrders: number | null;
  incrementalBuyers: number | null;
  /** The same for revenue, yuan rounded to the fen ("123.45"); null without a control group. */
  incrementalRevenue: string | null;
}

const round = (x: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};

const outcome = (g: GroupSums): GroupOutcome => ({
  group: g.group,
  customers: g.recipients,
  buyers: g.buyers,
  revenue: Number(g.revenue),
  revenueSquares: Number(g.revenueSquares),
});

/** Integer division of fen rounded half away from zero (exact, BigInt). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const r = numerator % denominator;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice < denominator) return q;
  return numerator < 0n ? q - 1n : q + 1n;
}

/**
 * treated revenue − control revenue × treated / control recipients, in exact fen (rounded
 * once, at the end, to the fen).
 */
function incrementalRevenue(treated: GroupSums[], control: GroupSums): string {
  const fen = (g: GroupSums) => BigInt(fenOf(g.revenue));
  const treatedFen = treated.reduce((s, g) => s + fen(g), 0n);
  const treatedN = BigInt(treated.reduce((s, g) => s + g.recipients, 0));
  const n = BigInt(control.recipients);
  const value = divideRounded(treatedFen * n - fen(control) * treatedN, n);
  return fenToYuan(Number(value));
}

/**
 * Each group's figures and the lifts over the baseline — the control group when there is
 * one, else variant A — with the incremental orders, buyers and revenue of the treated.
 */
export function compareGroups(sums: GroupSums[]): ExperimentComparison {
  const groups = sums.map((g): ExperimentGroup => ({
    group: g.group,
    recipients: g.recipients,
    buyers: g.buyers,
    orders: g.orders,
    revenue: fenToYuan(fenOf(g.revenue)),
    userConversionRate: rate(g.buyers, g.recipients),
    revenuePerRecipient: g.recipients > 0 ? round(Number(g.revenue) / g.recipients, 4) : 0,
  }));
  const control = sums.find((g) => g.group === 'control' && g.recipients > 0);
  const base = control ?? sums.find((g) => g.group === 'A');
  const none = { incrementalOrders: null, incrementalBuyers: null, incrementalRevenue: null };
  if (!base) return { baseline: null, groups, lift: [], revenueLift: [], ...none };
  const others = sums.filter((g) => g !== base && g.group !== 'control').map(outcome);
  const baseline = outcome(base);
  const comparison = {
    baseline: control ? ('control' as const) : ('A' as const),
    groups,
    lift: conversionLift(baseline, others),
    revenueLift: revenueLift(baseline, others),
  };
  const treated = sums.filter((g) => g.group !== 'control');
  if (!control || treated.length === 0) return { ...comparison, ...none };
  const total = (pick: (g: GroupSums) => number) => ({
    customers: treated.reduce((s, g) => s + g.recipients, 0),
    total: treated.reduce((s, g) => s + pick(g), 0),
  });
  const vsControl = (pick: (g: GroupSums) => number) =>
    round(
      incremental(total(pick), { customers: control.recipients, total: pick(control) }) ?? 0,
      2,
    );
  return {
    ...comparison,
    incrementalOrders: vsControl((g) => g.orders),
    incrementalBuyers: vsControl((g) => g.buyers),
    incrementalRevenue: incrementalRevenue(treated, control),
  };
}

/**
 * A rule's (or a rule's period's) buyer-conversion lift over its holdout, for compare and the
 * reports: all variants pooled as the treated group. Null without holdout members.
 */
export interface HoldoutLift {
  treatedRecipients: number;
  treatedUserConversionRate: number;
  controlRecipients: number;
  controlUserConversionRate: number;
  /** Treated − control buyer conversion (a difference of fractions). */
  absolute: number;
  relative: number | null;
  ci95: [number, number] | null;
  pValue: number | null;
  significant: boolean;
}

export function holdoutLift(sums: GroupSums[] | undefined): HoldoutLift | null {
  const control = sums?.find((g) => g.group === 'control' && g.recipients > 0);
  if (!sums || !control) return null;
  const treated = sums.filter((g) => g.group !== 'control');
  const pooled: GroupOutcome = {
    group: 'treated',
    customers: treated.reduce((s, g) => s + g.recipients, 0),
    buyers: treated.reduce((s, g) => s + g.buyers, 0),
    revenue: 0,
    revenueSquares: 0,
  };
  const [lift] = conversionLift(outcome(control), [pooled]);
  return {
    treatedRecipients: pooled.customers,
    treatedUserConversionRate: rate(pooled.buyers, pooled.customers),
    controlRecipients: control.recipients,
    controlUserConversionRate: rate(control.buyers, control.recipients),
    absolute: lift.absolute,
    relative: lift.relative,
    ci95: lift.ci95,
    pValue: lift.pValue,
    significant: lift.significant,
  };
}

/** The significance rule, as the API states it beside every experiment. */
export const EXPERIMENT_RULE = {
  level: SIGNIFICANCE_RULE.level,
  alpha: SIGNIFICANCE_RULE.alpha,
  minRecipients: SIGNIFICANCE_RULE.minCustomers,
  minBuyers: SIGNIFICANCE_RULE.minBuyers,
};
