import type { Experiment, ExperimentGroup, HoldoutLift, Lift } from '../api/types';
import { yuanText } from './analysis';

/** What the console calls a group: the holdout is 对照组, variants keep their letter. */
export const groupLabel = (group: string) => (group === 'control' ? '对照组' : group);

/** A difference of fractions in percentage points, one decimal ("1.8"), minus as "-". */
export const pp = (x: number) => {
  const v = Math.round(x * 1000) / 10;
  return (Object.is(v, -0) ? 0 : v).toFixed(1);
};

/** An interval as text: "0.6–3.0", or "-3.0 至 -0.6" when a bound is negative. */
export function intervalText([low, high]: [number, number] | number[], fmt = pp): string {
  const a = fmt(low);
  const b = fmt(high);
  return a.startsWith('-') || b.startsWith('-') ? `${a} 至 ${b}` : `${a}–${b}`;
}

/** Whether both groups reach the significance rule's minimums (recipients and buyers). */
function enoughData(e: Experiment, group: string): boolean {
  const { minRecipients, minBuyers } = e.significanceRule;
  return [group, e.baseline].every((name) => {
    const g = e.groups.find((x) => x.group === name);
    return !!g && g.recipients >= minRecipients && g.buyers >= minBuyers;
  });
}

/**
 * The plain-language verdict of one conversion lift:
 * "A 比对照组多带来 1.8 个百分点的购买转化（95% 区间 0.6–3.0）", or why there is none.
 */
export function liftVerdict(e: Experiment, lift: Lift): string {
  // "比对照组", "比 A ": a letter keeps its spaces.
  const base = e.baseline === 'control' ? '对照组' : ' A ';
  const name = groupLabel(lift.group);
  const { minRecipients, minBuyers } = e.significanceRule;
  if (!enoughData(e, lift.group)) {
    return `${name} 与${base.trimEnd()}：差异不显著（每组至少 ${minRecipients} 人、${minBuyers} 位购买者时才判断）`;
  }
  const ci = lift.ci95 ? `（95% 区间 ${intervalText(lift.ci95)}）` : '';
  if (lift.significant) {
    const more = lift.absolute > 0;
    return `${name} 比${base}${more ? '多' : '少'}带来 ${pp(Math.abs(lift.absolute))} 个百分点的购买转化${ci}`;
  }
  const adjusted =
    lift.ci95 && (lift.ci95[0] > 0 || lift.ci95[1] < 0) ? '，多个变体比较校正后' : '';
  return `${name} 与${base}的差异不显著${adjusted}：${pp(lift.absolute)} 个百分点${ci}`;
}

/** The revenue-per-recipient lift in words: "人均营收 +¥1.25（95% 区间 -0.40 至 2.90）". */
export function revenueLiftText(lift: Lift): string {
  const yuan = (x: number) => (Math.round(x * 100) / 100).toFixed(2);
  const sign = lift.absolute >= 0 ? '+' : '-';
  const value = yuanText(yuan(Math.abs(lift.absolute)));
  const ci = lift.ci95 ? `（95% 区间 ${intervalText(lift.ci95, yuan)}）` : '';
  return `${groupLabel(lift.group)} 人均营收 ${sign}${value}${ci}${lift.significant ? '，显著' : ''}`;
}

/** A compare / report cell: the lift over the holdout with its interval, or "—" without one. */
export function holdoutLiftText(l: HoldoutLift | null): string {
  if (!l) return '—';
  const ci = l.ci95 ? `（${intervalText(l.ci95)}）` : '';
  const sign = l.absolute > 0 ? '+' : '';
  return `${sign}${pp(l.absolute)} 个百分点${ci}${l.significant ? ' 显著' : ''}`;
}

/**
 * Where each lift's interval lies on a common horizontal scale (for the error bars): the
 * scale spans every interval and 0, symmetric around 0. Positions are fractions 0–1.
 */
export function errorBarScale(lifts: Pick<Lift, 'absolute' | 'ci95'>[]): {
  limit: number;
  at: (x: number) => number;
} {
  const reach = Math.max(
    1e-6,
    ...lifts.flatMap((l) => [Math.abs(l.absolute), ...(l.ci95 ?? []).map(Math.abs)]),
  );
  const limit = reach * 1.1;
  return { limit, at: (x: number) => (x + limit) / (2 * limit) };
}

/**
 * The content variant to recommend over the period: the variant (never the control group)
 * with the highest buyer conversion, above every other variant's, whose conversion lift over
 * the baseline is significant and positive — or, when the baseline is A, A itself when every
 * other variant is significantly below it. Null with fewer than two variants or no clear
 * winner. Only a recommendation: the rule changes when an operator promotes it.
 */
export function recommendedVariant(e: Experiment): string | null {
  const variants = e.groups.filter((g) => g.group !== 'control');
  if (variants.length < 2) return null;
  const rate = (g: ExperimentGroup) => (g.recipients > 0 ? g.buyers / g.recipients : 0);
  const [best, ...rest] = [...variants].sort((a, b) => rate(b) - rate(a));
  if (rest.some((g) => rate(g) >= rate(best))) return null;
  const liftOf = (group: string) => e.lift.find((l) => l.group === group);
  if (best.group === e.baseline) {
    const beatsAll = rest.every((g) => {
      const l = liftOf(g.group);
      return !!l && l.significant && l.absolute < 0;
    });
    return beatsAll ? best.group : null;
  }
  const l = liftOf(best.group);
  return l && l.significant && l.absolute > 0 ? best.group : null;
}
