import { DateTime } from 'luxon';
import { BUSINESS_TZ, isCalendarDate } from '@app/contracts';

/**
 * Every date and time a user sees, every slot and every audience window is in
 * Asia/Shanghai, whatever the server's TZ. MySQL DATETIME columns hold Shanghai
 * wall-clock time (the connection runs with timezone +08:00).
 */
export { BUSINESS_TZ, isCalendarDate };

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2}) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

function inZone(at: Date): DateTime {
  return DateTime.fromJSDate(at, { zone: BUSINESS_TZ });
}

/** True for `HH:mm` between 00:00 and 23:59. */
export function isClockTime(value: string): boolean {
  return TIME_RE.test(value);
}

/** True for a real `YYYY-MM-DD HH:mm:ss`. */
export function isCalendarDateTime(value: string): boolean {
  const m = DATETIME_RE.exec(value);
  if (!m) return false;
  return DateTime.fromObject(
    { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +m[6] },
    { zone: BUSINESS_TZ },
  ).isValid;
}

/** From here on Shanghai's offset is +08:00 all year (no daylight saving since 1991). */
const FIXED_OFFSET_SINCE = Date.UTC(1992, 0, 1);
const OFFSET_MS = 8 * 3_600_000;

/**
 * `YYYY-MM-DD HH:mm:ss` of the instant in Shanghai. Every API response formats its times here,
 * so the fixed offset takes a plain ISO string (luxon's zone formatting cost ~4 % of the api's
 * CPU under load); earlier instants, which had daylight saving, go through the zone database.
 */
function shanghaiIso(at: Date): string | undefined {
  const ms = at.getTime();
  if (!(ms >= FIXED_OFFSET_SINCE) || ms > 253_402_300_799_000 - OFFSET_MS) return undefined;
  return new Date(ms + OFFSET_MS).toISOString();
}

/** `YYYY-MM-DD` of the instant in Shanghai. */
export function formatDate(at: Date): string {
  return shanghaiIso(at)?.slice(0, 10) ?? inZone(at).toFormat('yyyy-MM-dd');
}

/** `YYYY-MM-DD HH:mm:ss` of the instant in Shanghai. */
export function formatDateTime(at: Date): string {
  const iso = shanghaiIso(at);
  return iso
    ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
    : inZone(at).toFormat('yyyy-MM-dd HH:mm:ss');
}

/** `HH:mm` of the instant in Shanghai (a slot's wall-clock minute). */
export function formatClockTime(at: Date): string {
  return shanghaiIso(at)?.slice(11, 16) ?? inZone(at).toFormat('HH:mm');
}

/** ISO weekday 1..7 (7 = Sunday) of the instant in Shanghai, as the seed numbers slots. */
export function weekDay(at: Date): number {
  return inZone(at).weekday;
}

const WALL_TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** The instant of a wall-clock time at the fixed offset, or undefined when it needs the zone database. */
function fixedOffsetInstant(date: string, time: string): Date | undefined {
  const d = DATE_RE.exec(date);
  const t = WALL_TIME_RE.exec(time);
  if (!d || !t || !isCalendarDate(date) || +d[1] < 1992) return undefined;
  return new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +t[1], +t[2], +(t[3] ?? 0)) - OFFSET_MS);
}

/** The instant at which a Shanghai wall-clock date and time occurs. */
export function shanghaiInstant(date: string, time = '00:00:00'): Date {
  const fixed = fixedOffsetInstant(date, time);
  if (fixed) return fixed;
  const dt = DateTime.fromISO(`${date}T${time}`, { zone: BUSINESS_TZ });
  if (!dt.isValid) throw new RangeError(`invalid Shanghai date/time: ${date} ${time}`);
  return dt.toJSDate();
}

/** 00:00:00.000 of the Shanghai day that contains `at`. */
export function startOfDay(at: Date): Date {
  return inZone(at).startOf('day').toJSDate();
}

/** 23:59:59 of the Shanghai day that contains `at` (second precision, as DATETIME stores). */
export function endOfDay(at: Date): Date {
  const ms = at.getTime();
  if (ms >= FIXED_OFFSET_SINCE && ms <= 253_402_300_799_000 - OFFSET_MS) {
    const day = 86_400_000;
    return new Date(Math.floor((ms + OFFSET_MS) / day) * day + day - 1000 - OFFSET_MS);
  }
  return inZone(at).endOf('day').set({ millisecond: 0 }).toJSDate();
}

/** The Shanghai calendar date `days` days after the one of `at` (negative for before). */
export function addDays(at: Date, days: number): Date {
  return inZone(at).plus({ days }).toJSDate();
}

/** Parses a `YYYY-MM-DD` as the start of that Shanghai day, or a full `YYYY-MM-DD HH:mm:ss`. */
export function parseBusinessDateTime(value: string): Date {
  if (DATE_RE.test(value)) return shanghaiInstant(value);
  const m = DATETIME_RE.exec(value);
  if (!m) throw new RangeError(`invalid date/time: ${value}`);
  return shanghaiInstant(`${m[1]}-${m[2]}-${m[3]}`, `${m[4]}:${m[5]}:${m[6]}`);
}
