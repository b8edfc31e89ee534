import type { Slot } from '../api/types';

/** Week 1..7 as the API numbers them (7 = Sunday). */
export const WEEKDAYS: readonly { week: number; label: string }[] = [
  { week: 1, label: '周一' },
  { week: 2, label: '周二' },
  { week: 3, label: '周三' },
  { week: 4, label: '周四' },
  { week: 5, label: '周五' },
  { week: 6, label: '周六' },
  { week: 7, label: '周日' },
];

export const weekLabel = (week: number) =>
  WEEKDAYS.find((w) => w.week === week)?.label ?? `星期${week}`;

const slotKey = (s: Slot) => `${s.week}@${s.time}`;

const sortSlots = (slots: readonly Slot[]): Slot[] =>
  [...slots].sort((a, b) => a.week - b.week || a.time.localeCompare(b.time));

/**
 * Adds `time` on each of `weeks`; slots already present are not added twice but reported,
 * so the editor can tell the operator instead of silently ignoring the click.
 */
export function addSlots(
  slots: readonly Slot[],
  weeks: readonly number[],
  time: string,
): { slots: Slot[]; duplicates: Slot[] } {
  const seen = new Set(slots.map(slotKey));
  const added: Slot[] = [];
  const duplicates: Slot[] = [];
  for (const week of [...new Set(weeks)].sort((a, b) => a - b)) {
    const slot = { week, time };
    if (seen.has(slotKey(slot))) duplicates.push(slot);
    else {
      seen.add(slotKey(slot));
      added.push(slot);
    }
  }
  return { slots: sortSlots([...slots, ...added]), duplicates };
}

export const removeSlot = (slots: readonly Slot[], slot: Slot): Slot[] =>
  slots.filter((s) => slotKey(s) !== slotKey(slot));

/** Slots grouped per weekday (in week order), times sorted, for display. */
export function slotsByWeekday(slots: readonly Slot[]): { week: number; times: string[] }[] {
  return WEEKDAYS.map(({ week }) => ({
    week,
    times: sortSlots(slots.filter((s) => s.week === week)).map((s) => s.time),
  })).filter((g) => g.times.length > 0);
}
