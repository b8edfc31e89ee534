import { SET_BASED_CUSTOMERS, SET_BASED_LINKS, SqlRunner, TriggerDefinition } from '@app/database';

/**
 * The triggers that keep the audience's projections of the company tables (order_buyers,
 * customer_last_order, customer_label_orders, customer_shared_external_ids) in step with
 * youzan_orders, wechat_customers_labels and customers, inside the writing statement's
 * transaction (docs/AUDIENCE.md "Triggers"), and the backfills that derive the same rows
 * from data already present. The migrations that created them hold frozen copies;
 * `libs/stats/test/triggers.e2e-spec.ts` compares the two. Syntax shared by MariaDB 10.11
 * and MySQL 8; on MySQL with binary logging, creating triggers needs SUPER or
 * log_bin_trust_function_creators = 1.
 */

/** A buyer id as the projection accepts it (same test in the triggers and the backfill). */
const VALID_BUYER = `'^[0-9]{1,19}$'`;

/** Runs `body` once per valid buyer id of `list` (a user_ids value), with the id in `buyer`. */
function forEachBuyer(list: string, body: string): string {
  return `
    SET rest = CONCAT(IFNULL(${list}, ''), ',');
    WHILE LOCATE(',', rest) > 0 DO
      SET pos = LOCATE(',', rest);
      SET tok = TRIM(LEFT(rest, pos - 1));
      SET rest = SUBSTRING(rest, pos + 1);
      IF tok REGEXP ${VALID_BUYER} THEN
        SET buyer = CAST(tok AS UNSIGNED);
        ${body}
      END IF;
    END WHILE;`;
}

const DECLARE_LOOP_VARS = `
    DECLARE rest TEXT;
    DECLARE tok TEXT;
    DECLARE pos INT;
    DECLARE buyer BIGINT UNSIGNED;
    DECLARE latest DATETIME;`;

const ADD_BUYERS = (o: 'NEW') =>
  forEachBuyer(
    `${o}.user_ids`,
    `INSERT INTO order_buyers (customer_id, order_creation_time, order_id)
          VALUES (buyer, ${o}.order_creation_time, ${o}.id)
          ON DUPLICATE KEY UPDATE order_id = order_id;
        INSERT INTO customer_last_order (customer_id, last_order_at)
          VALUES (buyer, ${o}.order_creation_time)
          ON DUPLICATE KEY UPDATE last_order_at = GREATEST(last_order_at, ${o}.order_creation_time);`,
  );

// The order's rows go first, so each former buyer's last order is recomputed without it.
const REMOVE_BUYERS = (o: 'OLD') => `
    DELETE FROM order_buyers WHERE order_id = ${o}.id;
    ${forEachBuyer(
      `${o}.user_ids`,
      `SET latest = (SELECT MAX(order_creation_time) FROM order_buyers WHERE customer_id = buyer);
        IF latest IS NULL THEN
          DELETE FROM customer_last_order WHERE customer_id = buyer;
        ELSE
          INSERT INTO customer_last_order (customer_id, last_order_at) VALUES (buyer, latest)
            ON DUPLICATE KEY UPDATE last_order_at = latest;
        END IF;`,
    )}`;

/** order_buyers and customer_last_order, re-derived from `user_ids` on every order write. */
const BUYER_PROJECTION_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_youzan_orders_buyers_ai',
    rule: 'every valid buyer id of a new order is one of its buyers (junk and repeats ignored), and its time raises their last order',
    timing: 'AFTER',
    event: 'INSERT',
    table: 'youzan_orders',
    body: `BEGIN ${DECLARE_LOOP_VARS}
      ${ADD_BUYERS('NEW')}
    END`,
  },
  {
    name: 'trg_youzan_orders_buyers_au',
    rule: 'an order whose buyers or time change moves between buyers, and each affected last order is recomputed',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'youzan_orders',
    body: `BEGIN ${DECLARE_LOOP_VARS}
      IF NOT (OLD.id <=> NEW.id)
        OR NOT (OLD.user_ids <=> NEW.user_ids)
        OR NOT (OLD.order_creation_time <=> NEW.order_creation_time) THEN
        ${REMOVE_BUYERS('OLD')}
        ${ADD_BUYERS('NEW')}
      END IF;
    END`,
  },
  {
    name: 'trg_youzan_orders_buyers_ad',
    rule: "a deleted order is no one's order any more, and a buyer left without orders has no last order",
    timing: 'AFTER',
    event: 'DELETE',
    table: 'youzan_orders',
    body: `BEGIN ${DECLARE_LOOP_VARS}
      ${REMOVE_BUYERS('OLD')}
    END`,
  },
];

/** The projection row of link `l` (NEW or OLD), if its order exists. */
const ADD_LINK = (l: 'NEW') => `
    INSERT INTO customer_label_orders (label_id, order_creation_time, customer_id, link_id)
    SELECT ${l}.label_id, o.order_creation_time, ${l}.customer_id, ${l}.id
      FROM youzan_orders o WHERE o.id = ${l}.order_id
    ON DUPLICATE KEY UPDATE link_id = customer_label_orders.link_id;`;

const REMOVE_LINK = (l: 'OLD') => `
    DELETE p FROM customer_label_orders p
      JOIN youzan_orders o ON o.id = ${l}.order_id
     WHERE p.label_id = ${l}.label_id AND p.order_creation_time = o.order_creation_time
       AND p.customer_id = ${l}.customer_id AND p.link_id = ${l}.id;`;

/** The projection rows of every link of order `o` (NEW or OLD). */
const ADD_ORDER = (o: 'NEW') => `
    INSERT INTO customer_label_orders (label_id, order_creation_time, customer_id, link_id)
    SELECT l.label_id, ${o}.order_creation_time, l.customer_id, l.id
      FROM wechat_customers_labels l WHERE l.order_id = ${o}.id
    ON DUPLICATE KEY UPDATE link_id = customer_label_orders.link_id;`;

const REMOVE_ORDER = (o: 'OLD') => `
    DELETE p FROM wechat_customers_labels l
      JOIN customer_label_orders p
        ON p.label_id = l.label_id AND p.order_creation_time = ${o}.order_creation_time
       AND p.customer_id = l.customer_id AND p.link_id = l.id
     WHERE l.order_id = ${o}.id;`;

/**
 * customer_label_orders: one row per label link whose order exists, with that order's time.
 * They find an order's links through idx_wcl_order and a projection row through its full
 * primary key, so every write costs a few index dives.
 */
const LABEL_ORDER_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_wcl_label_orders_ai',
    rule: "a label link is projected with its order's time once that order exists",
    timing: 'AFTER',
    event: 'INSERT',
    table: 'wechat_customers_labels',
    // A writer of many links projects them in one statement (SET_BASED_LINKS).
    body: `BEGIN
      IF ${SET_BASED_LINKS} IS NULL THEN ${ADD_LINK('NEW')}
      END IF;
    END`,
  },
  // An AFTER UPDATE trigger sees the link already changed, so OLD's row is found by OLD's
  // values (its order is unchanged by this statement).
  {
    name: 'trg_wcl_label_orders_au',
    rule: 'a label link whose label, customer or order changes moves its projection row',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'wechat_customers_labels',
    body: `BEGIN
      IF NOT (OLD.id <=> NEW.id) OR NOT (OLD.label_id <=> NEW.label_id)
        OR NOT (OLD.customer_id <=> NEW.customer_id) OR NOT (OLD.order_id <=> NEW.order_id) THEN
        ${REMOVE_LINK('OLD')}
        ${ADD_LINK('NEW')}
      END IF;
    END`,
  },
  {
    name: 'trg_wcl_label_orders_ad',
    rule: 'a deleted label link leaves the projection',
    timing: 'AFTER',
    event: 'DELETE',
    table: 'wechat_customers_labels',
    body: `BEGIN ${REMOVE_LINK('OLD')}
    END`,
  },
  {
    name: 'trg_youzan_orders_label_orders_ai',
    rule: 'an order arriving after its label links projects them',
    timing: 'AFTER',
    event: 'INSERT',
    table: 'youzan_orders',
    body: `BEGIN ${ADD_ORDER('NEW')}
    END`,
  },
  {
    name: 'trg_youzan_orders_label_orders_au',
    rule: "an order whose id or time changes moves its links' projection rows",
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'youzan_orders',
    body: `BEGIN
      IF NOT (OLD.id <=> NEW.id) OR NOT (OLD.order_creation_time <=> NEW.order_creation_time) THEN
        ${REMOVE_ORDER('OLD')}
        ${ADD_ORDER('NEW')}
      END IF;
    END`,
  },
  {
    name: 'trg_youzan_orders_label_orders_ad',
    rule: 'a deleted order takes the projection rows of its links with it',
    timing: 'AFTER',
    event: 'DELETE',
    table: 'youzan_orders',
    body: `BEGIN ${REMOVE_ORDER('OLD')}
    END`,
  },
];

/** Lists `NEW.external_userid` when another customer holds it. */
const ADD_IF_SHARED = `
    IF NEW.external_userid IS NOT NULL AND NEW.external_userid <> '' THEN
      SELECT COUNT(*) INTO holders FROM customers c
       WHERE c.external_userid = NEW.external_userid AND c.id <> NEW.id
       LOCK IN SHARE MODE;
      IF holders > 0 THEN
        INSERT INTO customer_shared_external_ids (external_userid) VALUES (NEW.external_userid)
        ON DUPLICATE KEY UPDATE external_userid = customer_shared_external_ids.external_userid;
      END IF;
    END IF;`;

/**
 * customer_shared_external_ids may hold more than it must, never less: a missing id would let
 * two customers sharing it both receive the message, so nothing is ever removed. The check
 * is a locking read, so of two transactions writing one id concurrently the later sees the
 * other (or one is a deadlock victim its writer retries).
 */
const SHARED_EXTERNAL_ID_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_customers_shared_external_ai',
    rule: 'a customer inserted with an external id another customer holds lists that id as shared',
    timing: 'AFTER',
    event: 'INSERT',
    table: 'customers',
    // A writer of many customers checks them in one statement (SET_BASED_CUSTOMERS).
    body: `BEGIN
      DECLARE holders INT DEFAULT 0;
      IF ${SET_BASED_CUSTOMERS} IS NULL THEN ${ADD_IF_SHARED}
      END IF;
    END`,
  },
  // Byte-exact change test: an update from 'wm1' to 'WM1' moves to another WeCom id.
  {
    name: 'trg_customers_shared_external_au',
    rule: 'a customer updated to an external id another customer holds lists that id as shared',
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'customers',
    body: `BEGIN
      DECLARE holders INT DEFAULT 0;
      IF NOT (CAST(OLD.external_userid AS BINARY) <=> CAST(NEW.external_userid AS BINARY))
        OR OLD.id <> NEW.id THEN
        ${ADD_IF_SHARED}
      END IF;
    END`,
  },
];

/**
 * customer_last_order.external_userid: the buyer's customers.external_userid (NULL without a
 * customers row), so the window index (last_order_at, customer_id, external_userid) answers
 * "reachable customers of the window" without a customers dive per candidate (issue 21,
 * migration 1735340000000). A new row reads its customer with a locking read — a customer
 * written by a transaction still open is waited for, not read stale — and every write of a
 * customer's id or key is copied to its row.
 */
const REACH_TRIGGERS: readonly TriggerDefinition[] = [
  {
    name: 'trg_customer_last_order_reach_bi',
    rule: "a buyer's last order carries the customer's external id, none without a customers row",
    timing: 'BEFORE',
    event: 'INSERT',
    table: 'customer_last_order',
    body: `BEGIN
      SET NEW.external_userid = (SELECT c.external_userid FROM customers c
                                  WHERE c.id = NEW.customer_id LOCK IN SHARE MODE);
    END`,
  },
  {
    name: 'trg_customers_last_order_reach_ai',
    rule: "a customer inserted after their orders gives their last order the customer's external id",
    timing: 'AFTER',
    event: 'INSERT',
    table: 'customers',
    body: `BEGIN
      UPDATE customer_last_order SET external_userid = NEW.external_userid
       WHERE customer_id = NEW.id;
    END`,
  },
  {
    name: 'trg_customers_last_order_reach_au',
    rule: "a customer's changed external id or key moves to their last order",
    timing: 'AFTER',
    event: 'UPDATE',
    table: 'customers',
    body: `BEGIN
      IF OLD.id <> NEW.id THEN
        UPDATE customer_last_order SET external_userid = NULL WHERE customer_id = OLD.id;
      END IF;
      IF OLD.id <> NEW.id
        OR NOT (CAST(OLD.external_userid AS BINARY) <=> CAST(NEW.external_userid AS BINARY)) THEN
        UPDATE customer_last_order SET external_userid = NEW.external_userid
         WHERE customer_id = NEW.id;
      END IF;
    END`,
  },
  {
    name: 'trg_customers_last_order_reach_ad',
    rule: "a deleted customer's last order is unreachable",
    timing: 'AFTER',
    event: 'DELETE',
    table: 'customers',
    body: `BEGIN
      UPDATE customer_last_order SET external_userid = NULL WHERE customer_id = OLD.id;
    END`,
  },
];

/** Every audience trigger, in the order the migrations created them. */
export const AUDIENCE_TRIGGERS: readonly TriggerDefinition[] = [
  ...BUYER_PROJECTION_TRIGGERS,
  ...LABEL_ORDER_TRIGGERS,
  ...SHARED_EXTERNAL_ID_TRIGGERS,
  ...REACH_TRIGGERS,
];

/** user_ids is VARCHAR(255), so at most 128 comma-separated items. */
const MAX_BUYERS_PER_ORDER = 128;

type Key = string | number;

/**
 * Half-open ranges [lo, hi) of `column` holding about `size` rows each (hi null: to the end).
 * Bounds are read from the table, never computed, so sparse or 64-bit ids work.
 */
async function* keyRanges(
  q: SqlRunner,
  table: string,
  column: string,
  size: number,
): AsyncGenerator<[Key, Key | null]> {
  const [first] = (await q.query(`SELECT MIN(${column}) AS k FROM ${table}`)) as {
    k: Key | null;
  }[];
  let lo = first.k;
  while (lo !== null) {
    const [next] = (await q.query(
      `SELECT ${column} AS k FROM ${table} WHERE ${column} >= ? ORDER BY ${column} LIMIT 1 OFFSET ?`,
      [lo, size],
    )) as { k: Key }[];
    let hi: Key | null = next ? next.k : null;
    if (hi !== null && String(hi) === String(lo)) {
      const [after] = (await q.query(
        `SELECT MIN(${column}) AS k FROM ${table} WHERE ${column} > ?`,
        [lo],
      )) as { k: Key | null }[];
      hi = after.k;
    }
    yield [lo, hi];
    lo = hi;
  }
}

const inRange = (column: string, hi: Key | null) =>
  hi === null ? `${column} >= ?` : `${column} >= ? AND ${column} < ?`;
const rangeParams = (lo: Key, hi: Key | null) => (hi === null ? [lo] : [lo, hi]);

/**
 * Derives order_buyers and customer_last_order (with each buyer's external id) from the
 * orders and customers already present, in key chunks so no statement holds millions of row
 * locks. Idempotent (upserts), so it may run
 * while the triggers already handle new writes.
 */
export async function backfillBuyerProjection(q: SqlRunner, chunk = 200_000): Promise<void> {
  await q.query(`DROP TEMPORARY TABLE IF EXISTS tmp_buyer_item_no`);
  await q.query(`CREATE TEMPORARY TABLE tmp_buyer_item_no (n INT NOT NULL PRIMARY KEY)`);
  await q.query(
    `INSERT INTO tmp_buyer_item_no (n) VALUES ${Array.from(
      { length: MAX_BUYERS_PER_ORDER },
      (_, i) => `(${i + 1})`,
    ).join(',')}`,
  );
  const item = `TRIM(SUBSTRING_INDEX(SUBSTRING_INDEX(o.user_ids, ',', n.n), ',', -1))`;
  for await (const [lo, hi] of keyRanges(q, 'youzan_orders', 'id', chunk)) {
    await q.query(
      `INSERT INTO order_buyers (customer_id, order_creation_time, order_id)
       SELECT CAST(${item} AS UNSIGNED), o.order_creation_time, o.id
         FROM youzan_orders o
         JOIN tmp_buyer_item_no n
           ON n.n <= 1 + LENGTH(o.user_ids) - LENGTH(REPLACE(o.user_ids, ',', ''))
        WHERE ${inRange('o.id', hi)} AND ${item} REGEXP ${VALID_BUYER}
       ON DUPLICATE KEY UPDATE order_id = order_buyers.order_id`,
      rangeParams(lo, hi),
    );
  }
  await q.query(`DROP TEMPORARY TABLE tmp_buyer_item_no`);

  for await (const [lo, hi] of keyRanges(q, 'order_buyers', 'customer_id', chunk)) {
    await q.query(
      `INSERT INTO customer_last_order (customer_id, last_order_at, external_userid)
       SELECT agg.customer_id, agg.latest, c.external_userid
         FROM (SELECT customer_id, MAX(order_creation_time) AS latest
                 FROM order_buyers WHERE ${inRange('customer_id', hi)}
                GROUP BY customer_id) agg
         LEFT JOIN customers c ON c.id = agg.customer_id
       ON DUPLICATE KEY UPDATE last_order_at = GREATEST(customer_last_order.last_order_at, agg.latest),
                               external_userid = VALUES(external_userid)`,
      rangeParams(lo, hi),
    );
  }
}

/**
 * Derives customer_label_orders from the links already present, in chunks of whole labels
 * holding about `chunk` links (bounds read from idx_wcl_label_order, so sparse ids work;
 * a label with more links than that is one chunk), each inserted in primary-key order so
 * the key is appended to rather than split at random places. Idempotent.
 */
export async function backfillLabelOrders(q: SqlRunner, chunk = 500_000): Promise<void> {
  const index = 'FORCE INDEX (idx_wcl_label_order)';
  const [first] = (await q.query(`SELECT MIN(label_id) AS k FROM wechat_customers_labels`)) as {
    k: Key | null;
  }[];
  let lo = first.k;
  while (lo !== null) {
    const [next] = (await q.query(
      `SELECT label_id AS k FROM wechat_customers_labels ${index}
        WHERE label_id >= ? ORDER BY label_id LIMIT 1 OFFSET ?`,
      [lo, chunk],
    )) as { k: Key }[];
    let hi: Key | null = next ? next.k : null;
    if (hi !== null && String(hi) === String(lo)) {
      const [after] = (await q.query(
        `SELECT MIN(label_id) AS k FROM wechat_customers_labels WHERE label_id > ?`,
        [lo],
      )) as { k: Key | null }[];
      hi = after.k;
    }
    await q.query(
      `INSERT INTO customer_label_orders (label_id, order_creation_time, customer_id, link_id)
       SELECT l.label_id, o.order_creation_time, l.customer_id, l.id
         FROM wechat_customers_labels l ${index} JOIN youzan_orders o ON o.id = l.order_id
        WHERE l.label_id >= ? ${hi === null ? '' : 'AND l.label_id < ?'}
        ORDER BY l.label_id, o.order_creation_time, l.customer_id, l.id
       ON DUPLICATE KEY UPDATE link_id = customer_label_orders.link_id`,
      hi === null ? [lo] : [lo, hi],
    );
    lo = hi;
  }
}

/** Lists every id two or more customers hold now (idempotent; one pass over the index). */
export async function backfillSharedExternalIds(q: SqlRunner): Promise<void> {
  await q.query(`
    INSERT INTO customer_shared_external_ids (external_userid)
    SELECT external_userid FROM customers FORCE INDEX (idx_customers_external)
     WHERE external_userid IS NOT NULL AND external_userid <> ''
     GROUP BY external_userid HAVING COUNT(*) > 1
    ON DUPLICATE KEY UPDATE external_userid = customer_shared_external_ids.external_userid`);
}
