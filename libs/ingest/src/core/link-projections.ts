import { SET_BASED_LINKS, SqlRunner } from '@app/database';

/** Longest `goods_labels` list (libs/stats GOODS_LABELS_MAX_CHARS): longer is NULL. */
const GOODS_LABELS_MAX_CHARS = 1000;

/**
 * Runs `insertLinks` (INSERTs into wechat_customers_labels of the orders `orderIds`) with the
 * per-row link triggers standing aside (SET_BASED_LINKS), then writes what they would have
 * written, one statement each for the whole batch, in the caller's transaction:
 *
 * - the `customer_label_orders` row of every link of those orders (trigger
 *   trg_wcl_label_orders_ai; rows already there are kept, as the trigger keeps them);
 * - the label list (`goods_labels`) of every attribution row of those orders, read again from
 *   their links (trigger trg_wcl_goods_labels_ai appends; the list read again is the one the
 *   attribution's own trigger and the backfill write, `backfillGoodsLabels`).
 *
 * The attribution rows are found by a locking read, so one a concurrent writer committed
 * after this transaction's snapshot is rewritten too; a concurrent attribution insert reads
 * these links with a locking read and so waits for this transaction (as with the trigger).
 * The variable is unset before anything else runs on the connection, even when an INSERT
 * fails, so no other write on the pooled connection skips the triggers.
 */
export async function insertLinksSetBased(
  q: SqlRunner,
  orderIds: number[],
  insertLinks: () => Promise<void>,
): Promise<void> {
  if (!orderIds.length) return;
  await q.query(`SET ${SET_BASED_LINKS} = 1`);
  try {
    await insertLinks();
  } finally {
    await q.query(`SET ${SET_BASED_LINKS} = NULL`);
  }
  await q.query(
    `INSERT INTO customer_label_orders (label_id, order_creation_time, customer_id, link_id)
     SELECT l.label_id, o.order_creation_time, l.customer_id, l.id
       FROM youzan_orders o JOIN wechat_customers_labels l ON l.order_id = o.id
      WHERE o.id IN (?)
     ON DUPLICATE KEY UPDATE link_id = customer_label_orders.link_id`,
    [orderIds],
  );
  const attributed = (await q.query(
    'SELECT DISTINCT order_id FROM wechat_push_attributions WHERE order_id IN (?) FOR UPDATE',
    [orderIds],
  )) as { order_id: number | string }[];
  if (!attributed.length) return;
  const ids = attributed.map((a) => a.order_id);
  await q.query(
    `UPDATE wechat_push_attributions a
       JOIN (SELECT l.order_id,
                    IF(SUM(LENGTH(l.label_id) + 1) - 1 > ${GOODS_LABELS_MAX_CHARS}, NULL,
                       IFNULL(GROUP_CONCAT(l.label_id ORDER BY l.label_id SEPARATOR ','), '')) AS labels
               FROM wechat_customers_labels l
              WHERE l.order_id IN (?)
              GROUP BY l.order_id) x ON x.order_id = a.order_id
        SET a.goods_labels = x.labels
      WHERE a.order_id IN (?)`,
    [ids, ids],
  );
}
