import { DataSource } from 'typeorm';
import { EXCLUSION_REASONS, type ExclusionCounts } from '@app/contracts';
import { StatsRange } from '../stats-range';
import { RunFilter, runFilter } from './run-scope';
import { num } from './sql-fragments';

/**
 * Customers the contact policy kept out of a run `r`, one column per reason. `excluded` is
 * NULL for a run that never selected (skipped, or from before the policy): nobody kept out.
 */
const REASON_OF_RUN = (reason: string) =>
  `COALESCE(CAST(JSON_VALUE(r.excluded, '$.${reason}') AS UNSIGNED), 0)`;

/** Per run: `r`'s exclusion counts, one column per reason. */
export const RUN_EXCLUSIONS = EXCLUSION_REASONS.map((x) => `${REASON_OF_RUN(x)} AS ${x}`).join(
  ', ',
);

/** Over a group of runs `r`: their exclusion counts summed, one column per reason. */
const SUMMED_EXCLUSIONS = EXCLUSION_REASONS.map(
  (x) => `COALESCE(SUM(${REASON_OF_RUN(x)}), 0) AS ${x}`,
).join(', ');

/** A row holding one column per reason (numbers may arrive as strings) → the counts. */
export function toExclusions(row: Partial<Record<string, unknown>> | undefined): ExclusionCounts {
  return Object.fromEntries(EXCLUSION_REASONS.map((x) => [x, num(row?.[x])])) as ExclusionCounts;
}

/** The exclusion counts summed over the runs of the scope ({@link runFilter}). */
export async function scopeExclusions(
  db: DataSource,
  range: StatsRange,
  filter: RunFilter,
): Promise<ExclusionCounts> {
  const { where, params } = runFilter(range, filter);
  const [row]: Record<string, unknown>[] = await db.query(
    `SELECT ${SUMMED_EXCLUSIONS} FROM wechat_push_runs r WHERE ${where}`,
    params,
  );
  return toExclusions(row);
}

/** The same per Shanghai day of the runs' slots (the day of {@link scopeRuns}). */
export async function scopeExclusionsByDay(
  db: DataSource,
  range: StatsRange,
  filter: RunFilter,
): Promise<Map<string, ExclusionCounts>> {
  const { where, params } = runFilter(range, filter);
  const rows: (Record<string, unknown> & { day: string })[] = await db.query(
    `SELECT DATE(r.slot_at) AS day, ${SUMMED_EXCLUSIONS}
       FROM wechat_push_runs r WHERE ${where}
      GROUP BY DATE(r.slot_at)`,
    params,
  );
  return new Map(rows.map((r) => [r.day, toExclusions(r)]));
}
