import { DateTime } from 'luxon';
import { BUSINESS_TZ, shanghaiInstant } from '@app/common';

/** What the scheduler needs of a rule: its date range and weekly slots. */
export interface SlotRule {
  pushId: number;
  name?: string;
  /** 'YYYY-MM-DD', inclusive, Asia/Shanghai. */
  startDate: string;
  endDate: string;
  slots: { week: number; time: string }[];
}

export interface DueSlot {
  pushId: number;
  ruleName?: string;
  /** The instant of the slot minute. */
  slotAt: Date;
  week: number;
  time: string;
}

/**
 * Every slot occurrence of `rule` with `from ≤ slotAt < to`, in time order. Each Shanghai
 * calendar day the interval touches is looked at, so midnight, week and date-range edges
 * need no string comparison (the seed's `push_time > now` never fired a 00:00 slot).
 */
export function slotsBetween(rule: SlotRule, from: Date, to: Date): DueSlot[] {
  const out: DueSlot[] = [];
  let day = DateTime.fromJSDate(from, { zone: BUSINESS_TZ }).startOf('day');
  const last = DateTime.fromJSDate(to, { zone: BUSINESS_TZ }).startOf('day');
  while (day <= last) {
    const date = day.toFormat('yyyy-MM-dd');
    if (date >= rule.startDate && date <= rule.endDate) {
      for (const slot of rule.slots) {
        if (slot.week !== day.weekday) continue;
        const slotAt = shanghaiInstant(date, `${slot.time}:00`);
        if (slotAt >= from && slotAt < to) {
          out.push({
            pushId: rule.pushId,
            ruleName: rule.name,
            slotAt,
            week: slot.week,
            time: slot.time,
          });
        }
      }
    }
    day = day.plus({ days: 1 });
  }
  return out.sort((a, b) => a.slotAt.getTime() - b.slotAt.getTime());
}

/** The Shanghai calendar dates (YYYY-MM-DD) and ISO weekdays an interval touches. */
export function daysBetween(from: Date, to: Date): { dates: string[]; weekdays: number[] } {
  const dates: string[] = [];
  const weekdays = new Set<number>();
  let day = DateTime.fromJSDate(from, { zone: BUSINESS_TZ }).startOf('day');
  const last = DateTime.fromJSDate(to, { zone: BUSINESS_TZ }).startOf('day');
  while (day <= last) {
    dates.push(day.toFormat('yyyy-MM-dd'));
    weekdays.add(day.weekday);
    day = day.plus({ days: 1 });
  }
  return { dates, weekdays: [...weekdays] };
}

/**
 * Whether a slot job that starts at `now` for a slot at `slotAt` is still on time:
 * never before its minute (the caller delays it), at most `graceMinutes` late.
 */
export function isWithinGrace(slotAt: Date, now: Date, graceMinutes: number): boolean {
  return now.getTime() - slotAt.getTime() <= graceMinutes * 60_000;
}
