import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DateTime } from 'luxon';
import { AppException, APP_CONFIG, AppConfig, ErrorDetail, formatDate } from '@app/common';
import { escapeLike } from '@app/push-config';
import { EMPTY_FIGURES, PushFigures, RawFunnel, RawOrders, toFigures } from './push-figures';
import { parseStatsRange, StatsRange } from './stats-range';

/** A goods dimension → its `wechat_labels.type` and the column that keys a group. */
export const GOODS_DIMENSIONS = {
  city: { type: 0, column: 'name' },
  store: { type: 1, column: 'bind_id' },
  category: { type: 2, column: 'bind_id' },
  brand: { type: 3, column: 'name' },
  sku: { type: 4, column: 'bind_id' },
} as const;
export type GoodsDimension = keyof typeof GOODS_DIMENSIONS;

export const MAX_GOODS_LIMIT = 100;
export const DEFAULT_GOODS_LIMIT = 10;
export const MAX_COMPARE_RULES = 10;
export const OTHER_LABELS_NAME = '其他';
export const UNLABELLED_NAME = '无标签';

export interface GoodsQuery {
  name?: string;
  /** Rule id (wechat_push.id); not together with `name`. */
  id?: number;
  startTime: string;
  endTime: string;
  attributionDays?: number;
  dimension: GoodsDimension;
  limit?: number;
}

export interface GoodsRow {
  id: string | null;
  name: string;
  bucket: 'label' | 'other' | 'unlabelled';
  orderCount: number;
  buyerCount: number;
  share: number;
}

export interface GoodsBreakdown {
  dimension: GoodsDimension;
  totalOrders: number;
  totalBuyers: number;
  rows: GoodsRow[];
}

export interface CompareQuery {
  ids: number[];
  startTime: string;
  endTime: string;
  attributionDays?: number;
}

export interface RuleFigures extends PushFigures {
  pushId: number;
  ruleName: string;
}

export type ReportGranularity = 'week' | 'month';

export interface ReportQuery {
  name?: string;
  startTime: string;
  endTime: string;
  attributionDays?: number;
  granularity: ReportGranularity;
}

export interface ReportRow {
  period: string;
  from: string;
  to: string;
  pushId: number;
  ruleName: string;
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
  orderConversionRate: number;
  userConversionRate: number;
}

/**
 * Copied from PushStatisticsService (kept private there): per-recipient rows (failed, best
 * outcome) → the funnel of SPEC §7.
 */
const FUNNEL_OF_RECIPIENTS = `COUNT(*) AS push, SUM(failed) AS fail,
       SUM(failed = 0 AND best > 0) AS executed, SUM(failed = 0 AND best = 3) AS delivered,
       SUM(failed = 0 AND best = 2) AS over_cap, SUM(failed = 0 AND best = 1) AS not_friend`;

/** As PushStatisticsService: a scope of ≥ 25 % of all recipients is read in recipient order. */
const STREAM_SHARE = 0.25;

/** The period of a run's slot (Shanghai wall time in `slot_at`): ISO week or calendar month. */
const PERIOD_SQL: Record<ReportGranularity, (alias: string) => string> = {
  week: (r) => `DATE_FORMAT(${r}.slot_at, '%x-W%v')`,
  month: (r) => `DATE_FORMAT(${r}.slot_at, '%Y-%m')`,
};

interface ScopeRun {
  id: number | string;
  push_id: number | string;
  est: number | string | null;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const share = (part: number, whole: number): number =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0;

/**
 * Effect analysis beyond the funnel (issue 9): which goods the attributed orders contain, rules
 * side by side, and weekly / monthly reports. The same scope, attribution and funnel semantics
 * as PushStatisticsService (docs/STATISTICS.md), each answer a few SQL aggregates.
 */
@Injectable()
export class EffectAnalysisService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The attributed orders of the scope (exactly those `result` counts) grouped by the labels
   * of the dimension linked to them in `wechat_customers_labels`; top `limit` labels by
   * orders, the rest as one "other" row, plus the orders without such a label.
   */
  async goods(q: GoodsQuery): Promise<GoodsBreakdown> {
    const dim = Object.hasOwn(GOODS_DIMENSIONS, q.dimension)
      ? GOODS_DIMENSIONS[q.dimension]
      : undefined;
    const problems: ErrorDetail[] = [];
    if (!dim) problems.push({ field: 'dimension', message: 'unknown dimension' });
    if (q.id !== undefined && q.name !== undefined) {
      problems.push({ field: 'id', message: 'give id or name, not both' });
    }
    if (!dim || problems.length) throw AppException.validation(problems);
    const limit = Math.min(q.limit ?? DEFAULT_GOODS_LIMIT, MAX_GOODS_LIMIT);
    const range = parseStatsRange(q.startTime, q.endTime);
    const runs = await this.scopeRuns(range, {
      name: q.name,
      pushIds: q.id !== undefined ? [q.id] : undefined,
    });
    const empty: GoodsRow = {
      id: null,
      name: UNLABELLED_NAME,
      bucket: 'unlabelled',
      orderCount: 0,
      buyerCount: 0,
      share: 0,
    };
    if (runs.length === 0) {
      return { dimension: q.dimension, totalOrders: 0, totalBuyers: 0, rows: [empty] };
    }
    const ids = runs.map((r) => Number(r.id));
    const window = this.windowSeconds(q.attributionDays);
    // One row per (attributed order row, buyer, label of the dimension); k is NULL when the
    // order row has no such label. Failed recipients are excluded scope-wide, as in result.
    const labelled = `
      SELECT att.order_number, att.recipient_key, w.${dim.column} AS k
        FROM (SELECT a.order_id, a.order_number, a.recipient_key
                FROM wechat_push_attributions a
               WHERE a.run_id IN (?) AND a.lag_seconds <= ?
                 AND a.recipient_key NOT IN (
                       SELECT f.recipient_key FROM wechat_push_recipient_outcomes f
                        WHERE f.run_id IN (?) AND f.outcome = -1)) att
        LEFT JOIN (wechat_customers_labels l
                   JOIN wechat_labels w ON w.id = l.label_id AND w.type = ?
                                       AND w.${dim.column} <> '')
               ON l.order_id = att.order_id`;
    const params = [ids, window, ids, dim.type];
    // Pass 1: orders and order-weighted share per label (an order with n labels counts 1/n
    // for each; "no label" is one of the n when another row of the order has none).
    const groups: { k: string | null; orders: unknown; share: unknown }[] = await this.db.query(
      `SELECT ok.k, COUNT(*) AS orders, SUM(1e0 / ok.n) AS share
         FROM (SELECT g.order_number, g.k, COUNT(*) OVER (PARTITION BY g.order_number) AS n
                 FROM (SELECT x.order_number, x.k FROM (${labelled}) x
                        GROUP BY x.order_number, x.k) g) ok
        GROUP BY ok.k
        ORDER BY ok.k IS NULL, orders DESC, ok.k`,
      params,
    );
    const labels = groups.filter((g) => g.k !== null);
    const top = labels.slice(0, limit).map((g) => String(g.k));
    const shareSum = groups.reduce((s, g) => s + num(g.share), 0);
    // Pass 2: distinct buyers of the top labels, distinct orders and buyers of the rest and of
    // the unlabelled rows; the rollup's grand total is result's orderCount / buyerCount.
    const counts: { b: unknown; key: string | null; orders: unknown; buyers: unknown }[] =
      await this.db.query(
        `SELECT CASE WHEN x.k IS NULL THEN 0 WHEN x.k IN (?) THEN 1 ELSE 2 END AS b,
                IF(x.k IN (?), x.k, '') AS \`key\`,
                COUNT(DISTINCT x.order_number) AS orders, COUNT(DISTINCT x.recipient_key) AS buyers
           FROM (${labelled}) x
          GROUP BY b, \`key\` WITH ROLLUP`,
        [top.length ? top : [null], top.length ? top : [null], ...params],
      );
    const total = counts.find((c) => c.b === null);
    const totalOrders = num(total?.orders);
    const byKey = new Map(
      counts.filter((c) => Number(c.b) === 1 && c.key !== null).map((c) => [c.key, c]),
    );
    const bucket = (b: number) =>
      counts.find((c) => c.b !== null && Number(c.b) === b && c.key === '');
    const names = await this.labelNames(q.dimension, top);
    const rows: GoodsRow[] = labels.slice(0, limit).map((g) => ({
      id: String(g.k),
      name: names.get(String(g.k)) ?? String(g.k),
      bucket: 'label',
      orderCount: num(g.orders),
      buyerCount: num(byKey.get(String(g.k))?.buyers),
      share: share(num(g.share), shareSum),
    }));
    if (labels.length > limit) {
      const other = bucket(2);
      rows.push({
        id: null,
        name: OTHER_LABELS_NAME,
        bucket: 'other',
        orderCount: num(other?.orders),
        buyerCount: num(other?.buyers),
        share: share(
          labels.slice(limit).reduce((s, g) => s + num(g.share), 0),
          shareSum,
        ),
      });
    }
    const none = bucket(0);
    rows.push({
      ...empty,
      orderCount: num(none?.orders),
      buyerCount: num(none?.buyers),
      share: share(num(groups.find((g) => g.k === null)?.share), shareSum),
    });
    return { dimension: q.dimension, totalOrders, totalBuyers: num(total?.buyers), rows };
  }

  /**
   * The figures of each rule over its runs in the range — each row what `result` gives for
   * that rule's runs alone — from one scan of the outcomes (one column pair per rule) and one
   * grouped read of the attributions.
   */
  async compare(q: CompareQuery): Promise<RuleFigures[]> {
    const range = parseStatsRange(q.startTime, q.endTime);
    const names = await this.ruleNames(q.ids);
    const missing = q.ids.filter((id) => !names.has(id));
    if (missing.length) throw AppException.notFound(`规则 ${missing.join(', ')} `, 'ids');
    const runs = await this.scopeRuns(range, { pushIds: q.ids });
    const perRule = new Map<number, number[]>();
    for (const r of runs) {
      const list = perRule.get(Number(r.push_id)) ?? [];
      list.push(Number(r.id));
      perRule.set(Number(r.push_id), list);
    }
    const withRuns = q.ids.filter((id) => perRule.has(id));
    const funnels = new Map<number, RawFunnel>();
    const orders = new Map<number, RawOrders>();
    if (withRuns.length > 0) {
      // One statement, one branch per rule over that rule's runs only (rules' runs are
      // disjoint, so every outcome and attribution row of the scope is read once): the funnel
      // and the orders exactly as result computes them for a scope of those runs.
      const funnelSql: string[] = [];
      const funnelParams: unknown[] = [];
      const orderSql: string[] = [];
      const orderParams: unknown[] = [];
      const window = this.windowSeconds(q.attributionDays);
      for (const pushId of withRuns) {
        const ruleRuns = perRule.get(pushId) as number[];
        const index = (await this.streams(runs.filter((r) => Number(r.push_id) === pushId)))
          ? 'PRIMARY'
          : 'idx_outcomes_run';
        funnelSql.push(
          `SELECT ? AS g, ${FUNNEL_OF_RECIPIENTS}
             FROM (SELECT o.recipient_key, MIN(o.outcome) < 0 AS failed, MAX(o.outcome) AS best
                     FROM wechat_push_recipient_outcomes o FORCE INDEX (${index})
                    WHERE o.run_id IN (?)
                    GROUP BY o.recipient_key) per`,
        );
        funnelParams.push(pushId, ruleRuns);
        orderSql.push(
          `SELECT ? AS g, COUNT(DISTINCT a.order_number) AS orders,
                  COUNT(DISTINCT a.recipient_key) AS buyers
             FROM wechat_push_attributions a
            WHERE a.run_id IN (?) AND a.lag_seconds <= ?
              AND a.recipient_key NOT IN (SELECT f.recipient_key
                                            FROM wechat_push_recipient_outcomes f
                                           WHERE f.run_id IN (?) AND f.outcome = -1)`,
        );
        orderParams.push(pushId, ruleRuns, window, ruleRuns);
      }
      // Two statements side by side on two pool connections, as result.
      const [funnelRows, orderRows]: [
        (RawFunnel & { g: unknown })[],
        (RawOrders & { g: unknown })[],
      ] = await Promise.all([
        this.db.query(funnelSql.map((q) => `(${q})`).join('\nUNION ALL\n'), funnelParams),
        this.db.query(orderSql.map((q) => `(${q})`).join('\nUNION ALL\n'), orderParams),
      ]);
      for (const f of funnelRows) funnels.set(Number(f.g), f);
      for (const o of orderRows) orders.set(Number(o.g), o);
    }
    return q.ids.map((pushId) => ({
      pushId,
      ruleName: names.get(pushId) as string,
      ...(funnels.has(pushId)
        ? toFigures(funnels.get(pushId), orders.get(pushId))
        : { ...EMPTY_FIGURES }),
    }));
  }

  /**
   * Per rule and period (ISO week or calendar month of the run's slot, Shanghai), the figures
   * of that rule's runs in that period — what result gives for them alone. Only pairs with runs.
   */
  async report(q: ReportQuery): Promise<ReportRow[]> {
    const range = parseStatsRange(q.startTime, q.endTime);
    const runs = await this.scopeRuns(range, { name: q.name });
    if (runs.length === 0) return [];
    const ids = runs.map((r) => Number(r.id));
    const period = PERIOD_SQL[q.granularity];
    const [funnels, orders]: [
      (RawFunnel & { push_id: unknown; period: string })[],
      (RawOrders & { g: unknown; period: string | null })[],
    ] = await Promise.all([
      this.db.query(
        `SELECT per.push_id, per.period, ${FUNNEL_OF_RECIPIENTS}
           FROM (SELECT r.push_id, ${period('r')} AS period, o.recipient_key,
                        MIN(o.outcome) < 0 AS failed, MAX(o.outcome) AS best
                   FROM wechat_push_recipient_outcomes o FORCE INDEX (idx_outcomes_run)
                   JOIN wechat_push_runs r ON r.id = o.run_id
                  WHERE o.run_id IN (?)
                  GROUP BY r.push_id, period, o.recipient_key) per
          GROUP BY per.push_id, per.period`,
        [ids],
      ),
      this.groupedOrders(ids, period, q.attributionDays),
    ]);
    const key = (pushId: unknown, p: string) => `${Number(pushId)}|${p}`;
    const orderMap = new Map(orders.map((o) => [key(o.g, o.period ?? ''), o]));
    const names = await this.ruleNames([...new Set(runs.map((r) => Number(r.push_id)))]);
    const first = formatDate(range.from);
    const last = formatDate(range.to);
    return funnels
      .map((f) => {
        const pushId = Number(f.push_id);
        const [from, to] = periodDays(q.granularity, f.period);
        return {
          period: f.period,
          from: from < first ? first : from,
          to: to > last ? last : to,
          pushId,
          ruleName: names.get(pushId) ?? '',
          ...toFigures(f, orderMap.get(key(f.push_id, f.period))),
        };
      })
      .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.pushId - b.pushId));
  }

  /**
   * Orders and buyers per rule (and period): attributed pairs in the window whose recipient
   * did not fail in that rule's runs (of that period) — result's order query, grouped.
   */
  private groupedOrders(
    ids: number[],
    period: ((alias: string) => string) | null,
    attributionDays: number | undefined,
  ): Promise<(RawOrders & { g: unknown; period: string | null })[]> {
    const of = (alias: string) =>
      period ? `${alias}.push_id, ${period(alias)}` : `${alias}.push_id`;
    return this.db.query(
      `SELECT r.push_id AS g, ${period ? period('r') : 'NULL'} AS period,
              COUNT(DISTINCT a.order_number) AS orders, COUNT(DISTINCT a.recipient_key) AS buyers
         FROM wechat_push_attributions a
         JOIN wechat_push_runs r ON r.id = a.run_id
        WHERE a.run_id IN (?) AND a.lag_seconds <= ?
          AND (${of('r')}, a.recipient_key) NOT IN (
                SELECT ${of('fr')}, f.recipient_key
                  FROM wechat_push_recipient_outcomes f
                  JOIN wechat_push_runs fr ON fr.id = f.run_id
                 WHERE f.run_id IN (?) AND f.outcome = -1)
        GROUP BY ${of('r')}`,
      [ids, this.windowSeconds(attributionDays), ids],
    );
  }

  /**
   * A rule's name: its current `wechat_push.name` (also when deleted), else the name of its
   * latest run. Rules that neither table knows are absent.
   */
  private async ruleNames(pushIds: number[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    if (pushIds.length === 0) return names;
    const rules: { id: unknown; name: string }[] = await this.db.query(
      'SELECT id, name FROM wechat_push WHERE id IN (?)',
      [pushIds],
    );
    for (const r of rules) names.set(Number(r.id), r.name);
    const unknown = pushIds.filter((id) => !names.has(id));
    if (unknown.length) {
      const runs: { push_id: unknown; rule_name: string }[] = await this.db.query(
        `SELECT r.push_id, r.rule_name FROM wechat_push_runs r
          WHERE r.push_id IN (?) ORDER BY r.slot_at DESC, r.id DESC`,
        [unknown],
      );
      for (const r of runs)
        if (!names.has(Number(r.push_id))) names.set(Number(r.push_id), r.rule_name);
    }
    return names;
  }

  /** Display names of label keys: the key itself for city / brand, else the label's name. */
  private async labelNames(
    dimension: GoodsDimension,
    keys: string[],
  ): Promise<Map<string, string>> {
    const dim = GOODS_DIMENSIONS[dimension];
    const names = new Map<string, string>();
    if (dim.column === 'name' || keys.length === 0) return names;
    const rows: { k: string; name: string | null }[] = await this.db.query(
      `SELECT bind_id AS k, MIN(NULLIF(name, '')) AS name FROM wechat_labels
        WHERE type = ? AND bind_id IN (?) GROUP BY bind_id`,
      [dim.type, keys],
    );
    for (const r of rows) if (r.name) names.set(r.k, r.name);
    return names;
  }

  private windowSeconds(days: number | undefined): number {
    return (days ?? this.config.STATS_ATTRIBUTION_DAYS) * 86_400;
  }

  /** Runs whose slot lies in the range, by rule name (literal substring) and / or rule ids. */
  private scopeRuns(
    range: StatsRange,
    filter: { name?: string; pushIds?: number[] },
  ): Promise<ScopeRun[]> {
    const clauses = ['r.slot_at >= ?', 'r.slot_at <= ?'];
    const params: unknown[] = [range.from, range.to];
    if (filter.name) {
      clauses.push(`r.rule_name LIKE ? ESCAPE '\\\\'`);
      params.push(`%${escapeLike(filter.name)}%`);
    }
    if (filter.pushIds) {
      clauses.push('r.push_id IN (?)');
      params.push(filter.pushIds);
    }
    return this.db.query(
      `SELECT r.id, r.push_id, r.accepted_count + r.fail_count AS est
         FROM wechat_push_runs r WHERE ${clauses.join(' AND ')}`,
      params,
    );
  }

  /** As PushStatisticsService: whether the scope is a large share of all recipient rows. */
  private async streams(runs: ScopeRun[]): Promise<boolean> {
    const scope = runs.reduce((sum, r) => sum + Number(r.est ?? 0), 0);
    const [all]: { n: string | number | null }[] = await this.db.query(
      'SELECT SUM(accepted_count + fail_count) AS n FROM wechat_push_runs',
    );
    const total = Number(all.n ?? 0);
    return total > 0 && scope >= total * STREAM_SHARE;
  }
}

/** First and last day (YYYY-MM-DD) of a period key `2026-W48` or `2026-11`. */
export function periodDays(granularity: ReportGranularity, period: string): [string, string] {
  const start =
    granularity === 'week'
      ? DateTime.fromISO(`${period}-1`, { zone: 'Asia/Shanghai' })
      : DateTime.fromISO(`${period}-01`, { zone: 'Asia/Shanghai' });
  const end = start.endOf(granularity === 'week' ? 'week' : 'month');
  return [start.toFormat('yyyy-MM-dd'), end.toFormat('yyyy-MM-dd')];
}
