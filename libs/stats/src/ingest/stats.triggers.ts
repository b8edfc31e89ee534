import { SET_BASED_LINKS, SqlRunner, TriggerDefinition } from '@app/database';

/**
 * The triggers that keep the statistics tables in step with the company's orders and label
 * links, inside the writing statement's transaction (docs/STATISTICS.md "Triggers"). The
 * migrations that created them hold frozen copies; `triggers.e2e-spec.ts` compares the two.
 * Syntax shared by MariaDB 10.11 and MySQL 8 (several triggers per table and event).
 */

/**
 * The longest attribution window statistics may ask for. Attributions are kept for orders up
 * to this many days after a push; a longer window would need a backfill.
 */
const ATTRIBUTION_MAX_DAYS = 90;

/**
 * Whether order row `o` counts as a conversion: not closed, and its payment minus refunds is
 * above 0. `refunded` means refunded in full (`deriveOrderStatus`), so it never counts; an
 * order whose amounts are unknown (payment NULL: rows from before amounts were stored) counts
 * as it always did, with its revenue unknown (docs/STATISTICS.md "Order value and status").
 */
export const ORDER_CONVERTS = (o: string) =>
  `(${o}.status IS NULL OR ${o}.status NOT IN ('closed', 'refunded'))
         AND (${o}.payment IS NULL OR ${o}.payment - IFNULL(${o}.refunded_fee, 0) > 0)`;

/** The revenue of order row `o`: payment minus refunds, exact (DECIMAL); NULL when unknown. */
export const ORDER_REVENUE = (o: string) => `${o}.payment - IFNULL(${o}.refunded_fee, 0)`;

/** The columns {@link ATTRIBUTED_ROWS} fills, in its order. */
export const ATTRIBUTION_COLUMNS = `(order_id, customer_id, batch_id, run_id, run_day, recipient_key,
         order_number, order_time, pushed_at, lag_seconds, revenue)`;

/**
 * The attribution rows of buyer row `ob` (an order_buyers row or NEW) of order row `yo`: one
 * per accepted push `d` of that buyer up to ATTRIBUTION_MAX_DAYS before the order. The caller
 * joins `d` on {@link PUSHES_BEFORE}.
 */
export const ATTRIBUTED_ROWS = (ob: string, yo: string) => `
      SELECT ${ob}.order_id, ${ob}.customer_id, d.batch_id, d.run_id, d.run_day, d.recipient_key,
             ${yo}.order_number, ${ob}.order_creation_time, d.pushed_at,
             TIMESTAMPDIFF(SECOND, d.pushed_at, ${ob}.order_creation_time), ${ORDER_REVENUE(yo)}`;

/** Push `d` was accepted for buyer row `ob`'s customer up to ATTRIBUTION_MAX_DAYS before its order. */
export const PUSHES_BEFORE = (ob: string) => `d.recipient_key = ${ob}.customer_id
         AND d.customer_id = ${ob}.customer_id
         AND d.accepted = 1
         AND d.pushed_at <= ${ob}.order_creation_time
         AND ${ob}.order_creation_time <= d.pushed_at + INTERVAL ${ATTRIBUTION_MAX_DAYS} DAY`;

/** Attributes one order_buyers row (`o` = NEW) to the accepted pushes it followed, if it converts. */
const ATTRIBUTE = (o: 'NEW') => `
      INSERT IGNORE INTO wechat_push_attributions ${ATTRIBUTION_COLUMNS}
      ${ATTRIBUTED_ROWS(o, 'yo')}
        FROM youzan_orders yo
        JOIN wechat_push_deliveries d ON ${PUSHES_BEFORE(o)}
       WHERE yo.id = ${o}.order_id AND ${ORDER_CONVERTS('yo')};`;

const UNATTRIBUTE = (o: 'OLD') => `
      DELETE FROM wechat_push_attributions
       WHERE order_id = ${o}.order_id AND customer_id = ${o}.customer_id;`;

/**
 * order_buyers is itself kept by triggers on youzan_orders, and triggers cascade, so every
 * order write reaches the attributions in the same transaction. Cost per order row: one
 * index dive into idx_deliveries_recipient. A change of an order's amounts or status
 * (refunds arrive as updates) is followed by the trigger on youzan_orders.
 */
const ATTRIBUTION_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_order_buyers_attribution_ai',
    rule: `an order its buyer places within ${ATTRIBUTION_MAX_DAYS} days after a push WeCom accepted for them is attributed to that push`,
    timing: 'AFTER',
    event: 'INSERT',
    table: 'order_buyers',
    body: `BEGIN ${ATTRIBUTE('NEW')}
    END`,
  },
  {
    name: 'trg_order_buyers_attribution_au',
    rule: 'an order whose time or buyer changes is attributed again from its new values',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'order_buyers',
    body: `BEGIN ${UNATTRIBUTE('OLD')} ${ATTRIBUTE('NEW')}
    END`,
  },
  {
    name: 'trg_order_buyers_attribution_ad',
    rule: 'an order that is deleted, or loses a buyer, is no longer attributed to them',
    timing: 'AFTER',
    event: 'DELETE',
    table: 'order_buyers',
    body: `BEGIN ${UNATTRIBUTE('OLD')}
    END`,
  },
];

/**
 * Refunds and status changes arrive as updates of youzan_orders (the connector derives the
 * status): the order's attribution rows follow in the same transaction. It runs after the
 * audience's trigger on the same event, which re-derives the buyers (and so the attributions)
 * when the time or buyers change; both leave the same rows whichever runs first.
 */
const ORDER_VALUE_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_youzan_orders_attribution_au',
    rule: 'an order closed or refunded in full is no longer attributed, one that counts again is attributed again, and a changed amount changes its revenue',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'youzan_orders',
    body: `BEGIN
      IF NOT (OLD.payment <=> NEW.payment AND OLD.refunded_fee <=> NEW.refunded_fee
              AND OLD.status <=> NEW.status) THEN
        IF ${ORDER_CONVERTS('NEW')} THEN
          UPDATE wechat_push_attributions SET revenue = ${ORDER_REVENUE('NEW')}
           WHERE order_id = NEW.id;
          IF NOT (${ORDER_CONVERTS('OLD')}) THEN
            INSERT IGNORE INTO wechat_push_attributions ${ATTRIBUTION_COLUMNS}
            ${ATTRIBUTED_ROWS('ob', 'NEW')}
              FROM order_buyers ob
              JOIN wechat_push_deliveries d ON ${PUSHES_BEFORE('ob')}
             WHERE ob.order_id = NEW.id;
          END IF;
        ELSE
          DELETE FROM wechat_push_attributions WHERE order_id = NEW.id;
        END IF;
      END IF;
    END`,
  },
];

/**
 * Longest label list carried on an attribution row (`goods_labels`); longer lists are NULL
 * and readers look the order's labels up in wechat_customers_labels. Under MySQL 8's default
 * group_concat_max_len of 1024, so a list is never cut silently.
 */
export const GOODS_LABELS_MAX_CHARS = 1000;

/** The list of order row `orderId` (an SQL expression) into the variable `labels`. */
const READ_LABELS = (orderId: string) => `
      SELECT IF(SUM(LENGTH(l.label_id) + 1) - 1 > ${GOODS_LABELS_MAX_CHARS}, NULL,
                IFNULL(GROUP_CONCAT(l.label_id ORDER BY l.label_id SEPARATOR ','), ''))
        INTO labels
        FROM wechat_customers_labels l WHERE l.order_id = ${orderId}
        LOCK IN SHARE MODE;`;

/** Re-reads the list of every attribution row of order row `orderId`. */
const REFRESH_ORDER = (orderId: string) => `
      IF EXISTS (SELECT 1 FROM wechat_push_attributions a WHERE a.order_id = ${orderId}) THEN
        ${READ_LABELS(orderId)}
        UPDATE wechat_push_attributions SET goods_labels = labels WHERE order_id = ${orderId};
      END IF;`;

/**
 * Reads are locking reads of the order's links, so they see links committed meanwhile and
 * wait for uncommitted ones; appends and rewrites update the attribution rows, which locks
 * them, so concurrent writers queue (or one is a deadlock victim its writer retries).
 */
export const GOODS_LABEL_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_attributions_goods_labels_bi',
    rule: "a new attribution row carries its order's label ids, NULL when they do not fit",
    timing: 'BEFORE',
    event: 'INSERT',
    table: 'wechat_push_attributions',
    body: `BEGIN
      DECLARE labels VARCHAR(${GOODS_LABELS_MAX_CHARS}) CHARACTER SET ascii DEFAULT NULL;
      ${READ_LABELS('NEW.order_id')}
      SET NEW.goods_labels = labels;
    END`,
  },
  // Appending costs about half of reading the order's links again (`bench:stats --link-cost`
  // measures these triggers against none). A list that grows too long becomes NULL; NULL stays.
  {
    name: 'trg_wcl_goods_labels_ai',
    rule: 'a new label link adds its label id to the attribution rows of its order',
    timing: 'AFTER',
    event: 'INSERT',
    table: 'wechat_customers_labels',
    // A writer of many links rewrites its orders' lists in one statement (SET_BASED_LINKS).
    body: `BEGIN
      IF ${SET_BASED_LINKS} IS NULL THEN
        UPDATE wechat_push_attributions
           SET goods_labels = IF(LENGTH(goods_labels) + 1 + LENGTH(NEW.label_id) > ${GOODS_LABELS_MAX_CHARS},
                                 NULL,
                                 CONCAT(goods_labels, IF(goods_labels = '', '', ','), NEW.label_id))
         WHERE order_id = NEW.order_id;
      END IF;
    END`,
  },
  {
    name: 'trg_wcl_goods_labels_au',
    rule: 'a label link moved to another label or order rewrites the lists of both orders',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'wechat_customers_labels',
    body: `BEGIN
      DECLARE labels VARCHAR(${GOODS_LABELS_MAX_CHARS}) CHARACTER SET ascii DEFAULT NULL;
      IF NOT (OLD.order_id <=> NEW.order_id AND OLD.label_id <=> NEW.label_id) THEN
        ${REFRESH_ORDER('NEW.order_id')}
        IF NOT (OLD.order_id <=> NEW.order_id) THEN
          ${REFRESH_ORDER('OLD.order_id')}
        END IF;
      END IF;
    END`,
  },
  {
    name: 'trg_wcl_goods_labels_ad',
    rule: 'a deleted label link leaves the lists of its order',
    timing: 'AFTER',
    event: 'DELETE',
    table: 'wechat_customers_labels',
    body: `BEGIN
      DECLARE labels VARCHAR(${GOODS_LABELS_MAX_CHARS}) CHARACTER SET ascii DEFAULT NULL;
      ${REFRESH_ORDER('OLD.order_id')}
    END`,
  },
];

/** Every statistics trigger, in the order the migrations created them. */
export const STATS_TRIGGERS: readonly TriggerDefinition[] = [
  ...ATTRIBUTION_TRIGGERS,
  ...GOODS_LABEL_TRIGGERS,
  ...ORDER_VALUE_TRIGGERS,
];

/**
 * Sets the list of every attribution row from the links present (idempotent; one grouped
 * read of the attributed orders' links, in chunks of order ids so no statement runs long).
 */
export async function backfillGoodsLabels(q: SqlRunner, chunk = 200_000): Promise<void> {
  const [range] = (await q.query(
    'SELECT MIN(order_id) AS lo, MAX(order_id) AS hi FROM wechat_push_attributions',
  )) as { lo: string | number | null; hi: string | number | null }[];
  if (range.lo === null || range.hi === null) return;
  for (let from = BigInt(range.lo); from <= BigInt(range.hi); from += BigInt(chunk)) {
    const to = from + BigInt(chunk);
    await q.query(
      `UPDATE wechat_push_attributions a
         LEFT JOIN (SELECT l.order_id,
                           IF(SUM(LENGTH(l.label_id) + 1) - 1 > ${GOODS_LABELS_MAX_CHARS}, NULL,
                              GROUP_CONCAT(l.label_id ORDER BY l.label_id SEPARATOR ',')) AS labels
                      FROM wechat_customers_labels l
                     WHERE l.order_id >= ? AND l.order_id < ?
                     GROUP BY l.order_id) x ON x.order_id = a.order_id
          SET a.goods_labels = IF(x.order_id IS NULL, '', x.labels)
        WHERE a.order_id >= ? AND a.order_id < ?`,
      [String(from), String(to), String(from), String(to)],
    );
  }
}
