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
 * The control's counterpart of the attributions (docs/STATISTICS.md "Experiments"): one row
 * of `wechat_push_control_orders` per (holdout member of a run, converting order of its
 * customer created 0–ATTRIBUTION_MAX_DAYS after its assignment), so the experiment statistics
 * read a range of runs' control orders in one read instead of one order_buyers dive per
 * member. The same rule as the treated's attribution rows: orders counted from the member's
 * `assigned_at` as the treated's from `pushed_at`, the same {@link ORDER_CONVERTS} and
 * {@link ORDER_REVENUE}. Only `holdout` members (the global control group is not part of a
 * rule's experiment) with a customer id.
 */
const CONTROL_ORDER_COLUMNS = `(run_id, external_userid, order_id, customer_id, order_time,
         lag_seconds, revenue)`;

/**
 * The control-order rows of buyer row `ob` of order row `yo` for control row `c` (joined on
 * {@link HELD_OUT_BEFORE}, or NEW of the control rows).
 */
const CONTROL_ORDER_ROWS = (c: string, ob: string, yo: string) => `
      SELECT ${c}.run_id, ${c}.external_userid, ${ob}.order_id, ${ob}.customer_id,
             ${ob}.order_creation_time,
             TIMESTAMPDIFF(SECOND, ${c}.assigned_at, ${ob}.order_creation_time), ${ORDER_REVENUE(yo)}`;

/**
 * Holdout member `c` is buyer row `ob`'s customer, assigned up to ATTRIBUTION_MAX_DAYS before
 * its order (idx_run_controls_buyer).
 */
const HELD_OUT_BEFORE = (c: string, ob: string) => `${c}.customer_id = ${ob}.customer_id
         AND ${c}.control_group = 'holdout'
         AND ${c}.assigned_at <= ${ob}.order_creation_time
         AND ${ob}.order_creation_time <= ${c}.assigned_at + INTERVAL ${ATTRIBUTION_MAX_DAYS} DAY`;

/** Keeps one order_buyers row (`NEW`) for the holdout members it followed, if it converts. */
const KEEP_CONTROL_ORDER = `
      INSERT IGNORE INTO wechat_push_control_orders ${CONTROL_ORDER_COLUMNS}
      ${CONTROL_ORDER_ROWS('c', 'NEW', 'yo')}
        FROM youzan_orders yo
        JOIN wechat_push_run_controls c ON ${HELD_OUT_BEFORE('c', 'NEW')}
       WHERE yo.id = NEW.order_id AND ${ORDER_CONVERTS('yo')};`;

const DROP_CONTROL_ORDER = `
      DELETE FROM wechat_push_control_orders
       WHERE order_id = OLD.order_id AND customer_id = OLD.customer_id;`;

/** Keeps the converting orders already present for control row `NEW`. */
const KEEP_MEMBER_ORDERS = `
      IF NEW.control_group = 'holdout' AND NEW.customer_id IS NOT NULL THEN
        INSERT IGNORE INTO wechat_push_control_orders ${CONTROL_ORDER_COLUMNS}
        ${CONTROL_ORDER_ROWS('NEW', 'ob', 'yo')}
          FROM order_buyers ob
          JOIN youzan_orders yo ON yo.id = ob.order_id
         WHERE ${HELD_OUT_BEFORE('NEW', 'ob')} AND ${ORDER_CONVERTS('yo')};
      END IF;`;

const DROP_MEMBER_ORDERS = `
      DELETE FROM wechat_push_control_orders
       WHERE run_id = OLD.run_id AND external_userid = OLD.external_userid;`;

/**
 * Kept in step with orders exactly as the attributions are — the same events, in the same
 * transaction: buyer rows written, moved or deleted (order_buyers), amounts and status changed
 * (youzan_orders; after the attribution trigger, so after the audience's that re-derives the
 * buyers — both leave the same rows whichever runs first) — and with the control rows: a
 * member recorded after its orders (selection records members at the page's commit; fixtures
 * and late order imports write orders first) gets the orders already present. The writes on
 * both sides are INSERT … SELECT, whose reads lock (REPEATABLE READ), so an order and a
 * member written concurrently wait for each other instead of missing each other.
 */
const CONTROL_ORDER_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_run_controls_customer_bi',
    rule: 'a control member recorded without its customer id gets the lowest customers.id of its external id',
    timing: 'BEFORE',
    event: 'INSERT',
    table: 'wechat_push_run_controls',
    body: `BEGIN
      IF NEW.customer_id IS NULL THEN
        SET NEW.customer_id = (SELECT MIN(cu.id) FROM customers cu
                                WHERE cu.external_userid = NEW.external_userid);
      END IF;
    END`,
  },
  {
    name: 'trg_run_controls_orders_ai',
    rule: "a holdout member recorded after its customer's orders is kept with the converting ones within 90 days after its assignment",
    timing: 'AFTER',
    event: 'INSERT',
    table: 'wechat_push_run_controls',
    body: `BEGIN ${KEEP_MEMBER_ORDERS}
    END`,
  },
  {
    name: 'trg_run_controls_orders_au',
    rule: 'a control member whose customer, assignment time or group changes is kept again from its new values',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'wechat_push_run_controls',
    body: `BEGIN
      IF NOT (OLD.run_id <=> NEW.run_id AND OLD.external_userid <=> NEW.external_userid
              AND OLD.customer_id <=> NEW.customer_id AND OLD.assigned_at <=> NEW.assigned_at
              AND OLD.control_group <=> NEW.control_group) THEN
        ${DROP_MEMBER_ORDERS}
        ${KEEP_MEMBER_ORDERS}
      END IF;
    END`,
  },
  {
    name: 'trg_run_controls_orders_ad',
    rule: 'a deleted control member loses its kept orders',
    timing: 'AFTER',
    event: 'DELETE',
    table: 'wechat_push_run_controls',
    body: `BEGIN ${DROP_MEMBER_ORDERS}
    END`,
  },
  {
    name: 'trg_order_buyers_control_orders_ai',
    rule: `an order its buyer places within ${ATTRIBUTION_MAX_DAYS} days after being held out of a run is kept for that holdout member`,
    timing: 'AFTER',
    event: 'INSERT',
    table: 'order_buyers',
    body: `BEGIN ${KEEP_CONTROL_ORDER}
    END`,
  },
  {
    name: 'trg_order_buyers_control_orders_au',
    rule: 'an order whose time or buyer changes is kept again for the holdout from its new values',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'order_buyers',
    body: `BEGIN ${DROP_CONTROL_ORDER} ${KEEP_CONTROL_ORDER}
    END`,
  },
  {
    name: 'trg_order_buyers_control_orders_ad',
    rule: 'an order that is deleted, or loses a buyer, is no longer kept for their holdout memberships',
    timing: 'AFTER',
    event: 'DELETE',
    table: 'order_buyers',
    body: `BEGIN ${DROP_CONTROL_ORDER}
    END`,
  },
  {
    name: 'trg_youzan_orders_control_orders_au',
    rule: "a held-out customer's order closed or refunded in full is no longer kept, one that counts again is kept again, and a changed amount changes its revenue",
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'youzan_orders',
    body: `BEGIN
      IF NOT (OLD.payment <=> NEW.payment AND OLD.refunded_fee <=> NEW.refunded_fee
              AND OLD.status <=> NEW.status) THEN
        IF ${ORDER_CONVERTS('NEW')} THEN
          UPDATE wechat_push_control_orders SET revenue = ${ORDER_REVENUE('NEW')}
           WHERE order_id = NEW.id;
          IF NOT (${ORDER_CONVERTS('OLD')}) THEN
            INSERT IGNORE INTO wechat_push_control_orders ${CONTROL_ORDER_COLUMNS}
            ${CONTROL_ORDER_ROWS('c', 'ob', 'NEW')}
              FROM order_buyers ob
              JOIN wechat_push_run_controls c ON ${HELD_OUT_BEFORE('c', 'ob')}
             WHERE ob.order_id = NEW.id;
          END IF;
        ELSE
          DELETE FROM wechat_push_control_orders WHERE order_id = NEW.id;
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
  ...CONTROL_ORDER_TRIGGERS,
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
