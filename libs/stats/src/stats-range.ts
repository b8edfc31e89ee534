import {
  AppException,
  endOfDay,
  ErrorDetail,
  isCalendarDate,
  isCalendarDateTime,
  parseBusinessDateTime,
} from '@app/common';

export interface StatsRange {
  from: Date;
  to: Date;
}

/**
 * `YYYY-MM-DD` is the whole Shanghai day (its first second for startTime, its last for
 * endTime); `YYYY-MM-DD HH:mm:ss` is taken as is. Every bad field is reported at once.
 */
export function parseStatsRange(startTime: string, endTime: string, maxDays?: number): StatsRange {
  const problems: ErrorDetail[] = [];
  const bound = (value: string, field: string, isEnd: boolean): Date | undefined => {
    const v = value.trim();
    if (isCalendarDate(v)) {
      const start = parseBusinessDateTime(v);
      return isEnd ? endOfDay(start) : start;
    }
    if (isCalendarDateTime(v)) return parseBusinessDateTime(v);
    problems.push({ field, message: `${field} must be YYYY-MM-DD or YYYY-MM-DD HH:mm:ss` });
    return undefined;
  };
  const from = bound(startTime, 'startTime', false);
  const to = bound(endTime, 'endTime', true);
  if (from && to && from > to) {
    problems.push({ field: 'endTime', message: 'endTime must not be before startTime' });
  }
  if (from && to && maxDays !== undefined && to.getTime() - from.getTime() > maxDays * 86_400_000) {
    problems.push({ field: 'endTime', message: `the range may cover at most ${maxDays} days` });
  }
  if (problems.length || !from || !to) throw AppException.validation(problems);
  return { from, to };
}
