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
  /**
   * The earliest of the caps' windows (day, week, gap, WeCom's period): the batches a check
   * reads are the live ones from here, and the rule's own since `cooldownAfter`.
   */
  capsFrom: Date;
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
  const starts = [dayStart, weekAfter, gapAfter, wecomStart].filter((d): d is Date => d !== null);
  return {
    at,
    dayStart,
    weekAfter,
    gapAfter,
    cooldownAfter,
    wecomStart,
    wecomLimit: wecomCapLimit(policy.wecomCap, formatDate(at)),
    capsFrom: new Date(Math.min(...starts.map((d) => d.getTime()))),
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

/** A reserved batch as the caps count it (`contact_batches`, live: not given back whole). */
export interface ContactBatch {
  pushId: number;
  /** false: a cap-exempt rule's batch (still counted by WeCom's cap). */
  counted: boolean;
  /** The instant the caps count from: the reservation, then the WeCom task's creation. */
  at: Date;
}

/**
 * How many live contacts `contact_state.recent` keeps per customer (newest first): more than
 * the largest week cap the policy allows (POLICY_LIMITS.maxPerWeek, 350), so every cap counts
 * exactly; a rule's cooldown is missed only past 400 newer contacts.
 */
export const RECENT_LIMIT = 400;

/**
 * Calls `visit` with each batch id of `contact_state.recent` (comma-separated, newest
 * first), skipping anything but positive integers — scanned in place, no array or string
 * made per id: a check reads ten thousand of these lists a page.
 */
function eachRecent(recent: string | null | undefined, visit: (id: number) => void): void {
  if (!recent) return;
  let id = 0;
  let digits = 0;
  let junk = false;
  for (let i = 0; i <= recent.length; i++) {
    const c = i < recent.length ? recent.charCodeAt(i) : 44; // ',' ends the last one
    if (c === 44) {
      if (digits > 0 && !junk && id > 0 && Number.isSafeInteger(id)) visit(id);
      id = 0;
      digits = 0;
      junk = false;
    } else if (c >= 48 && c <= 57) {
      id = id * 10 + (c - 48);
      digits++;
    } else junk = true;
  }
}

/** `contact_state.recent` → batch ids, newest first. */
export function parseRecent(recent: string | null | undefined): number[] {
  const out: number[] = [];
  eachRecent(recent, (id) => out.push(id));
  return out;
}

/**
 * A customer's facts from their live contacts (`recent`, as stored) resolved against the live
 * batches the check's windows reach (`batches`): a batch that is not there is older than every
 * window, or was given back whole. Lists (unreachable, suppressed) are the caller's.
 */
export function factsFromContacts(
  recent: string,
  batches: ReadonlyMap<number, ContactBatch>,
  rule: RulePolicy,
  w: PolicyWindows,
): ContactFacts {
  const f: ContactFacts = { ...NO_FACTS };
  const cooldownAfter = w.cooldownAfter?.getTime() ?? Infinity;
  const wecomStart = w.wecomStart.getTime();
  const dayStart = w.dayStart.getTime();
  const weekAfter = w.weekAfter.getTime();
  eachRecent(recent, (id) => {
    const b = batches.get(id);
    if (!b) return;
    const t = b.at.getTime();
    if (b.pushId === rule.pushId && t > cooldownAfter) f.cooling = true;
    if (t >= wecomStart) f.inWecomPeriod++;
    if (!b.counted) return;
    if (!f.lastAt || t > f.lastAt.getTime()) f.lastAt = b.at;
    if (t >= dayStart) f.inDay++;
    if (t > weekAfter) f.inWeek++;
  });
  return f;
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
