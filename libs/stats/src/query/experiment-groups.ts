import { DataSource } from 'typeorm';
import { ORDER_CONVERTS, ORDER_REVENUE } from '../ingest/stats.triggers';
import { decimalSum } from '../money';
import { num } from './sql-fragments';

/**
 * The groups of an experiment (issue 17, docs/STATISTICS.md "Experiments"). The unit is an
 * assignment — a (run, customer) pair — and both kinds of assignment are measured by the one
 * definition below ({@link ASSIGNMENT_ORDERS}), so treated and control customers are counted
 * exactly alike:
 *
 * - treated: every recipient of the run's sent batches (`wechat_push_deliveries`, accepted or
 *   not: intention to treat), in the group of its batch's `variant` (0 = A), from `pushed_at`;
 * - control: the run's `wechat_push_run_controls` rows of group `holdout`, from `assigned_at`.
 *
 * The statements group by batch (treated) or run (control) only — a few rows per run; which
 * scope and variant a batch or run belongs to is read apart and joined in the process, so no
 * assignment row is joined to anything but its orders.
 */

/**
 * An assignment source: rows `s` (its unit column, customer_id, at). Within a unit (a batch, a
 * run) a customer is assigned once, so (unit, customer_id) is the assignment.
 */
interface AssignmentSource {
  /** The column a source's rows are grouped by: its batch or its run. */
  unit: string;
  sql: string;
}

/**
 * Treated assignments of runs `(?)`. A recipient's `recipient_key` is its customer id (the
 * one `writeDeliveryRows` resolved) or a hashed key ≥ 2⁶³ that no customer id equals — such
 * a recipient has no orders and still counts. Covered by idx_deliveries_run.
 */
const TREATED: AssignmentSource = {
  unit: 'batch_id',
  sql: `SELECT d.batch_id, d.recipient_key AS customer_id, d.pushed_at AS at
          FROM wechat_push_deliveries d
         WHERE d.run_id IN (?)`,
};

/**
 * The treated assignments of runs `(?)` that can have an order in the window `?`: those with
 * an attribution row within it (`wechat_push_attributions` holds every accepted recipient's
 * converting orders up to 90 days after its push — the same rule, kept by triggers) and every
 * recipient in a fail_list (never attributed); parameters: ids, window, ids. Every other
 * treated assignment has no such order and adds 0 to every sum, so only these go through
 * {@link ASSIGNMENT_ORDERS} — the orders themselves are counted by the one definition, as the
 * control's are (`experimentGroups(…, { exhaustive: true })` skips the shortcut; tests and
 * `bench:stats` check both agree). Reads idx_attributions_assignment (migration 1733800000000).
 */
const TREATED_WITH_ORDERS: AssignmentSource = {
  unit: 'batch_id',
  sql: `SELECT a.batch_id, a.recipient_key AS customer_id, a.pushed_at AS at
          FROM wechat_push_attributions a FORCE INDEX (idx_attributions_assignment)
         WHERE a.run_id IN (?) AND a.lag_seconds <= ?
         GROUP BY a.batch_id, a.recipient_key, a.pushed_at
        UNION ALL
        SELECT d.batch_id, d.recipient_key, d.pushed_at
          FROM wechat_push_deliveries d
         WHERE d.run_id IN (?) AND d.accepted = 0`,
};

/**
 * Control assignments of runs `(?)`: the holdout members (not the global control group,
 * which measures the whole programme). The customer of an external id as everywhere: the
 * smallest `customers.id` with it; none → no orders, still counted.
 */
const CONTROL: AssignmentSource = {
  unit: 'run_id',
  // customer_id is resolved when the run records the member; rows written without it
  // (fixtures, rows from before migration 1734100000000 on a database it could not fill)
  // resolve it here.
  sql: `SELECT c.run_id,
               COALESCE(c.customer_id,
                        (SELECT MIN(cu.id) FROM customers cu
                          WHERE cu.external_userid = c.external_userid)) AS customer_id,
               c.assigned_at AS at
          FROM wechat_push_run_controls c
         WHERE c.run_id IN (?) AND c.control_group = 'holdout'`,
};

/**
 * THE order definition of an assignment `s`: its customer's converting orders (not closed,
 * payment − refunds > 0: {@link ORDER_CONVERTS}) created from its push time to `?` seconds
 * after it, inclusive — the attribution rule of the other statistics. One index dive into
 * order_buyers' primary key per assignment (STRAIGHT_JOIN: from the assignments, never a scan
 * of every order probing the assignments).
 */
const ASSIGNMENT_ORDERS = `
        STRAIGHT_JOIN order_buyers ob ON ob.customer_id = s.customer_id
             AND ob.order_creation_time >= s.at
             AND ob.order_creation_time <= s.at + INTERVAL ? SECOND
        STRAIGHT_JOIN youzan_orders yo ON yo.id = ob.order_id AND ${ORDER_CONVERTS('yo')}`;

/**
 * Assignments per unit: the treated's per batch (`kind` 0), the control's per run (1), in one
 * statement; parameters: ids, ids. Customers are not resolved: every assignment counts.
 */
const COUNTS = `
      SELECT 0 AS kind, d.batch_id AS unit, COUNT(*) AS recipients
        FROM wechat_push_deliveries d
       WHERE d.run_id IN (?)
       GROUP BY d.batch_id
      UNION ALL
      SELECT 1, c.run_id, COUNT(*)
        FROM wechat_push_run_controls c
       WHERE c.run_id IN (?) AND c.control_group = 'holdout'
       GROUP BY c.run_id`;

/**
 * Per unit: buyers (assignments with ≥ 1 order), orders, Σ revenue and Σ revenue² over the
 * assignments — revenue per assignment, the sums Welch's interval needs (only assignments
 * that bought are grouped; the others add 0 to every sum). Exact DECIMAL; unknown amounts add
 * 0. Parameters: the source's, then the window. (An assignment without a customer row has
 * customer_id NULL and joins no order.)
 */
const ordersOf = (s: AssignmentSource) => `
      SELECT p.unit, COUNT(*) AS buyers, SUM(p.orders) AS orders,
             SUM(p.revenue) AS revenue, SUM(p.revenue * p.revenue) AS revenue_squares
        FROM (SELECT s.${s.unit} AS unit, s.customer_id, COUNT(*) AS orders,
                     IFNULL(SUM(${ORDER_REVENUE('yo')}), 0) AS revenue
                FROM (${s.sql}) s ${ASSIGNMENT_ORDERS}
               GROUP BY s.${s.unit}, s.customer_id) p
       GROUP BY p.unit`;

/** A group's sums over one scope; revenue as exact decimal text. */
export interface GroupSums {
  /** `control`, `A`, `B`, … */
  group: string;
  recipients: number;
  buyers: number;
  orders: number;
  /** Σ per-assignment revenue, decimal text ("1234.50"). */
  revenue: string;
  /** Σ per-assignment revenue², decimal text. */
  revenueSquares: string;
}

interface UnitRow {
  unit: number;
  recipients?: unknown;
  buyers?: unknown;
  orders?: unknown;
  revenue?: string | null;
  revenue_squares?: string | null;
}

/** Variant index (0 = A) → its group name; a control assignment has none. */
const groupName = (variant: number | null): string =>
  variant === null ? 'control' : String.fromCharCode(65 + variant);

const groupOrder = (g: string) => (g === 'control' ? '' : g);

/**
 * The runs split into two lists of about equal recipients (largest first): the treated orders
 * of each half in a statement of its own, side by side.
 */
function halves(runs: { id: number; size: number }[]): number[][] {
  const out: { ids: number[]; size: number }[] = [
    { ids: [], size: 0 },
    { ids: [], size: 0 },
  ];
  for (const r of [...runs].sort((a, b) => b.size - a.size)) {
    const half = out[0].size <= out[1].size ? out[0] : out[1];
    half.ids.push(r.id);
    half.size += r.size;
  }
  return out.map((h) => h.ids).filter((ids) => ids.length > 0);
}

/**
 * The groups of each scope: `key` a SQL expression over the run `r` (e.g. `r.push_id`), the
 * scope's runs `runIds`, orders up to `windowSeconds` after each push. The counts, the
 * control's orders and the treated's orders in two statements over halves of the runs, side by
 * side; the groups of a scope sorted control, A, B, …
 */
export async function experimentGroups(
  db: DataSource,
  key: string,
  runIds: number[],
  windowSeconds: number,
  options: { exhaustive?: boolean } = {},
): Promise<Map<string, GroupSums[]>> {
  const out = new Map<string, GroupSums[]>();
  if (runIds.length === 0) return out;
  const batches: { id: number; run_id: number; variant: number; k: unknown; size: unknown }[] =
    await db.query(
      `SELECT b.id, b.run_id, b.variant, ${key} AS k, b.recipient_count AS size
         FROM wechat_push_batches b JOIN wechat_push_runs r ON r.id = b.run_id
        WHERE b.run_id IN (?) AND b.state = 'sent'`,
      [runIds],
    );
  const runs: { id: number; k: unknown }[] = await db.query(
    `SELECT r.id, ${key} AS k FROM wechat_push_runs r WHERE r.id IN (?)`,
    [runIds],
  );
  const runSize = new Map<number, number>();
  for (const b of batches) runSize.set(b.run_id, (runSize.get(b.run_id) ?? 0) + num(b.size));
  const split = halves(runIds.map((id) => ({ id, size: runSize.get(id) ?? 0 })));
  const treatedOrdersOf = (ids: number[]) =>
    options.exhaustive
      ? db.query(ordersOf(TREATED), [ids, windowSeconds])
      : db.query(ordersOf(TREATED_WITH_ORDERS), [ids, windowSeconds, ids, windowSeconds]);
  const [counts, controlOrders, ...treatedOrders]: (UnitRow & { kind?: unknown })[][] =
    await Promise.all([
      db.query(COUNTS, [runIds, runIds]),
      db.query(ordersOf(CONTROL), [runIds, windowSeconds]),
      ...split.map(treatedOrdersOf),
    ]);
  const treatedCounts = counts.filter((r) => num(r.kind) === 0);
  const controlCounts = counts.filter((r) => num(r.kind) === 1);

  // unit → (scope, group), then the units' sums added per group (exact decimals).
  const batchGroup = new Map(
    batches.map((b) => [b.id, { k: String(b.k), group: groupName(Number(b.variant)) }]),
  );
  const runGroup = new Map(runs.map((r) => [r.id, { k: String(r.k), group: groupName(null) }]));
  type Acc = Omit<GroupSums, 'revenue' | 'revenueSquares'> & {
    revenues: string[];
    squares: string[];
  };
  const acc = new Map<string, Acc>();
  const perScope = new Map<string, Acc[]>();
  const add = (of: Map<number, { k: string; group: string }>, rows: UnitRow[]) => {
    for (const row of rows) {
      const at = of.get(Number(row.unit));
      if (!at) continue;
      const id = `${at.k}\u0000${at.group}`;
      let g = acc.get(id);
      if (!g) {
        g = { group: at.group, recipients: 0, buyers: 0, orders: 0, revenues: [], squares: [] };
        acc.set(id, g);
        perScope.set(at.k, [...(perScope.get(at.k) ?? []), g]);
      }
      g.recipients += num(row.recipients);
      g.buyers += num(row.buyers);
      g.orders += num(row.orders);
      if (row.revenue) g.revenues.push(row.revenue);
      if (row.revenue_squares) g.squares.push(row.revenue_squares);
    }
  };
  add(batchGroup, treatedCounts);
  add(runGroup, controlCounts);
  add(runGroup, controlOrders);
  for (const rows of treatedOrders) add(batchGroup, rows);
  for (const [k, list] of perScope) {
    out.set(
      k,
      list
        .map(({ revenues, squares, ...sums }): GroupSums => ({
          ...sums,
          revenue: decimalSum(revenues),
          revenueSquares: decimalSum(squares),
        }))
        .sort((a, b) => (groupOrder(a.group) < groupOrder(b.group) ? -1 : 1)),
    );
  }
  return out;
}

/**
 * Of runs `runIds`, those with holdout members. When a scope has any, its experiment covers
 * only those runs (treated and control from the same runs); otherwise all its runs, A being
 * the baseline.
 */
export async function runsWithHoldout(db: DataSource, runIds: number[]): Promise<Set<number>> {
  if (runIds.length === 0) return new Set();
  const rows: { id: number }[] = await db.query(
    `SELECT r.id FROM wechat_push_runs r
      WHERE r.id IN (?)
        AND EXISTS (SELECT 1 FROM wechat_push_run_controls c
                     WHERE c.run_id = r.id AND c.control_group = 'holdout')`,
    [runIds],
  );
  return new Set(rows.map((r) => r.id));
}
