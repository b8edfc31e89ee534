import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DateTime } from 'luxon';
import {
  AppException,
  APP_CONFIG,
  AppConfig,
  BUSINESS_TZ,
  ErrorDetail,
  formatDate,
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
import { fenOf, fenToYuan } from './money';
import { BuyerKey, GoodsTally, GoodsTallyGroup } from './goods-tally';
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
import { NOT_A_TEST_RUN, scopeRuns, scopeSize, ScopeRun } from './query/run-scope';
import { ruleNames } from './query/rule-names';
import { experimentGroups, runsWithHoldout } from './query/experiment-groups';
import { HoldoutLift, holdoutLift } from './experiment-figures';

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

interface GoodsQuery {
  name?: string;
  /** Rule id (wechat_push.id); not together with `name`. */
  id?: number;
  startTime: string;
  endTime: string;
  attributionDays?: number;
  dimension: GoodsDimension;
  limit?: number;
}

interface GoodsRow {
  id: string | null;
  name: string;
  bucket: 'label' | 'other' | 'unlabelled';
  orderCount: number;
  buyerCount: number;
  /** Revenue of those orders, each once (yuan, "1234.50"). */
  revenue: string;
  share: number;
}

interface GoodsBreakdown {
  dimension: GoodsDimension;
  totalOrders: number;
  totalBuyers: number;
  totalRevenue: string;
  rows: GoodsRow[];
}

interface CompareQuery {
  ids: number[];
  startTime: string;
  endTime: string;
  attributionDays?: number;
}

interface RuleFigures extends PushFigures {
  pushId: number;
  ruleName: string;
  /** Buyer-conversion lift over the rule's holdout in the scope; null without holdout members. */
  holdoutLift: HoldoutLift | null;
}

export type ReportGranularity = 'week' | 'month';

interface ReportQuery {
  name?: string;
  startTime: string;
  endTime: string;
  attributionDays?: number;
  granularity: ReportGranularity;
}

export interface ReportRow extends RuleFigures {
  period: string;
  from: string;
  to: string;
}

/** Order ids per look-up of the links of order rows whose list did not fit on the row. */
const LINK_LOOKUP_CHUNK = 1000;

/** The part of a mysql2 query (TypeORM's driver) that streams rows. */
interface RowStream {
  on(event: 'result', listener: (row: unknown[]) => void): RowStream;
  on(event: 'error', listener: (e: Error) => void): RowStream;
  on(event: 'end', listener: () => void): RowStream;
}

/** The part of a mysql2 connection that streams a query's rows. */
interface StreamingConnection {
  query(options: { sql: string; rowsAsArray: boolean }, values: unknown[]): RowStream;
}

/** The period of a run's slot (Shanghai wall time in `slot_at`): ISO week or calendar month. */
const PERIOD_SQL: Record<ReportGranularity, (alias: string) => string> = {
  week: (r) => `DATE_FORMAT(${r}.slot_at, '%x-W%v')`,
  month: (r) => `DATE_FORMAT(${r}.slot_at, '%Y-%m')`,
};

/**
 * Effect analysis beyond the funnel (issue 9): which goods the attributed orders contain, rules
 * side by side, and weekly / monthly reports. The same scope, attribution and funnel semantics
 * as PushStatisticsService (docs/STATISTICS.md): compare and report as SQL aggregates, goods as
 * one streamed read of the scope's attributed order rows counted in a {@link GoodsTally}.
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
    const runs = await scopeRuns(this.db, range, {
      name: q.name,
      pushIds: q.id !== undefined ? [q.id] : undefined,
    });
    const empty: GoodsRow = {
      id: null,
      name: UNLABELLED_NAME,
      bucket: 'unlabelled',
      orderCount: 0,
      buyerCount: 0,
      revenue: fenToYuan(0),
      share: 0,
    };
    if (runs.length === 0) {
      return {
        dimension: q.dimension,
        totalOrders: 0,
        totalBuyers: 0,
        totalRevenue: fenToYuan(0),
        rows: [empty],
      };
    }
    const ids = runs.map((r) => r.id);
    const { tally, keyOf } = await this.goodsTally(
      ids,
      attributionWindowSeconds(q.attributionDays, this.config),
      dim,
    );
    const f = tally.figures(limit);
    const top = f.top.map((g) => keyOf.get(g) as string);
    const names = await this.labelNames(q.dimension, top);
    const bucket = (b: number) => f.buckets.get(b);
    const shareOf = (groups: GoodsTallyGroup[]) =>
      rate(
        groups.reduce((s, g) => s + g.share, 0),
        f.shareSum,
      );
    const labelled = f.groups.filter((g) => g.group !== 0);
    const rows: GoodsRow[] = labelled.slice(0, limit).map((g, i) => ({
      id: top[i],
      name: names.get(top[i]) ?? top[i],
      bucket: 'label',
      orderCount: g.orders,
      buyerCount: bucket(g.group)?.buyers ?? 0,
      revenue: fenToYuan(bucket(g.group)?.revenueFen ?? 0),
      share: shareOf([g]),
    }));
    if (labelled.length > limit) {
      rows.push({
        id: null,
        name: OTHER_LABELS_NAME,
        bucket: 'other',
        orderCount: bucket(-1)?.orders ?? 0,
        buyerCount: bucket(-1)?.buyers ?? 0,
        revenue: fenToYuan(bucket(-1)?.revenueFen ?? 0),
        share: shareOf(labelled.slice(limit)),
      });
    }
    rows.push({
      ...empty,
      orderCount: bucket(0)?.orders ?? 0,
      buyerCount: bucket(0)?.buyers ?? 0,
      revenue: fenToYuan(bucket(0)?.revenueFen ?? 0),
      share: shareOf(f.groups.filter((g) => g.group === 0)),
    });
    return {
      dimension: q.dimension,
      totalOrders: f.totalOrders,
      totalBuyers: f.totalBuyers,
      totalRevenue: fenToYuan(f.totalRevenueFen),
      rows,
    };
  }

  /**
   * The scope's attributed order rows — result's order set: attribution pairs of the runs
   * within the window whose recipient is in no fail_list of the scope — tallied by the
   * dimension's label groups. One covering range read of `idx_attributions_goods`, which
   * carries each order row's label ids (`goods_labels`, migration 1732660000000), streamed
   * row by row into a {@link GoodsTally}; only order rows whose list did not fit on the row
   * (NULL) have their links read, by order id. Groups: the dimension's labels with a
   * non-empty key (name for city / brand, bind_id otherwise); labels whose keys are equal
   * (in the column's collation) are one group, numbered in the keys' collation order so
   * ties in orders sort by key; its key is that of its lowest label id.
   */
  private async goodsTally(
    runIds: number[],
    windowSeconds: number,
    dim: (typeof GOODS_DIMENSIONS)[GoodsDimension],
  ): Promise<{ tally: GoodsTally; keyOf: Map<number, string> }> {
    const labels: { id: unknown; k: string; gid: unknown; rnk: unknown }[] = await this.db.query(
      `SELECT w.id, w.${dim.column} AS k, MIN(w.id) OVER (PARTITION BY w.${dim.column}) AS gid,
              DENSE_RANK() OVER (ORDER BY w.${dim.column}) AS rnk
         FROM wechat_labels w WHERE w.type = ? AND w.${dim.column} <> ''`,
      [dim.type],
    );
    const groupOf = new Map<string, number>();
    const keyOf = new Map<number, string>();
    for (const l of labels) {
      groupOf.set(String(l.id), Number(l.rnk));
      if (String(l.id) === String(l.gid)) keyOf.set(Number(l.rnk), l.k);
    }
    const tally = new GoodsTally(groupOf);
    const qr = this.db.createQueryRunner();
    const conn = (await qr.connect()) as StreamingConnection;
    try {
      const unresolved: [string, BuyerKey, unknown, number][] = [];
      await new Promise<void>((resolve, reject) => {
        conn
          .query(
            {
              sql: `SELECT a.order_number, a.recipient_key, a.goods_labels, a.order_id, a.revenue
                      FROM wechat_push_attributions a
                     WHERE ${SCOPE_ORDER_ROWS}`,
              rowsAsArray: true,
            },
            [runIds, windowSeconds, runIds],
          )
          .on('result', (row: unknown[]) => {
            const revenue = fenOf(row[4] as string | null);
            if (row[2] === null) {
              unresolved.push([row[0] as string, row[1] as BuyerKey, row[3], revenue]);
            } else tally.add(row[0] as string, row[1] as BuyerKey, row[2] as string, revenue);
          })
          .on('error', reject)
          .on('end', resolve);
      });
      for (let i = 0; i < unresolved.length; i += LINK_LOOKUP_CHUNK) {
        const part = unresolved.slice(i, i + LINK_LOOKUP_CHUNK);
        const links: { order_id: unknown; label_id: unknown }[] = await qr.query(
          'SELECT l.order_id, l.label_id FROM wechat_customers_labels l WHERE l.order_id IN (?)',
          [[...new Set(part.map((r) => String(r[2])))]],
        );
        const of = new Map<string, string[]>();
        for (const l of links) {
          const list = of.get(String(l.order_id)) ?? [];
          list.push(String(l.label_id));
          of.set(String(l.order_id), list);
        }
        for (const [order, buyer, orderId, revenue] of part) {
          tally.add(order, buyer, (of.get(String(orderId)) ?? []).join(','), revenue);
        }
      }
    } finally {
      await qr.release();
    }
    return { tally, keyOf };
  }

  /**
   * The figures of each rule over its runs in the range — each row what `result` gives for
   * that rule's runs alone — from one scan of the outcomes (one column pair per rule) and one
   * grouped read of the attributions.
   */
  async compare(q: CompareQuery): Promise<RuleFigures[]> {
    const range = parseStatsRange(q.startTime, q.endTime);
    const names = await ruleNames(this.db, q.ids);
    const missing = q.ids.filter((id) => !names.has(id));
    if (missing.length) throw AppException.notFound(`规则 ${missing.join(', ')} `, 'ids');
    const runs = await scopeRuns(this.db, range, { pushIds: q.ids });
    const perRule = new Map<number, ScopeRun[]>();
    for (const r of runs) {
      const list = perRule.get(r.push_id) ?? [];
      list.push(r);
      perRule.set(r.push_id, list);
    }
    const withRuns = q.ids.filter((id) => perRule.has(id));
    const funnels = new Map<number, RawFunnel>();
    const orders = new Map<number, RawOrders>();
    const liftOf = new Map<number, HoldoutLift | null>();
    if (withRuns.length > 0) {
      // One branch per rule over that rule's runs only (rules' runs are disjoint, so every
      // outcome and attribution row of the scope is read once): the funnel and the orders
      // exactly as result computes them for a scope of those runs; orders in one statement,
      // the funnels in two (funnelsOf), all three side by side.
      const orderSql: string[] = [];
      const revenueSql: string[] = [];
      const orderParams: unknown[] = [];
      const window = attributionWindowSeconds(q.attributionDays, this.config);
      for (const pushId of withRuns) {
        const ruleRuns = (perRule.get(pushId) as ScopeRun[]).map((r) => r.id);
        orderSql.push(
          `SELECT ? AS g, ${ORDERS_AND_BUYERS}
             FROM wechat_push_attributions a
            WHERE ${SCOPE_ORDER_ROWS}`,
        );
        revenueSql.push(
          `SELECT ? AS g, SUM(x.revenue) AS revenue
             FROM (SELECT ${ORDER_REVENUE_ROWS}
                     FROM wechat_push_attributions a
                    WHERE ${SCOPE_ORDER_ROWS}
                    GROUP BY a.order_number) x`,
        );
        orderParams.push(pushId, ruleRuns, window, ruleRuns);
      }
      const union = (parts: string[]) => parts.map((q) => `(${q})`).join('\nUNION ALL\n');
      const [orderRows, revenueRows, lifts, ruleFunnels]: [
        (RawOrders & { g: unknown })[],
        (RawOrders & { g: unknown })[],
        Map<string, HoldoutLift | null>,
        Map<string, RawFunnel>,
      ] = await Promise.all([
        this.db.query(union(orderSql), orderParams),
        this.db.query(union(revenueSql), orderParams),
        this.holdoutLifts(
          'r.push_id',
          runs.map((r) => r.id),
          q.attributionDays,
        ),
        this.funnelsOf(
          withRuns.map((pushId) => ({
            key: String(pushId),
            pushId,
            runs: perRule.get(pushId) as ScopeRun[],
          })),
        ),
      ]);
      for (const [g, f] of ruleFunnels) funnels.set(Number(g), f);
      for (const [g, lift] of lifts) liftOf.set(Number(g), lift);
      const revenueOf = new Map(revenueRows.map((r) => [Number(r.g), r.revenue]));
      for (const o of orderRows)
        orders.set(Number(o.g), { ...o, revenue: revenueOf.get(Number(o.g)) });
    }
    return q.ids.map((pushId) => ({
      pushId,
      ruleName: names.get(pushId) as string,
      ...(funnels.has(pushId)
        ? toFigures(funnels.get(pushId), orders.get(pushId))
        : { ...EMPTY_FIGURES }),
      holdoutLift: liftOf.get(pushId) ?? null,
    }));
  }

  /**
   * Per scope (`key`, a SQL expression over the run `r`), the buyer-conversion lift over the
   * holdout, measured as the experiment endpoint measures it: over the scope's runs that have
   * holdout members. Scopes without any are absent.
   */
  private async holdoutLifts(
    key: string,
    runIds: number[],
    attributionDays: number | undefined,
  ): Promise<Map<string, HoldoutLift | null>> {
    const withHoldout = [...(await runsWithHoldout(this.db, runIds))];
    const window = attributionWindowSeconds(attributionDays, this.config);
    const groups = await experimentGroups(this.db, key, withHoldout, window);
    return new Map([...groups].map(([k, g]) => [k, holdoutLift(g)]));
  }

  /**
   * The funnel of each group of one rule's runs (a rule in compare, a rule's period in
   * report), each as result computes it for those runs alone: one branch per group, the
   * branches split into two statements of about equal size that run side by side. A group
   * whose runs hold a large share of its rule's rows reads the rule's range of
   * idx_outcomes_push in recipient order and groups it as it streams; a smaller one reads its
   * runs' rows by idx_outcomes_run and groups them in a temporary table.
   */
  private async funnelsOf(
    groups: { key: string; pushId: number; runs: ScopeRun[] }[],
  ): Promise<Map<string, RawFunnel>> {
    const out = new Map<string, RawFunnel>();
    if (groups.length === 0) return out;
    const ruleRows = await this.ruleRows([...new Set(groups.map((g) => g.pushId))]);
    const halves = [0, 1].map(() => ({ sql: [] as string[], params: [] as unknown[], size: 0 }));
    for (const g of [...groups].sort((a, b) => scopeSize(b.runs) - scopeSize(a.runs))) {
      const half = halves[0].size <= halves[1].size ? halves[0] : halves[1];
      const streamRule = scopeSize(g.runs) >= (ruleRows.get(g.pushId) ?? 0) * STREAM_SHARE;
      half.size += scopeSize(g.runs);
      half.sql.push(
        `SELECT ? AS g, ${FUNNEL_OF_RECIPIENTS}
           FROM (SELECT o.recipient_key, ${RECIPIENT_OUTCOME}
                   FROM wechat_push_recipient_outcomes o
                        FORCE INDEX (${streamRule ? 'idx_outcomes_push' : 'idx_outcomes_run'})
                  WHERE ${streamRule ? 'o.push_id = ? AND' : ''} o.run_id IN (?)
                  GROUP BY o.recipient_key) per`,
      );
      half.params.push(
        g.key,
        ...(streamRule ? [g.pushId] : []),
        g.runs.map((r) => r.id),
      );
    }
    const sets: (RawFunnel & { g: string })[][] = await Promise.all(
      halves
        .filter((h) => h.sql.length)
        .map((h) => this.db.query(h.sql.map((q) => `(${q})`).join('\nUNION ALL\n'), h.params)),
    );
    for (const f of sets.flat()) out.set(String(f.g), f);
    return out;
  }

  /** Recipient rows of each rule over all its runs (the runs' counts). */
  private async ruleRows(pushIds: number[]): Promise<Map<number, number>> {
    const rows: { push_id: number; n: unknown }[] = await this.db.query(
      `SELECT r.push_id, SUM(r.accepted_count + r.fail_count) AS n
         FROM wechat_push_runs r WHERE r.push_id IN (?) AND ${NOT_A_TEST_RUN} GROUP BY r.push_id`,
      [pushIds],
    );
    return new Map(rows.map((r) => [r.push_id, num(r.n)]));
  }

  /**
   * Per rule and period (ISO week or calendar month of the run's slot, Shanghai), the figures
   * of that rule's runs in that period — what result gives for them alone. Only pairs with runs.
   */
  async report(q: ReportQuery): Promise<ReportRow[]> {
    const range = parseStatsRange(q.startTime, q.endTime);
    const runs = await scopeRuns(this.db, range, { name: q.name });
    if (runs.length === 0) return [];
    const ids = runs.map((r) => r.id);
    const period = PERIOD_SQL[q.granularity];
    const key = (pushId: number, p: string) => `${pushId}|${p}`;
    const periodOf: { id: number; period: string }[] = await this.db.query(
      `SELECT r.id, ${period('r')} AS period FROM wechat_push_runs r WHERE r.id IN (?)`,
      [ids],
    );
    const periods = new Map(periodOf.map((r) => [r.id, r.period]));
    const groups = new Map<string, { key: string; pushId: number; runs: ScopeRun[] }>();
    for (const r of runs) {
      const k = key(r.push_id, periods.get(r.id) as string);
      const group = groups.get(k) ?? { key: k, pushId: r.push_id, runs: [] };
      group.runs.push(r);
      groups.set(k, group);
    }
    const [funnelMap, orders, lifts]: [
      Map<string, RawFunnel>,
      (RawOrders & { g: number; period: string | null })[],
      Map<string, HoldoutLift | null>,
    ] = await Promise.all([
      this.funnelsOf([...groups.values()]),
      this.groupedOrders(ids, period, q.attributionDays),
      this.holdoutLifts(`CONCAT(r.push_id, '|', ${period('r')})`, ids, q.attributionDays),
    ]);
    const funnels = [...groups.values()].map((g) => ({
      ...(funnelMap.get(g.key) as RawFunnel),
      push_id: g.pushId,
      period: periods.get(g.runs[0].id) as string,
    }));
    const orderMap = new Map(orders.map((o) => [key(o.g, o.period ?? ''), o]));
    const names = await ruleNames(this.db, [...new Set(runs.map((r) => r.push_id))]);
    const first = formatDate(range.from);
    const last = formatDate(range.to);
    return funnels
      .map((f) => {
        const pushId = f.push_id;
        const [from, to] = periodDays(q.granularity, f.period);
        return {
          period: f.period,
          from: from < first ? first : from,
          to: to > last ? last : to,
          pushId,
          ruleName: names.get(pushId) ?? '',
          ...toFigures(f, orderMap.get(key(f.push_id, f.period))),
          holdoutLift: lifts.get(key(f.push_id, f.period)) ?? null,
        };
      })
      .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.pushId - b.pushId));
  }

  /**
   * Orders and buyers per rule (and period): attributed pairs in the window whose recipient
   * did not fail in that rule's runs (of that period) — result's order query, grouped.
   */
  private async groupedOrders(
    ids: number[],
    period: ((alias: string) => string) | null,
    attributionDays: number | undefined,
  ): Promise<(RawOrders & { g: number; period: string | null })[]> {
    const of = (alias: string) =>
      period ? `${alias}.push_id, ${period(alias)}` : `${alias}.push_id`;
    const rows = `wechat_push_attributions a
         JOIN wechat_push_runs r ON r.id = a.run_id
        WHERE a.run_id IN (?) AND a.lag_seconds <= ?
          AND (${of('r')}, a.recipient_key) NOT IN (
                SELECT ${of('fr')}, f.recipient_key
                  FROM wechat_push_recipient_outcomes f
                  JOIN wechat_push_runs fr ON fr.id = f.run_id
                 WHERE f.run_id IN (?) AND ${FAILED_ROW})`;
    const params = [ids, attributionWindowSeconds(attributionDays, this.config), ids];
    const key = (g: unknown, p: string | null) => `${String(g)}|${p ?? ''}`;
    const [orders, revenue]: (RawOrders & { g: number; period: string | null })[][] =
      await Promise.all([
        this.db.query(
          `SELECT r.push_id AS g, ${period ? period('r') : 'NULL'} AS period,
                  ${ORDERS_AND_BUYERS}
             FROM ${rows}
            GROUP BY ${of('r')}`,
          params,
        ),
        this.db.query(
          `SELECT x.g, x.period, SUM(x.revenue) AS revenue
             FROM (SELECT r.push_id AS g, ${period ? period('r') : 'NULL'} AS period,
                          ${ORDER_REVENUE_ROWS}
                     FROM ${rows}
                    GROUP BY ${of('r')}, a.order_number) x
            GROUP BY x.g, x.period`,
          params,
        ),
      ]);
    const revenueOf = new Map(revenue.map((r) => [key(r.g, r.period), r.revenue]));
    return orders.map((o) => ({ ...o, revenue: revenueOf.get(key(o.g, o.period)) }));
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
}

/** First and last day (YYYY-MM-DD) of a period key `2026-W48` or `2026-11`. */
export function periodDays(granularity: ReportGranularity, period: string): [string, string] {
  const start =
    granularity === 'week'
      ? DateTime.fromISO(`${period}-1`, { zone: BUSINESS_TZ })
      : DateTime.fromISO(`${period}-01`, { zone: BUSINESS_TZ });
  const end = start.endOf(granularity === 'week' ? 'week' : 'month');
  return [start.toFormat('yyyy-MM-dd'), end.toFormat('yyyy-MM-dd')];
}
