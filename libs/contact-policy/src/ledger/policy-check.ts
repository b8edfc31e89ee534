import {
  ContactPolicyShape,
  ExclusionReason,
  isQuietTime,
  wecomCapLimit,
  WecomCapPeriod,
} from '@app/contracts';
import {
  addDays,
  formatClockTime,
  formatDate,
  shanghaiInstant,
  startOfDay,
  weekDay,
} from '@app/common';

/** The rule's side of a policy check. */
export interface RulePolicy {
  pushId: number;
  cooldownDays: number;
  capExempt: boolean;
}

/** The instants the counts of one check start at (all inclusive but `week` and `gap`). */
export interface PolicyWindows {
  at: Date;
  /** Shanghai midnight of `at`'s day. */
  dayStart: Date;
  /** Rolling 7 days: rows created after this count. */
  weekAfter: Date;
  /** Rows created after this are too close (none when minGapHours is 0). */
  gapAfter: Date | null;
  /** The rule's own rows created after this put the customer in cooldown (none when 0). */
  cooldownAfter: Date | null;
  /** Start of WeCom's receive-cap period (month, Monday-based week or day, Shanghai). */
  wecomStart: Date;
  wecomLimit: number;
  /** The earliest of the above: the ledger is read from here. */
  readFrom: Date;
  /**
   * And up to here (a day after `at`): rows are created at "now", so none lies later unless a
   * clock is a day off — the bound lets MySQL skip the ledger's future months (partitions).
   */
  readTo: Date;
}

export function wecomPeriodStart(period: WecomCapPeriod, at: Date): Date {
  const date = formatDate(at);
  if (period === 'month') return shanghaiInstant(`${date.slice(0, 8)}01`);
  if (period === 'week') return addDays(startOfDay(at), -(weekDay(at) - 1));
  return startOfDay(at);
}

export function policyWindows(
  policy: ContactPolicyShape,
  rule: RulePolicy,
  at: Date,
): PolicyWindows {
  const dayStart = startOfDay(at);
  const weekAfter = new Date(at.getTime() - 7 * 86_400_000);
  const gapAfter =
    policy.minGapHours > 0 ? new Date(at.getTime() - policy.minGapHours * 3_600_000) : null;
  const cooldownAfter =
    rule.cooldownDays > 0 ? new Date(at.getTime() - rule.cooldownDays * 86_400_000) : null;
  const wecomStart = wecomPeriodStart(policy.wecomCap.period, at);
  const starts = [dayStart, weekAfter, gapAfter, cooldownAfter, wecomStart].filter(
    (d): d is Date => d !== null,
  );
  return {
    at,
    dayStart,
    weekAfter,
    gapAfter,
    cooldownAfter,
    wecomStart,
    wecomLimit: wecomCapLimit(policy.wecomCap, formatDate(at)),
    readFrom: new Date(Math.min(...starts.map((d) => d.getTime()))),
    readTo: new Date(at.getTime() + 86_400_000),
  };
}

/** What the ledger and the lists say of one customer, as of a check's windows. */
export interface ContactFacts {
  unreachable: boolean;
  suppressed: boolean;
  /** This rule's unreleased rows inside the cooldown (exempt or not). */
  cooling: boolean;
  /** Latest counted, unreleased row (null: none in the windows). */
  lastAt: Date | null;
  inDay: number;
  inWeek: number;
  /** Unreleased rows in WeCom's period, cap-exempt ones included: WeCom counts every message. */
  inWecomPeriod: number;
}

export const NO_FACTS: ContactFacts = {
  unreachable: false,
  suppressed: false,
  cooling: false,
  lastAt: null,
  inDay: 0,
  inWeek: 0,
  inWecomPeriod: 0,
};

/**
 * Why the policy keeps this customer out of this rule's selection, under the first reason
 * in EXCLUSION_REASONS' order; null when they may be contacted. A cap-exempt rule obeys the
 * opt-outs, reachability and its own cooldown, and no cap.
 */
export function exclusionOf(
  facts: ContactFacts,
  policy: ContactPolicyShape,
  rule: RulePolicy,
  w: PolicyWindows,
): ExclusionReason | null {
  if (facts.unreachable) return 'unreachable';
  if (facts.suppressed) return 'suppressed';
  if (facts.cooling) return 'cooldown';
  if (rule.capExempt) return null;
  if (w.gapAfter && facts.lastAt && facts.lastAt.getTime() > w.gapAfter.getTime()) return 'gap';
  if (facts.inDay >= policy.maxPerDay) return 'dayCap';
  if (facts.inWeek >= policy.maxPerWeek) return 'weekCap';
  if (facts.inWecomPeriod >= w.wecomLimit) return 'wecomCap';
  return null;
}

/** Why a scheduled slot at `at` is not sent under the policy (blackout, quiet hours), or null. */
export function slotRefusal(policy: ContactPolicyShape, at: Date): string | null {
  const date = formatDate(at);
  if (policy.blackoutDates.includes(date)) return `blackout date ${date}`;
  const time = formatClockTime(at);
  if (isQuietTime(time, policy.quietHours))
    return `inside quiet hours ${policy.quietHours?.start}–${policy.quietHours?.end}`;
  return null;
}
