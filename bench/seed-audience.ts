import type { Connection } from 'mysql2/promise';
import { AudienceRule, audienceCriteria } from '@app/audience';

/**
 * The seed's getExternalUserIds (seed doc, 第三阶段：用户筛选), kept faithful for comparison:
 * window orders → buyer ids collected in Node → `IN` lists of label ids, buyer ids and
 * order ids for wechat_customers_labels → `IN` list of customer ids for customers. Values
 * are inlined client-side (`query`, as Sequelize does) or sent as one placeholder each
 * (`execute`, a prepared statement). The window bounds are ours, so both sides read the
 * same orders; the seed never applied the "last order" condition.
 */
export type SeedMode = 'query' | 'execute';

export interface SeedStats {
  windowOrders: number;
  uniqueUids: number;
  labelIds: number;
  customerIds: number;
  /** Bytes of the largest statement the seed sent (its `IN` lists inlined). */
  largestSqlBytes: number;
  /** Placeholders of the largest statement, had it been prepared. */
  largestPlaceholders: number;
}

export async function seedAudience(
  conn: Connection,
  rule: AudienceRule,
  at: Date,
  mode: SeedMode,
  onBatch: (ids: string[]) => void,
): Promise<SeedStats> {
  const { window, labels, hasLabels } = audienceCriteria(rule, at);
  const stats: SeedStats = {
    windowOrders: 0,
    uniqueUids: 0,
    labelIds: 0,
    customerIds: 0,
    largestSqlBytes: 0,
    largestPlaceholders: 0,
  };
  const run = async <T>(sql: string, values: unknown[]): Promise<T[]> => {
    const flat = values.flatMap((v) => (Array.isArray(v) ? v : [v]));
    stats.largestPlaceholders = Math.max(stats.largestPlaceholders, flat.length);
    stats.largestSqlBytes = Math.max(
      stats.largestSqlBytes,
      Buffer.byteLength(conn.format(sql, values), 'utf8'),
    );
    if (mode === 'query') return (await conn.query(sql, values))[0] as T[];
    let next = 0;
    const expanded = sql.replace(/\?/g, () => {
      const v = values[next++];
      return Array.isArray(v) ? v.map(() => '?').join(',') : '?';
    });
    return (await conn.execute(expanded, flat))[0] as T[];
  };

  const orders = await run<{ id: number; user_ids: string | null }>(
    `SELECT id, user_ids FROM youzan_orders WHERE order_creation_time BETWEEN ? AND ?`,
    [window.from, window.to],
  );
  stats.windowOrders = orders.length;
  const orderIds = orders.map((o) => o.id);
  const uniqueUids = [
    ...new Set(orders.flatMap((o) => (o.user_ids ?? '').split(',')).filter(Boolean)),
  ];
  stats.uniqueUids = uniqueUids.length;

  let customerIds: (string | number)[] = uniqueUids;
  if (hasLabels) {
    const or: string[] = [];
    const values: unknown[] = [];
    const add = (type: number, column: string, list: string[]) => {
      if (!list.length) return;
      or.push(`(type = ${type} AND ${column} IN (?))`);
      values.push(list);
    };
    add(0, 'name', labels.cityNames);
    add(1, 'bind_id', labels.warehouseBindIds);
    add(2, 'bind_id', labels.categoryBindIds);
    add(3, 'name', labels.brandNames);
    add(4, 'bind_id', labels.skuBindIds);
    const labelIds = (
      await run<{ id: number }>(`SELECT id FROM wechat_labels WHERE ${or.join(' OR ')}`, values)
    ).map((l) => l.id);
    stats.labelIds = labelIds.length;
    if (!labelIds.length || !uniqueUids.length) return stats;
    const rows = await run<{ customer_id: number }>(
      `SELECT customer_id FROM wechat_customers_labels
        WHERE label_id IN (?) AND customer_id IN (?) AND order_id IN (?)`,
      [labelIds, uniqueUids, orderIds],
    );
    customerIds = [...new Set(rows.map((r) => r.customer_id))];
  }
  stats.customerIds = customerIds.length;
  if (!customerIds.length) return stats;
  const customers = await run<{ external_userid: string | null }>(
    `SELECT external_userid FROM customers WHERE id IN (?)`,
    [customerIds],
  );
  const ids = customers.map((c) => c.external_userid).filter((e): e is string => !!e);
  for (let i = 0; i < ids.length; i += 10_000) onBatch(ids.slice(i, i + 10_000));
  return stats;
}
