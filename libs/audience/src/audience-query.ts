import { LabelType } from '@app/database';
import { AudienceCriteria, LabelCriteria } from './audience-rule';

/** Position after the last row of a page, in the audience's order (last_order_at, customer_id). */
export interface AudienceCursor {
  lastOrderAt: string;
  customerId: string;
}

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

export interface AudienceRow {
  lastOrderAt: string;
  customerId: string;
  externalUserid: string;
}

const LABEL_MATCHES: { key: keyof LabelCriteria; type: LabelType; column: 'name' | 'bind_id' }[] = [
  { key: 'cityNames', type: LabelType.CITY, column: 'name' },
  { key: 'warehouseBindIds', type: LabelType.WAREHOUSE, column: 'bind_id' },
  { key: 'categoryBindIds', type: LabelType.CATEGORY, column: 'bind_id' },
  { key: 'brandNames', type: LabelType.BRAND, column: 'name' },
  { key: 'skuBindIds', type: LabelType.SKU, column: 'bind_id' },
];

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * Ids of the library labels the rule names; operator values travel as bound parameters.
 * Resolved once before the audience query, so the per-customer label check below becomes
 * a few index dives on (customer_id, label_id) instead of a join the optimizer may turn
 * inside out.
 */
export function labelIdsQuery(c: AudienceCriteria): SqlStatement {
  const alternatives: string[] = [];
  const params: unknown[] = [];
  for (const m of LABEL_MATCHES) {
    const values = c.labels[m.key];
    if (!values.length) continue;
    alternatives.push(
      `(wl.type = ${m.type} AND wl.${m.column} IN (${placeholders(values.length)}))`,
    );
    params.push(...values);
  }
  return {
    sql: `SELECT CAST(wl.id AS CHAR) AS id FROM wechat_labels wl WHERE ${alternatives.join(' OR ') || 'FALSE'}`,
    params,
  };
}

/**
 * "Customer `customerId` holds one of `labelIds` through an order in the window."
 * A scalar subquery with LIMIT 1 rather than EXISTS: neither MariaDB nor MySQL flattens it
 * into a semi-join, so it stays a per-candidate probe and the keyset order of the outer
 * query survives (the flattened plan re-read every link of the labels for each page).
 */
function labelMatch(customerId: string, labelIds: string[], c: AudienceCriteria): SqlStatement {
  return {
    sql: `(SELECT 1 FROM wechat_customers_labels l
          JOIN youzan_orders o ON o.id = l.order_id
         WHERE l.customer_id = ${customerId}
           AND l.label_id IN (${placeholders(labelIds.length)})
           AND o.order_creation_time BETWEEN ? AND ?
         LIMIT 1) = 1`,
    params: [...labelIds, c.window.from, c.window.to],
  };
}

/**
 * How the audience statement finds its candidates:
 * - `window`: no labels; the window index of customer_last_order, read in keyset order;
 * - `labels`: from the label side: one range read of customer_label_orders per configured
 *   label over the window, the distinct customers checked against customer_last_order
 *   (cost grows with the labels' links in the window, not with the window's customers);
 * - `probe`: the window index in keyset order with a per-customer label probe, for rules
 *   whose labels are so common in the window that reading them all per page costs more.
 */
export type AudienceStrategy = 'window' | 'labels' | 'probe';

/**
 * "How many label rows would the label-driven plan read", counted up to `cap` only (an
 * index-only range read of at most `cap` entries), to choose between `labels` and `probe`.
 */
export function labelRowsQuery(c: AudienceCriteria, labelIds: string[], cap: number): SqlStatement {
  return {
    sql: `SELECT COUNT(*) AS n FROM (
  SELECT 1 FROM customer_label_orders p
   WHERE p.label_id IN (${placeholders(labelIds.length)})
     AND p.order_creation_time BETWEEN ? AND ?
   LIMIT ?) t`,
    params: [...labelIds, c.window.from, c.window.to, cap],
  };
}

/** Customers holding one of `labelIds` through an order in the window, each once. */
function labelCustomers(c: AudienceCriteria, labelIds: string[]): SqlStatement {
  return {
    sql: `(SELECT DISTINCT p.customer_id FROM customer_label_orders p
          WHERE p.label_id IN (${placeholders(labelIds.length)})
            AND p.order_creation_time BETWEEN ? AND ?) m
  JOIN customer_last_order s ON s.customer_id = m.customer_id`,
    params: [...labelIds, c.window.from, c.window.to],
  };
}

function checkStrategy(c: AudienceCriteria, labelIds: string[], strategy: AudienceStrategy) {
  if (c.hasLabels !== (strategy !== 'window')) {
    throw new RangeError(
      `strategy ${strategy} does not fit a rule ${c.hasLabels ? 'with' : 'without'} labels`,
    );
  }
  if (c.hasLabels && !labelIds.length) {
    throw new RangeError('labels configured but no label ids resolved');
  }
}

/**
 * The qualifying customers: last order (customer_last_order, kept by triggers) in the
 * window, reachable (non-empty external id), holding a label when labels are configured.
 * `s` is their customer_last_order row, `c` their customers row.
 */
function qualifying(c: AudienceCriteria, labelIds: string[], strategy: AudienceStrategy) {
  checkStrategy(c, labelIds, strategy);
  const from: SqlStatement =
    strategy === 'labels'
      ? labelCustomers(c, labelIds)
      : { sql: 'customer_last_order s', params: [] };
  const where: string[] = [
    `s.last_order_at BETWEEN ? AND ?`,
    `c.external_userid IS NOT NULL AND c.external_userid <> ''`,
  ];
  const params: unknown[] = [c.window.from, c.window.to];
  if (strategy === 'probe') {
    const own = labelMatch('s.customer_id', labelIds, c);
    where.push(own.sql);
    params.push(...own.params);
  }
  return {
    from: { sql: `${from.sql}\n  JOIN customers c ON c.id = s.customer_id`, params: from.params },
    where: { sql: where.join('\n   AND '), params },
  };
}

/**
 * Anti-join to any customer with the same external id, a smaller id, a last order in the
 * window and (when labels are configured) a matching label: only the smallest id of a
 * shared external id is kept. An anti-join, not NOT EXISTS: MariaDB runs the dependent
 * subquery's setup for every candidate, which cost 3/4 of a 10,000-row page (~110 ms vs
 * ~35 ms at 1M customers). The duplicate is looked for only when the candidate's id is in
 * `customer_shared_external_ids` (kept by triggers; may list more ids than are shared, never
 * fewer): c2's key comes from `x`, so for the ~all candidates without an entry the key is
 * NULL and no dive into idx_customers_external is made (page ~47 → ~28 ms at 1M customers).
 * The indexes are forced: right after a bulk load the statistics may say the tables are
 * empty, and the optimizer then joins c2 with a block-nested loop (10,000 × 10,000 rows
 * took minutes). The comparison is case- and space-exact: the column's collation is
 * case-insensitive, WeCom ids are not. Shared ids are rare, so the duplicate's own label
 * check stays a probe.
 */
function smallestOfSharedId(c: AudienceCriteria, labelIds: string[]): SqlStatement {
  const params: unknown[] = [c.window.from, c.window.to];
  let duplicateHasLabel = '';
  if (c.hasLabels) {
    const other = labelMatch('c2.id', labelIds, c);
    duplicateHasLabel = `AND ${other.sql}`;
    params.push(...other.params);
  }
  return {
    sql: `LEFT JOIN customer_shared_external_ids x ON x.external_userid = c.external_userid
  LEFT JOIN (customers c2 FORCE INDEX (idx_customers_external)
             JOIN customer_last_order s2 FORCE INDEX (PRIMARY)
               ON s2.customer_id = c2.id AND s2.last_order_at BETWEEN ? AND ?)
    ON c2.external_userid = x.external_userid
   AND CAST(c2.external_userid AS BINARY) = CAST(c.external_userid AS BINARY)
   AND c2.id < c.id
   ${duplicateHasLabel}`,
    params,
  };
}

/**
 * One page of at most `limit` rows after `cursor` (from the start when null), in
 * (last_order_at, customer_id) order. `labelIds`: the result of labelIdsQuery when the rule
 * has labels (callers skip the query when that is empty: nobody can match). With the
 * `labels` strategy the join order is fixed (STRAIGHT_JOIN): label side first, then one
 * primary-key dive per candidate, then a sort of the survivors bounded by LIMIT.
 */
export function audiencePageQuery(
  c: AudienceCriteria,
  labelIds: string[],
  cursor: AudienceCursor | null,
  limit: number,
  strategy: AudienceStrategy = c.hasLabels ? 'probe' : 'window',
): SqlStatement {
  const q = qualifying(c, labelIds, strategy);
  const dup = smallestOfSharedId(c, labelIds);
  const keyset = cursor
    ? `AND (s.last_order_at > ? OR (s.last_order_at = ? AND s.customer_id > ?))`
    : '';
  const keysetParams = cursor ? [cursor.lastOrderAt, cursor.lastOrderAt, cursor.customerId] : [];
  return {
    sql: `SELECT ${strategy === 'labels' ? 'STRAIGHT_JOIN ' : ''}DATE_FORMAT(s.last_order_at, '%Y-%m-%d %H:%i:%s') AS lastOrderAt,
       CAST(s.customer_id AS CHAR) AS customerId,
       c.external_userid AS externalUserid
  FROM ${q.from.sql}
  ${dup.sql}
 WHERE ${q.where.sql}
   AND c2.id IS NULL
   ${keyset}
 ORDER BY s.last_order_at, s.customer_id
 LIMIT ?`,
    params: [...q.from.params, ...dup.params, ...q.where.params, ...keysetParams, limit],
  };
}

/**
 * The audience's size: the number of distinct external ids (byte-exact) among the
 * qualifying customers, which is what the anti-join of the page query keeps (one customer
 * per external id), without the per-candidate duplicate dive.
 */
export function audienceCountQuery(
  c: AudienceCriteria,
  labelIds: string[],
  strategy: AudienceStrategy = c.hasLabels ? 'probe' : 'window',
): SqlStatement {
  const q = qualifying(c, labelIds, strategy);
  return {
    sql: `SELECT ${strategy === 'labels' ? 'STRAIGHT_JOIN ' : ''}COUNT(DISTINCT CAST(c.external_userid AS BINARY)) AS n
  FROM ${q.from.sql}
 WHERE ${q.where.sql}`,
    params: [...q.from.params, ...q.where.params],
  };
}
