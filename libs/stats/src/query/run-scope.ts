import { DataSource } from 'typeorm';
import { escapeLike } from '@app/push-config';
import { StatsRange } from '../stats-range';

/** What picks a statistics query's runs: slot in the range, rule name (substring), rule ids. */
export interface RunFilter {
  name?: string;
  pushIds?: number[];
}

export interface ScopeRun {
  id: number;
  push_id: number;
  /** Shanghai date of the run's slot, `YYYY-MM-DD`. */
  day: string;
  /** Its recipient rows: accepted + failed. */
  est: number | string | null;
}

/**
 * Test runs (`kind = 'test'`, sent to the test group) are in no figure: every statistics query
 * picks its runs through {@link runFilter}, and the few that read runs by rule add this too.
 */
export const NOT_A_TEST_RUN = "r.kind <> 'test'";

/**
 * SPEC §7 scope: runs whose slot lies in the range, by rule name (literal substring) and / or
 * rule ids — never test runs ({@link NOT_A_TEST_RUN}).
 */
export function runFilter(
  range: StatsRange,
  filter: RunFilter,
): { where: string; params: unknown[] } {
  const clauses = ['r.slot_at >= ?', 'r.slot_at <= ?', NOT_A_TEST_RUN];
  const params: unknown[] = [range.from, range.to];
  if (filter.name) {
    clauses.push(`r.rule_name LIKE ? ESCAPE '\\\\'`);
    params.push(`%${escapeLike(filter.name)}%`);
  }
  if (filter.pushIds) {
    clauses.push('r.push_id IN (?)');
    params.push(filter.pushIds);
  }
  return { where: clauses.join(' AND '), params };
}

/** The runs of the scope ({@link runFilter}). */
export function scopeRuns(
  db: DataSource,
  range: StatsRange,
  filter: RunFilter,
): Promise<ScopeRun[]> {
  const { where, params } = runFilter(range, filter);
  return db.query(
    `SELECT r.id, r.push_id, DATE(r.slot_at) AS day, r.accepted_count + r.fail_count AS est
       FROM wechat_push_runs r WHERE ${where}`,
    params,
  );
}

/** Recipient rows of a set of runs (their accepted + failed counts). */
export const scopeSize = (runs: ScopeRun[]): number =>
  runs.reduce((sum, r) => sum + Number(r.est ?? 0), 0);
