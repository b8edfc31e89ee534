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
 * Control assignments of runs `(?)`: the holdout members (not the global control group,
 * which measures the whole programme), with the customer id recorded with the member — the
 * lowest `customers.id` of its external id when it was recorded (the pipeline resolves it at
 * selection, `trg_run_controls_customer_bi` for any other writer), as a recipient's is fixed
 * when its delivery row is written; NULL (no customer row) → no orders, still counted.
 */
const CONTROL: AssignmentSource = {
  unit: 'run_id',
  sql: `SELECT c.run_id, c.customer_id, c.assigned_at AS at
          FROM wechat_push_run_controls c
         WHERE c.run_id IN (?) AND c.control_group = 'holdout'`,
};

/**
 * The treated assignments of runs `(?)` in a fail_list (never attributed), found from the
 * batches' `fail_list` JSON — the only source of `accepted = 0` (writeDeliveryRows) — one
 * primary-key read of the delivery row each, instead of a scan of every delivery row of the
 * runs for the 2 % that failed. DISTINCT: an id listed twice is one assignment.
 */
const TREATED_FAILED: AssignmentSource = {
  unit: 'batch_id',
  sql: `SELECT DISTINCT d.batch_id, d.recipient_key AS customer_id, d.pushed_at AS at
          FROM wechat_push_batches b
          JOIN JSON_TABLE(b.fail_list, '$[*]' COLUMNS (
                 ext VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$')) f
          STRAIGHT_JOIN wechat_push_deliveries d ON d.batch_id = b.id AND d.external_userid = f.ext
         WHERE b.run_id IN (?) AND b.state = 'sent' AND d.accepted = 0`,
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

/** Holdout members per run (kind 1); parameters: ids. */
const CONTROL_COUNTS = `
      SELECT 1 AS kind, c.run_id AS unit, COUNT(*) AS recipients
        FROM wechat_push_run_controls c
       WHERE c.run_id IN (?) AND c.control_group = 'holdout'
       GROUP BY c.run_id`;

/**
 * Assignments per unit: the treated's per batch (`kind` 0) — its delivery rows — and the
 * control's per run (1), in one statement; parameters: ids, ids. Customers are not resolved:
 * every assignment counts.
 */
const COUNTS = `
      SELECT 0 AS kind, d.batch_id AS unit, COUNT(*) AS recipients
        FROM wechat_push_deliveries d
       WHERE d.run_id IN (?)
       GROUP BY d.batch_id
      UNION ALL ${CONTROL_COUNTS}`;

/**
 * The same counts, the treated's read from `wechat_push_batch_counts` where the batch's are
 * derived: `deriveBatchStatistics` counts every delivery row of the batch into them, and a
 * batch's delivery rows are all written by one statement before its first derivation and
 * never added to or removed later, so their sum is the count of its delivery rows. A batch
 * not derived yet (no counter rows) counts its delivery rows (primary key). Parameters: ids,
 * ids, ids.
 */
const COUNTS_KEPT = `
      SELECT 0 AS kind, bc.batch_id AS unit, SUM(bc.recipients) AS recipients
        FROM wechat_push_batch_counts bc
       WHERE bc.run_id IN (?)
       GROUP BY bc.batch_id
      UNION ALL
      SELECT 0, d.batch_id, COUNT(*)
        FROM wechat_push_batches b
        STRAIGHT_JOIN wechat_push_deliveries d ON d.batch_id = b.id
       WHERE b.run_id IN (?)
         AND NOT EXISTS (SELECT 1 FROM wechat_push_batch_counts bc WHERE bc.batch_id = b.id)
       GROUP BY d.batch_id
      UNION ALL ${CONTROL_COUNTS}`;

/**
 * Per unit: buyers (assignments with ≥ 1 order), orders, Σ revenue and Σ revenue² over the
 * assignments — revenue per assignment, the sums Welch's interval needs — from `assignments`:
 * one row (unit, customer_id, orders, revenue) per assignment with ≥ 1 order (the others add
 * 0 to every sum). Exact DECIMAL; unknown amounts add 0.
 */
const perUnit = (assignments: string) => `
      SELECT p.unit, COUNT(*) AS buyers, SUM(p.orders) AS orders,
             SUM(p.revenue) AS revenue, SUM(p.revenue * p.revenue) AS revenue_squares
        FROM (${assignments}) p
       GROUP BY p.unit`;

/**
 * {@link perUnit} of source `s` through THE order definition; parameters: the source's, then
 * the window. (An assignment without a customer row has customer_id NULL and joins no order.)
 */
const ordersOf = (s: AssignmentSource) =>
  perUnit(`SELECT s.${s.unit} AS unit, s.customer_id, COUNT(*) AS orders,
                  IFNULL(SUM(${ORDER_REVENUE('yo')}), 0) AS revenue
             FROM (${s.sql}) s ${ASSIGNMENT_ORDERS}
            GROUP BY s.${s.unit}, s.customer_id`);

/**
 * The same sums of the accepted recipients of runs `(?)` within the window `?`, read from the
 * orders kept for them: `wechat_push_attributions` holds each accepted recipient's converting
 * orders up to 90 days after its push, by the same rule, kept by triggers. One covering range
 * read of idx_attributions_batch (migration 1735200000001), whose order groups the rows by
 * assignment as they are read (a batch belongs to one run: grouping by run too changes
 * nothing).
 */
const TREATED_KEPT = perUnit(`
      SELECT a.batch_id AS unit, a.recipient_key AS customer_id, COUNT(*) AS orders,
             IFNULL(SUM(a.revenue), 0) AS revenue
        FROM wechat_push_attributions a FORCE INDEX (idx_attributions_batch)
       WHERE a.run_id IN (?) AND a.lag_seconds <= ?
       GROUP BY a.run_id, a.batch_id, a.recipient_key`);

/**
 * The same sums of the holdout members of runs `(?)` within the window `?`, read from
 * `wechat_push_control_orders` (each member's converting orders up to 90 days after its
 * assignment, kept by triggers as the attributions are; migration 1735200000000): one range
 * read of its primary key.
 */
const CONTROL_KEPT = perUnit(`
      SELECT k.run_id AS unit, k.customer_id, COUNT(*) AS orders,
             IFNULL(SUM(k.revenue), 0) AS revenue
        FROM wechat_push_control_orders k
       WHERE k.run_id IN (?) AND k.lag_seconds <= ?
       GROUP BY k.run_id, k.customer_id`);

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
 * The groups of each scope: `key` a SQL expression over the run `r` (e.g. `r.push_id`), the
 * scope's runs `runIds`, orders up to `windowSeconds` after each push; the groups of a scope
 * sorted control, A, B, … Side by side: the counts (derived batch counters where there are
 * some), the control's kept orders, the accepted recipients' kept orders (attributions) and the
 * fail_list recipients through the order definition. `exhaustive`: every delivery row counted
 * and every assignment through the order definition instead (the reference the kept figures
 * are tested against; one index dive per assignment).
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
  const orderStatements: Promise<UnitRow[]>[] = options.exhaustive
    ? [
        db.query(ordersOf(CONTROL), [runIds, windowSeconds]),
        db.query(ordersOf(TREATED), [runIds, windowSeconds]),
      ]
    : [
        db.query(CONTROL_KEPT, [runIds, windowSeconds]),
        db.query(TREATED_KEPT, [runIds, windowSeconds]),
        db.query(ordersOf(TREATED_FAILED), [runIds, windowSeconds]),
      ];
  const [batches, runs, counts, controlOrders, ...treatedOrders]: [
    { id: number; variant: number; k: unknown }[],
    { id: number; k: unknown }[],
    (UnitRow & { kind?: unknown })[],
    ...UnitRow[][],
  ] = await Promise.all([
    db.query(
      `SELECT b.id, b.variant, ${key} AS k
         FROM wechat_push_batches b JOIN wechat_push_runs r ON r.id = b.run_id
        WHERE b.run_id IN (?) AND b.state = 'sent'`,
      [runIds],
    ),
    db.query(`SELECT r.id, ${key} AS k FROM wechat_push_runs r WHERE r.id IN (?)`, [runIds]),
    options.exhaustive
      ? db.query(COUNTS, [runIds, runIds])
      : db.query(COUNTS_KEPT, [runIds, runIds, runIds]),
    ...orderStatements,
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
  // Scopes in key order (numeric where numeric), whichever statement listed a unit first.
  const keys = [...perScope.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const k of keys) {
    const list = perScope.get(k) as Acc[];
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
