import { AppConfig } from '@app/common';

/**
 * The SQL fragments the statistics queries share, each the one statement of a rule of SPEC §7
 * (docs/STATISTICS.md). Aliases: `o` / `f` outcome rows (`wechat_push_recipient_outcomes`),
 * `a` attribution rows, `r` runs.
 */

/** A SQL aggregate as a number: SUM over no rows is NULL, DECIMAL / BIGINT arrive as strings. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** SPEC §7 "a failure anywhere wins": a recipient's combined outcome over its rows `o`. */
export const RECIPIENT_OUTCOME = 'MIN(o.outcome) < 0 AS failed, MAX(o.outcome) AS best';

/** SPEC §7 order and buyer counts: distinct order numbers, distinct recipients. */
export const ORDERS_AND_BUYERS =
  'COUNT(DISTINCT a.order_number) AS orders, COUNT(DISTINCT a.recipient_key) AS buyers';

/**
 * Revenue counts each order once, like orderCount: one row per distinct order number among
 * attribution rows `a` (every row of an order — several buyers, several pushes — carries its
 * revenue). Sum `revenue` over these rows, grouped as the order count is, for the figure.
 */
export const ORDER_REVENUE_ROWS = 'a.order_number, MAX(a.revenue) AS revenue';

/** SPEC §7 "only recipients in no fail_list": an outcome row `f` of a recipient that failed. */
export const FAILED_ROW = 'f.outcome = -1';

/** The recipients that failed in runs `(?)` ({@link FAILED_ROW}). */
const FAILED_IN_RUNS = `SELECT f.recipient_key FROM wechat_push_recipient_outcomes f
                                WHERE f.run_id IN (?) AND ${FAILED_ROW}`;

/**
 * SPEC §7 order count: attribution rows of runs `(?)` within the window `?` (seconds) whose
 * recipient is in no fail_list of those runs `(?)` — parameters: ids, window, ids.
 */
export const SCOPE_ORDER_ROWS = `a.run_id IN (?) AND a.lag_seconds <= ?
            AND a.recipient_key NOT IN (${FAILED_IN_RUNS})`;

/** SPEC §7 attribution window: orders up to this many seconds after the push count. */
export const attributionWindowSeconds = (
  days: number | undefined,
  config: Pick<AppConfig, 'STATS_ATTRIBUTION_DAYS'>,
): number => (days ?? config.STATS_ATTRIBUTION_DAYS) * 86_400;

/**
 * A scope holding at least this share of the outcome rows it is read from (all of them, or its
 * rule's) reads them in recipient order as one streamed scan, grouping as it goes; a smaller
 * one reads only its runs' rows and groups them in a temporary table.
 */
export const STREAM_SHARE = 0.25;
