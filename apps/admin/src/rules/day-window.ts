import { BUSINESS_TZ } from '@app/contracts';

/** Today's date (YYYY-MM-DD) in Asia/Shanghai, whatever the browser's time zone. */
export function shanghaiToday(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: BUSINESS_TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** `date` (YYYY-MM-DD) minus `days` calendar days. */
export function minusDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

interface DayWindowExplanation {
  /** e.g. 最后一次购买在 45 天前到 30 天前之间 */
  text: string;
  from: string;
  to: string;
}

const isDays = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/**
 * The audience window in words: the customer's last order falls between `limit` and `day`
 * days ago, whole days in Asia/Shanghai (the API's `lastOrderDay` / `lastOrderDayLimit`).
 * Undefined while the two numbers do not make a window.
 */
export function explainDayWindow(
  day: number | null | undefined,
  limit: number | null | undefined,
  today: string,
): DayWindowExplanation | undefined {
  if (!isDays(day) || !isDays(limit) || day > limit) return undefined;
  const ago = (n: number) => (n === 0 ? '今天' : ` ${n} 天前`);
  const text =
    day === limit
      ? `最后一次购买在${ago(day)}${day === 0 ? '' : '当天'}`
      : `最后一次购买在${ago(limit)}到${ago(day)}之间`;
  return {
    text,
    from: `${minusDays(today, limit)} 00:00:00`,
    to: `${minusDays(today, day)} 23:59:59`,
  };
}
