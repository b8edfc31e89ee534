/**
 * The business calendar the api and the console share: every date and time an operator
 * sees or types is Asia/Shanghai wall time. The server's arithmetic on it lives in
 * @app/common's time helper, which takes the zone from here.
 */
export const BUSINESS_TZ = 'Asia/Shanghai';

export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A real proleptic Gregorian date written `YYYY-MM-DD` (2023-02-29 is not). */
export function isCalendarDate(s: string): boolean {
  if (!DATE_PATTERN.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
  return m >= 1 && m <= 12 && d >= 1 && d <= days;
}
