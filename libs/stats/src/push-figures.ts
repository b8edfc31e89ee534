import { yuan } from './money';
import { num } from './query/sql-fragments';

/**
 * The funnel of SPEC §7 for one scope (a range, a run, a day). Every count is of distinct
 * recipients (external_userid → customer) unless it says orders; definitions in
 * docs/STATISTICS.md and the OpenAPI schema.
 */
export interface PushFigures {
  pushCount: number;
  failCount: number;
  successCount: number;
  successRate: number;
  executedCount: number;
  deliveredCount: number;
  notFriendCount: number;
  overCapCount: number;
  orderCount: number;
  buyerCount: number;
  /** Σ payment − refunds of those orders, each order once, yuan as "1234.50" (exact). */
  revenue: string;
  orderConversionRate: number;
  userConversionRate: number;
}

/**
 * Per-recipient rows `(failed, best)` — best outcome: 3 delivered > 2 over cap > 1 not a
 * friend > 0 no result — → the funnel of SPEC §7 (a failure anywhere wins, as the seed).
 */
export const FUNNEL_OF_RECIPIENTS = `COUNT(*) AS push, SUM(failed) AS fail,
       SUM(failed = 0 AND best > 0) AS executed, SUM(failed = 0 AND best = 3) AS delivered,
       SUM(failed = 0 AND best = 2) AS over_cap, SUM(failed = 0 AND best = 1) AS not_friend`;

/** What the SQL aggregates return for a scope (numbers may arrive as strings or NULL). */
export interface RawFunnel {
  push?: unknown;
  fail?: unknown;
  executed?: unknown;
  delivered?: unknown;
  not_friend?: unknown;
  over_cap?: unknown;
}

export interface RawOrders {
  orders?: unknown;
  buyers?: unknown;
  /** DECIMAL text from SUM over the distinct orders (NULL: none, or amounts unknown). */
  revenue?: unknown;
}

/** `part / whole` as a fraction with 4 decimals; 0 (not NaN) when `whole` is 0. */
export function rate(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0;
}

export function toFigures(
  funnel: RawFunnel | undefined,
  orders: RawOrders | undefined,
): PushFigures {
  const pushCount = num(funnel?.push);
  const failCount = num(funnel?.fail);
  const successCount = pushCount - failCount;
  const orderCount = num(orders?.orders);
  const buyerCount = num(orders?.buyers);
  return {
    pushCount,
    failCount,
    successCount,
    successRate: rate(successCount, pushCount),
    executedCount: num(funnel?.executed),
    deliveredCount: num(funnel?.delivered),
    notFriendCount: num(funnel?.not_friend),
    overCapCount: num(funnel?.over_cap),
    orderCount,
    buyerCount,
    revenue: yuan(orders?.revenue),
    orderConversionRate: rate(orderCount, successCount),
    userConversionRate: rate(buyerCount, successCount),
  };
}

export const EMPTY_FIGURES: PushFigures = toFigures(undefined, undefined);
