/**
 * The statistics queries as they were before the counters table and the per-day
 * decomposition (commit c192a1d): kept for `npm run bench:stats` only, as the baseline
 * measured in the same run as PushStatisticsService. Not used by the apps.
 */
import { DataSource } from 'typeorm';
import { AppException, AppConfig, formatDate, formatDateTime, addDays } from '@app/common';
import { escapeLike } from '@app/push-config';
import {
  DailyFigures,
  EMPTY_FIGURES,
  MAX_DAILY_DAYS,
  MAX_RUNS_PAGE_SIZE,
  PushFigures,
  rate,
  RawFunnel,
  RawOrders,
  RunFiguresPage,
  RunStatsQuery,
  SenderFigures,
  StatsQuery,
  StatsRange,
  parseStatsRange,
  toFigures,
} from '@app/stats';

/**
 * Per-recipient row (failed, best outcome: 3 delivered > 2 over cap > 1 not a friend > 0 no
 * result) → the funnel of SPEC §7 (a failure anywhere wins, as the seed).
 */
const FUNNEL_OF_RECIPIENTS = `COUNT(*) AS push, SUM(failed) AS fail,
       SUM(failed = 0 AND best > 0) AS executed, SUM(failed = 0 AND best = 3) AS delivered,
       SUM(failed = 0 AND best = 2) AS over_cap, SUM(failed = 0 AND best = 1) AS not_friend`;

/**
 * A scope covering at least this share of all recipients is counted by one streamed scan of
 * the outcomes in primary key (recipient) order, no temporary table; a smaller one reads
 * only its runs.
 */
const STREAM_SHARE = 0.25;

interface ScopeRun {
  id: number | string;
  day: string;
  est: number | string | null;
}

/**
 * Effect statistics (SPEC §7) as SQL aggregates over the per-(recipient, run) outcomes, the
 * delivery rows (per member) and the order attributions — nothing per recipient is loaded
 * into Node.
 */
export class BaselinePushStatistics {
  constructor(
    private readonly db: DataSource,
    private readonly config: Pick<AppConfig, 'STATS_ATTRIBUTION_DAYS'>,
  ) {}

  /** The figures over every run in the range whose rule name contains `name` (literally). */
  async result(q: StatsQuery): Promise<PushFigures> {
    const range = parseStatsRange(q.startTime, q.endTime);
    const runs = await this.scopeRuns(range, q.name);
    if (runs.length === 0) return { ...EMPTY_FIGURES };
    const ids = runs.map((r) => Number(r.id));
    const index = (await this.streams(runs)) ? 'PRIMARY' : 'idx_outcomes_run';
    // Two independent scans: on two pool connections they run side by side.
    const [[funnel], [orders]]: [RawFunnel[], RawOrders[]] = await Promise.all([
      this.db.query(
        `SELECT ${FUNNEL_OF_RECIPIENTS}
           FROM (SELECT o.recipient_key, MIN(o.outcome) < 0 AS failed, MAX(o.outcome) AS best
                   FROM wechat_push_recipient_outcomes o FORCE INDEX (${index})
                  WHERE o.run_id IN (?)
                  GROUP BY o.recipient_key) per`,
        [ids],
      ),
      this.db.query(
        `SELECT COUNT(DISTINCT a.order_number) AS orders, COUNT(DISTINCT a.recipient_key) AS buyers
           FROM wechat_push_attributions a
          WHERE a.run_id IN (?) AND a.lag_seconds <= ?
            AND a.recipient_key NOT IN (SELECT f.recipient_key FROM wechat_push_recipient_outcomes f
                                         WHERE f.run_id IN (?) AND f.outcome = -1)`,
        [ids, this.windowSeconds(q.attributionDays), ids],
      ),
    ]);
    return toFigures(funnel, orders);
  }

  /** The figures per day of the range (the run's slot date), every day present. */
  async daily(q: StatsQuery): Promise<DailyFigures[]> {
    const range = parseStatsRange(q.startTime, q.endTime, MAX_DAILY_DAYS);
    const runs = await this.scopeRuns(range, q.name);
    const byDay = new Map<string, { funnel?: RawFunnel; orders?: RawOrders }>();
    if (runs.length > 0) {
      const ids = runs.map((r) => Number(r.id));
      const index = (await this.streams(runs)) ? 'PRIMARY' : 'idx_outcomes_run';
      const [funnels, orders]: [(RawFunnel & { day: string })[], (RawOrders & { day: string })[]] =
        await Promise.all([
          this.db.query(
            `SELECT per.run_day AS day, ${FUNNEL_OF_RECIPIENTS}
               FROM (SELECT o.recipient_key, o.run_day, MIN(o.outcome) < 0 AS failed,
                            MAX(o.outcome) AS best
                       FROM wechat_push_recipient_outcomes o FORCE INDEX (${index})
                      WHERE o.run_id IN (?)
                      GROUP BY o.recipient_key, o.run_day) per
              GROUP BY per.run_day`,
            [ids],
          ),
          this.db.query(
            `SELECT a.run_day AS day, COUNT(DISTINCT a.order_number) AS orders,
                    COUNT(DISTINCT a.recipient_key) AS buyers
               FROM wechat_push_attributions a
              WHERE a.run_id IN (?) AND a.lag_seconds <= ?
                AND (a.recipient_key, a.run_day) NOT IN (
                      SELECT f.recipient_key, f.run_day FROM wechat_push_recipient_outcomes f
                       WHERE f.run_id IN (?) AND f.outcome = -1)
              GROUP BY a.run_day`,
            [ids, this.windowSeconds(q.attributionDays), ids],
          ),
        ]);
      for (const f of funnels) byDay.set(f.day, { funnel: f });
      for (const o of orders) byDay.set(o.day, { ...byDay.get(o.day), orders: o });
    }
    const days: DailyFigures[] = [];
    for (let d = range.from; d <= range.to; d = addDays(d, 1)) {
      const day = formatDate(d);
      const found = byDay.get(day);
      days.push({ day, ...toFigures(found?.funnel, found?.orders) });
    }
    return days;
  }

  /** The figures of each run (newest first, paged), with its members' execution. */
  async runs(q: RunStatsQuery): Promise<RunFiguresPage> {
    if (q.id === undefined && (q.name === undefined || q.name === '')) {
      throw AppException.validation([{ field: 'id', message: 'give id or name' }]);
    }
    const range = parseStatsRange(q.startTime, q.endTime);
    const page = q.page ?? 1;
    const pagesize = Math.min(q.pagesize ?? 20, MAX_RUNS_PAGE_SIZE);
    const { where, params } = this.runFilter(range, q.name, q.id);
    const [count]: { n: string | number }[] = await this.db.query(
      `SELECT COUNT(*) AS n FROM wechat_push_runs r WHERE ${where}`,
      params,
    );
    const rows: {
      id: number | string;
      push_id: number | string;
      rule_name: string;
      kind: string;
      slot_at: Date;
      state: string;
    }[] = await this.db.query(
      `SELECT r.id, r.push_id, r.rule_name, r.kind, r.slot_at, r.state
         FROM wechat_push_runs r WHERE ${where}
        ORDER BY r.slot_at DESC, r.id DESC LIMIT ? OFFSET ?`,
      [...params, pagesize, (page - 1) * pagesize],
    );
    const total = Number(count.n);
    const ids = rows.map((r) => Number(r.id));
    const funnels = new Map<number, RawFunnel>();
    const orders = new Map<number, RawOrders>();
    const senders = new Map<number, SenderFigures[]>();
    if (ids.length > 0) {
      // Within a run each recipient is in one batch only (the audience is de-duplicated), so
      // per-run counts are plain sums.
      const f: (RawFunnel & { run_id: number })[] = await this.db.query(
        `SELECT o.run_id, COUNT(*) AS push, SUM(o.outcome < 0) AS fail,
                SUM(o.outcome > 0) AS executed, SUM(o.outcome = 3) AS delivered,
                SUM(o.outcome = 1) AS not_friend, SUM(o.outcome = 2) AS over_cap
           FROM wechat_push_recipient_outcomes o FORCE INDEX (idx_outcomes_run)
          WHERE o.run_id IN (?) GROUP BY o.run_id`,
        [ids],
      );
      for (const r of f) funnels.set(Number(r.run_id), r);
      const o: (RawOrders & { run_id: number })[] = await this.db.query(
        `SELECT a.run_id, COUNT(DISTINCT a.order_number) AS orders,
                COUNT(DISTINCT a.recipient_key) AS buyers
           FROM wechat_push_attributions a
          WHERE a.run_id IN (?) AND a.lag_seconds <= ?
          GROUP BY a.run_id`,
        [ids, this.windowSeconds(q.attributionDays)],
      );
      for (const r of o) orders.set(Number(r.run_id), r);
      const s: {
        run_id: number;
        userid: string;
        assigned: string;
        executed: string;
        delivered: string;
        not_friend: string;
        over_cap: string;
      }[] = await this.db.query(
        `SELECT d.run_id, d.sender_userid AS userid, COUNT(*) AS assigned,
                SUM(d.status IN (1, 2, 3)) AS executed, SUM(d.status = 1) AS delivered,
                SUM(d.status = 2) AS not_friend, SUM(d.status = 3) AS over_cap
           FROM wechat_push_deliveries d FORCE INDEX (idx_deliveries_run)
          WHERE d.run_id IN (?) AND d.accepted = 1 AND d.sender_userid IS NOT NULL
          GROUP BY d.run_id, d.sender_userid
          ORDER BY d.run_id, d.sender_userid`,
        [ids],
      );
      for (const r of s) {
        const list = senders.get(Number(r.run_id)) ?? [];
        const assigned = Number(r.assigned);
        const executed = Number(r.executed);
        const delivered = Number(r.delivered);
        list.push({
          userid: r.userid,
          assignedCount: assigned,
          executedCount: executed,
          deliveredCount: delivered,
          notFriendCount: Number(r.not_friend),
          overCapCount: Number(r.over_cap),
          executionRate: rate(executed, assigned),
          deliveryRate: rate(delivered, assigned),
        });
        senders.set(Number(r.run_id), list);
      }
    }
    return {
      data: rows.map((r) => ({
        runId: Number(r.id),
        pushId: Number(r.push_id),
        ruleName: r.rule_name,
        kind: r.kind,
        slotAt: formatDateTime(r.slot_at),
        state: r.state,
        ...toFigures(funnels.get(Number(r.id)), orders.get(Number(r.id))),
        senders: senders.get(Number(r.id)) ?? [],
      })),
      total,
      page,
      pagesize,
      pages: Math.ceil(total / pagesize),
    };
  }

  private windowSeconds(days: number | undefined): number {
    return (days ?? this.config.STATS_ATTRIBUTION_DAYS) * 86_400;
  }

  private runFilter(
    range: StatsRange,
    name: string | undefined,
    pushId?: number,
  ): { where: string; params: unknown[] } {
    const clauses = ['r.slot_at >= ?', 'r.slot_at <= ?'];
    const params: unknown[] = [range.from, range.to];
    if (name) {
      clauses.push(`r.rule_name LIKE ? ESCAPE '\\\\'`);
      params.push(`%${escapeLike(name)}%`);
    }
    if (pushId !== undefined) {
      clauses.push('r.push_id = ?');
      params.push(pushId);
    }
    return { where: clauses.join(' AND '), params };
  }

  private scopeRuns(range: StatsRange, name: string | undefined): Promise<ScopeRun[]> {
    const { where, params } = this.runFilter(range, name);
    return this.db.query(
      `SELECT r.id, DATE(r.slot_at) AS day, r.accepted_count + r.fail_count AS est
         FROM wechat_push_runs r WHERE ${where}`,
      params,
    );
  }

  /** Whether the scope is a large share of all delivery rows (estimated from run counters). */
  private async streams(runs: ScopeRun[]): Promise<boolean> {
    const scope = runs.reduce((sum, r) => sum + Number(r.est ?? 0), 0);
    const [all]: { n: string | number | null }[] = await this.db.query(
      'SELECT SUM(accepted_count + fail_count) AS n FROM wechat_push_runs',
    );
    const total = Number(all.n ?? 0);
    return total > 0 && scope >= total * STREAM_SHARE;
  }
}
