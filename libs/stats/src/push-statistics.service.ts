import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type ExclusionCounts, noExclusions } from '@app/contracts';
import {
  AppException,
  APP_CONFIG,
  AppConfig,
  formatDate,
  formatDateTime,
  addDays,
} from '@app/common';
import {
  EMPTY_FIGURES,
  FUNNEL_OF_RECIPIENTS,
  PushFigures,
  rate,
  RawFunnel,
  RawOrders,
  toFigures,
} from './push-figures';
import { parseStatsRange } from './stats-range';
import {
  attributionWindowSeconds,
  FAILED_ROW,
  num,
  ORDER_REVENUE_ROWS,
  ORDERS_AND_BUYERS,
  RECIPIENT_OUTCOME,
  SCOPE_ORDER_ROWS,
  STREAM_SHARE,
} from './query/sql-fragments';
import { NOT_A_TEST_RUN, runFilter, scopeRuns, scopeSize, ScopeRun } from './query/run-scope';
import {
  RUN_EXCLUSIONS,
  scopeExclusions,
  scopeExclusionsByDay,
  toExclusions,
} from './query/run-exclusions';

export interface StatsQuery {
  name?: string;
  startTime: string;
  endTime: string;
  attributionDays?: number;
}

export interface RunStatsQuery extends StatsQuery {
  /** Rule id (wechat_push.id). */
  id?: number;
  page?: number;
  pagesize?: number;
}

interface SenderFigures {
  userid: string;
  assignedCount: number;
  executedCount: number;
  deliveredCount: number;
  notFriendCount: number;
  overCapCount: number;
  executionRate: number;
  deliveryRate: number;
  /** The member's tasks in the run (get_groupmsg_task): sent, reminded and cancelled at the deadline. */
  sentTasks: number;
  remindedTasks: number;
  cancelledTasks: number;
}

/**
 * A scope's figures and, beside the funnel, the customers the contact policy kept out of its
 * runs — never sent, so in none of the funnel's counts (docs/STATISTICS.md).
 */
interface ScopeFigures extends PushFigures {
  excluded: ExclusionCounts;
}

interface RunFigures extends ScopeFigures {
  runId: number;
  pushId: number;
  ruleName: string;
  kind: string;
  slotAt: string;
  state: string;
  senders: SenderFigures[];
}

interface RunFiguresPage {
  data: RunFigures[];
  total: number;
  page: number;
  pagesize: number;
  pages: number;
}

interface DailyFigures extends ScopeFigures {
  day: string;
}

/** Daily figures are for charts: one row per day, so the range is bounded. */
const MAX_DAILY_DAYS = 366;
const MAX_RUNS_PAGE_SIZE = 100;

/**
 * One recipient pushed more than once in a day (`o` = its outcome rows that day): how many
 * rows it has at each stage, and its combined outcome as FUNNEL_OF_RECIPIENTS counts it.
 */
const REPEAT_ROWS = `o.recipient_key, COUNT(*) AS n, SUM(o.outcome < 0) AS fail_rows,
       SUM(o.outcome > 0) AS executed_rows, SUM(o.outcome = 3) AS delivered_rows,
       SUM(o.outcome = 2) AS over_cap_rows, SUM(o.outcome = 1) AS not_friend_rows,
       ${RECIPIENT_OUTCOME}`;

/** Sums over a day's repeated recipients: what their rows added, and what they count for. */
const REPEAT_CORRECTION = `COUNT(*) AS recipients, SUM(rep.n) AS n,
       SUM(rep.fail_rows) AS fail_rows, SUM(rep.executed_rows) AS executed_rows,
       SUM(rep.delivered_rows) AS delivered_rows, SUM(rep.over_cap_rows) AS over_cap_rows,
       SUM(rep.not_friend_rows) AS not_friend_rows, SUM(rep.failed) AS fail,
       SUM(rep.failed = 0 AND rep.best > 0) AS executed, SUM(rep.failed = 0 AND rep.best = 3) AS delivered,
       SUM(rep.failed = 0 AND rep.best = 2) AS over_cap, SUM(rep.failed = 0 AND rep.best = 1) AS not_friend`;

interface Funnel {
  push: number;
  fail: number;
  executed: number;
  delivered: number;
  not_friend: number;
  over_cap: number;
}

type RepeatCorrection = Record<
  | 'recipients'
  | 'n'
  | 'fail_rows'
  | 'executed_rows'
  | 'delivered_rows'
  | 'over_cap_rows'
  | 'not_friend_rows'
  | keyof Funnel,
  unknown
>;

const toFunnel = (r: RawFunnel): Funnel => ({
  push: num(r.push),
  fail: num(r.fail),
  executed: num(r.executed),
  delivered: num(r.delivered),
  not_friend: num(r.not_friend),
  over_cap: num(r.over_cap),
});

const addFunnel = (a: Funnel | undefined, b: Funnel): Funnel =>
  a
    ? {
        push: a.push + b.push,
        fail: a.fail + b.fail,
        executed: a.executed + b.executed,
        delivered: a.delivered + b.delivered,
        not_friend: a.not_friend + b.not_friend,
        over_cap: a.over_cap + b.over_cap,
      }
    : b;

/**
 * A day's sums over its runs count a recipient once per run; a recipient pushed several
 * times that day counts once, by its combined outcome: take its rows out, put it back once.
 */
function correctForRepeats(sums: Funnel | undefined, r: RepeatCorrection): Funnel {
  const s = sums ?? toFunnel({});
  return {
    push: s.push - num(r.n) + num(r.recipients),
    fail: s.fail - num(r.fail_rows) + num(r.fail),
    executed: s.executed - num(r.executed_rows) + num(r.executed),
    delivered: s.delivered - num(r.delivered_rows) + num(r.delivered),
    not_friend: s.not_friend - num(r.not_friend_rows) + num(r.not_friend),
    over_cap: s.over_cap - num(r.over_cap_rows) + num(r.over_cap),
  };
}

/**
 * Effect statistics (SPEC §7) as SQL aggregates over the per-(recipient, run) outcomes, the
 * delivery rows (per member) and the order attributions — nothing per recipient is loaded
 * into Node.
 */
@Injectable()
export class PushStatisticsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The figures over every run in the range whose rule name contains `name` (literally). */
  async result(q: StatsQuery): Promise<ScopeFigures> {
    const range = parseStatsRange(q.startTime, q.endTime);
    const runs = await scopeRuns(this.db, range, { name: q.name });
    if (runs.length === 0) return { ...EMPTY_FIGURES, excluded: noExclusions() };
    const ids = runs.map((r) => r.id);
    const index = (await this.streams(runs)) ? 'PRIMARY' : 'idx_outcomes_run';
    const window = attributionWindowSeconds(q.attributionDays, this.config);
    // Independent reads: on separate pool connections they run side by side.
    const [[funnel], [orders], [revenue], excluded]: [
      RawFunnel[],
      RawOrders[],
      RawOrders[],
      ExclusionCounts,
    ] = await Promise.all([
      this.db.query(
        `SELECT ${FUNNEL_OF_RECIPIENTS}
           FROM (SELECT o.recipient_key, ${RECIPIENT_OUTCOME}
                   FROM wechat_push_recipient_outcomes o FORCE INDEX (${index})
                  WHERE o.run_id IN (?)
                  GROUP BY o.recipient_key) per`,
        [ids],
      ),
      this.db.query(
        `SELECT ${ORDERS_AND_BUYERS}
           FROM wechat_push_attributions a
          WHERE ${SCOPE_ORDER_ROWS}`,
        [ids, window, ids],
      ),
      this.db.query(
        `SELECT SUM(x.revenue) AS revenue
           FROM (SELECT ${ORDER_REVENUE_ROWS}
                   FROM wechat_push_attributions a
                  WHERE ${SCOPE_ORDER_ROWS}
                  GROUP BY a.order_number) x`,
        [ids, window, ids],
      ),
      scopeExclusions(this.db, range, { name: q.name }),
    ]);
    return { ...toFigures(funnel, { ...orders, revenue: revenue.revenue }), excluded };
  }

  /**
   * The figures per day of the range (the run's slot date), every day present. A day's
   * figures are the sums of its runs' counters, corrected for the recipients pushed more than
   * once that day (wechat_push_day_repeats): only those are grouped (docs/STATISTICS.md).
   */
  async daily(q: StatsQuery): Promise<DailyFigures[]> {
    const range = parseStatsRange(q.startTime, q.endTime, MAX_DAILY_DAYS);
    const runs = await scopeRuns(this.db, range, { name: q.name });
    const funnels = new Map<string, Funnel>();
    const orders = new Map<string, RawOrders>();
    let excluded = new Map<string, ExclusionCounts>();
    if (runs.length > 0) {
      const ids = runs.map((r) => r.id);
      const dayOf = new Map(runs.map((r) => [r.id, r.day]));
      const days = [...new Set(runs.map((r) => r.day))].sort();
      // An attributed recipient was accepted by that run, so it can have failed the same day
      // only in another run: only day repeats need the failure check.
      const dayOrderRows = `a.run_id IN (?) AND a.lag_seconds <= ?
              AND (a.recipient_key, a.run_day) NOT IN (
                    SELECT f.recipient_key, f.run_day
                      FROM wechat_push_day_repeats r
                      JOIN wechat_push_recipient_outcomes f FORCE INDEX (PRIMARY)
                        ON f.recipient_key = r.recipient_key AND f.run_day = r.run_day
                     WHERE r.run_day >= ? AND r.run_day <= ? AND f.run_id IN (?)
                       AND ${FAILED_ROW})`;
      const dayOrderParams = [
        ids,
        attributionWindowSeconds(q.attributionDays, this.config),
        days[0],
        days[days.length - 1],
        ids,
      ];
      const [perRun, repeats, perDayOrders, perDayRevenue, perDayExcluded]: [
        (RawFunnel & { run_id: number })[],
        (RepeatCorrection & { day: string })[],
        (RawOrders & { day: string })[],
        (RawOrders & { day: string })[],
        Map<string, ExclusionCounts>,
      ] = await Promise.all([
        this.runCounters(ids),
        this.db.query(
          `SELECT rep.run_day AS day, ${REPEAT_CORRECTION}
             FROM (SELECT o.run_day, ${REPEAT_ROWS}
                     FROM wechat_push_day_repeats r
                     JOIN wechat_push_recipient_outcomes o FORCE INDEX (PRIMARY)
                       ON o.recipient_key = r.recipient_key AND o.run_day = r.run_day
                    WHERE r.run_day >= ? AND r.run_day <= ? AND o.run_id IN (?)
                    GROUP BY o.run_day, o.recipient_key
                   HAVING COUNT(*) > 1) rep
            GROUP BY rep.run_day`,
          [days[0], days[days.length - 1], ids],
        ),
        this.db.query(
          `SELECT a.run_day AS day, ${ORDERS_AND_BUYERS}
             FROM wechat_push_attributions a
            WHERE ${dayOrderRows}
            GROUP BY a.run_day`,
          dayOrderParams,
        ),
        this.db.query(
          `SELECT x.day, SUM(x.revenue) AS revenue
             FROM (SELECT a.run_day AS day, ${ORDER_REVENUE_ROWS}
                     FROM wechat_push_attributions a
                    WHERE ${dayOrderRows}
                    GROUP BY a.run_day, a.order_number) x
            GROUP BY x.day`,
          dayOrderParams,
        ),
        scopeExclusionsByDay(this.db, range, { name: q.name }),
      ]);
      excluded = perDayExcluded;
      for (const r of perRun) {
        const day = dayOf.get(r.run_id) as string;
        funnels.set(day, addFunnel(funnels.get(day), toFunnel(r)));
      }
      for (const r of repeats) funnels.set(r.day, correctForRepeats(funnels.get(r.day), r));
      const revenueOf = new Map(perDayRevenue.map((r) => [r.day, r.revenue]));
      for (const o of perDayOrders) orders.set(o.day, { ...o, revenue: revenueOf.get(o.day) });
    }
    const days: DailyFigures[] = [];
    for (let d = range.from; d <= range.to; d = addDays(d, 1)) {
      const day = formatDate(d);
      days.push({
        day,
        ...toFigures(funnels.get(day), orders.get(day)),
        excluded: excluded.get(day) ?? noExclusions(),
      });
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
    const { where, params } = runFilter(range, {
      name: q.name,
      pushIds: q.id !== undefined ? [q.id] : undefined,
    });
    const [count]: { n: string | number }[] = await this.db.query(
      `SELECT COUNT(*) AS n FROM wechat_push_runs r WHERE ${where}`,
      params,
    );
    const rows: ({
      id: number;
      push_id: number;
      rule_name: string;
      kind: string;
      slot_at: Date;
      state: string;
    } & Record<string, unknown>)[] = await this.db.query(
      `SELECT r.id, r.push_id, r.rule_name, r.kind, r.slot_at, r.state, ${RUN_EXCLUSIONS}
         FROM wechat_push_runs r WHERE ${where}
        ORDER BY r.slot_at DESC, r.id DESC LIMIT ? OFFSET ?`,
      [...params, pagesize, (page - 1) * pagesize],
    );
    const total = Number(count.n);
    const ids = rows.map((r) => r.id);
    const funnels = new Map<number, RawFunnel>();
    const orders = new Map<number, RawOrders>();
    const senders = new Map<number, SenderFigures[]>();
    if (ids.length > 0) {
      // Within a run each recipient is in one batch only (the audience is de-duplicated), so
      // per-run counts are sums of the batches' counters.
      const window = attributionWindowSeconds(q.attributionDays, this.config);
      const [f, o, rev, s, mt]: [
        (RawFunnel & { run_id: number })[],
        (RawOrders & { run_id: number })[],
        (RawOrders & { run_id: number })[],
        {
          run_id: number;
          userid: string;
          assigned: string;
          executed: string;
          delivered: string;
          not_friend: string;
          over_cap: string;
        }[],
        { run_id: number; userid: string; sent: number; reminded: number; cancelled: number }[],
      ] = await Promise.all([
        this.runCounters(ids),
        this.db.query(
          `SELECT a.run_id, ${ORDERS_AND_BUYERS}
             FROM wechat_push_attributions a
            WHERE a.run_id IN (?) AND a.lag_seconds <= ?
            GROUP BY a.run_id`,
          [ids, window],
        ),
        this.db.query(
          `SELECT x.run_id, SUM(x.revenue) AS revenue
             FROM (SELECT a.run_id, ${ORDER_REVENUE_ROWS}
                     FROM wechat_push_attributions a
                    WHERE a.run_id IN (?) AND a.lag_seconds <= ?
                    GROUP BY a.run_id, a.order_number) x
            GROUP BY x.run_id`,
          [ids, window],
        ),
        // Members' figures count accepted recipients only.
        this.db.query(
          `SELECT c.run_id, MIN(c.sender_userid) AS userid, SUM(c.recipients - c.failed) AS assigned,
                  SUM(c.executed) AS executed, SUM(c.delivered) AS delivered,
                  SUM(c.not_friend) AS not_friend, SUM(c.over_cap) AS over_cap
             FROM wechat_push_batch_counts c FORCE INDEX (idx_batch_counts_run)
            WHERE c.run_id IN (?) AND c.has_sender = 1
            GROUP BY c.run_id, c.sender_userid
           HAVING assigned > 0
            ORDER BY c.run_id, c.sender_userid`,
          [ids],
        ),
        // Each member's tasks as tracking and the execution deadline recorded them.
        this.db.query(
          `SELECT m.run_id, m.userid, SUM(m.status = 2) AS sent,
                  SUM(m.reminded_at IS NOT NULL) AS reminded, SUM(m.cancelled_at IS NOT NULL) AS cancelled
             FROM wechat_push_member_tasks m WHERE m.run_id IN (?)
            GROUP BY m.run_id, m.userid`,
          [ids],
        ),
      ]);
      const memberTasks = new Map(mt.map((m) => [`${m.run_id}\n${m.userid.toLowerCase()}`, m]));
      for (const r of f) funnels.set(r.run_id, r);
      const revenueOf = new Map(rev.map((r) => [r.run_id, r.revenue]));
      for (const r of o) orders.set(r.run_id, { ...r, revenue: revenueOf.get(r.run_id) });
      for (const r of s) {
        const list = senders.get(r.run_id) ?? [];
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
          sentTasks: Number(memberTasks.get(`${r.run_id}\n${r.userid.toLowerCase()}`)?.sent ?? 0),
          remindedTasks: Number(
            memberTasks.get(`${r.run_id}\n${r.userid.toLowerCase()}`)?.reminded ?? 0,
          ),
          cancelledTasks: Number(
            memberTasks.get(`${r.run_id}\n${r.userid.toLowerCase()}`)?.cancelled ?? 0,
          ),
        });
        senders.set(r.run_id, list);
      }
    }
    return {
      data: rows.map((r) => ({
        runId: r.id,
        pushId: r.push_id,
        ruleName: r.rule_name,
        kind: r.kind,
        slotAt: formatDateTime(r.slot_at),
        state: r.state,
        ...toFigures(funnels.get(r.id), orders.get(r.id)),
        excluded: toExclusions(r),
        senders: senders.get(r.id) ?? [],
      })),
      total,
      page,
      pagesize,
      pages: Math.ceil(total / pagesize),
    };
  }

  /** Per-run funnel counts: sums of the run's batch counters (wechat_push_batch_counts). */
  private runCounters(ids: number[]): Promise<(RawFunnel & { run_id: number })[]> {
    return this.db.query(
      `SELECT c.run_id, SUM(c.recipients) AS push, SUM(c.failed) AS fail,
              SUM(c.executed) AS executed, SUM(c.delivered) AS delivered,
              SUM(c.not_friend) AS not_friend, SUM(c.over_cap) AS over_cap
         FROM wechat_push_batch_counts c FORCE INDEX (idx_batch_counts_run)
        WHERE c.run_id IN (?)
        GROUP BY c.run_id`,
      [ids],
    );
  }

  /** Whether the scope is a large share of all delivery rows (estimated from run counters). */
  private async streams(runs: ScopeRun[]): Promise<boolean> {
    const [all]: { n: string | number | null }[] = await this.db.query(
      `SELECT SUM(accepted_count + fail_count) AS n FROM wechat_push_runs r WHERE ${NOT_A_TEST_RUN}`,
    );
    const total = num(all.n);
    return total > 0 && scopeSize(runs) >= total * STREAM_SHARE;
  }
}
