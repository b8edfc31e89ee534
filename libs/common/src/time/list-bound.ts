import { ErrorDetail } from '../errors/error-code';
import {
  endOfDay,
  isCalendarDate,
  isCalendarDateTime,
  parseBusinessDateTime,
} from './shanghai-time';

/**
 * A list's time bound (`startTime` / `endTime` of the rule list and the audit log): '' or
 * null means none; 'YYYY-MM-DD' means the whole Shanghai day (its start for a start bound,
 * its last second for an end bound); 'YYYY-MM-DD HH:mm:ss' is taken as is. Anything else adds
 * a problem naming `field` and gives no bound.
 */
export function parseListBound(
  value: string | null | undefined,
  field: string,
  isEnd: boolean,
  problems: ErrorDetail[],
): Date | undefined {
  // @IsOptional() lets null through: it means "no bound", as a missing field does.
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (isCalendarDate(v)) {
    const start = parseBusinessDateTime(v);
    return isEnd ? endOfDay(start) : start;
  }
  if (isCalendarDateTime(v)) return parseBusinessDateTime(v);
  problems.push({ field, message: `${field} must be YYYY-MM-DD or YYYY-MM-DD HH:mm:ss` });
  return undefined;
}
