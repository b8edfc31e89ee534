import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the audience engine needs to stay set-based at millions of orders (docs/AUDIENCE.md):
 *
 * - `order_buyers (customer_id, order_creation_time, order_id)`: one row per buyer of an order,
 *   `youzan_orders.user_ids` split on ',' (items trimmed; anything but 1..19 digits ignored;
 *   a buyer listed twice counts once). The primary key answers "orders of a customer by
 *   time"; the `order_id` index lets an order's rows be replaced.
 * - `customer_last_order (customer_id, last_order_at)`: the max order_creation_time over
 *   the customer's orders, indexed by (last_order_at, customer_id) so a day window is one
 *   index range read in a stable order.
 * - Triggers on youzan_orders re-derive both from `user_ids` on every insert, update and
 *   delete, inside the writing statement's transaction, so they never drift. A delete or an
 *   update recomputes the affected customers' last order from order_buyers' primary key.
 * - `idx_wcl_customer_label_order` on wechat_customers_labels: "does this customer hold one
 *   of these labels" is one index dive per (customer, label).
 *
 * Triggers and the backfill use only syntax MariaDB 10.11 and MySQL 8 share. On MySQL with
 * binary logging, creating triggers needs SUPER or log_bin_trust_function_creators = 1.
 */
export class AudienceBuyerProjection1732400000000 implements MigrationInterface {
  name = 'AudienceBuyerProjection1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_buyers (
        customer_id BIGINT UNSIGNED NOT NULL,
        order_creation_time DATETIME NOT NULL COMMENT 'Asia/Shanghai, copied from youzan_orders',
        order_id BIGINT UNSIGNED NOT NULL,
        PRIMARY KEY (customer_id, order_creation_time, order_id),
        KEY idx_order_buyers_order (order_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci
        COMMENT 'buyers of youzan_orders, maintained by triggers on youzan_orders'`);
    await q.query(`
      CREATE TABLE customer_last_order (
        customer_id BIGINT UNSIGNED NOT NULL,
        last_order_at DATETIME NOT NULL COMMENT 'Asia/Shanghai',
        PRIMARY KEY (customer_id),
        KEY idx_customer_last_order_at (last_order_at, customer_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci
        COMMENT 'max(order_creation_time) per buyer, maintained by triggers on youzan_orders'`);
    await q.query(
      `ALTER TABLE wechat_customers_labels
         ADD INDEX idx_wcl_customer_label_order (customer_id, label_id, order_id)`,
    );
    await createBuyerProjectionTriggers(q);
    await backfillBuyerProjection(q);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of BUYER_PROJECTION_TRIGGERS) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
    await q.query(`ALTER TABLE wechat_customers_labels DROP INDEX idx_wcl_customer_label_order`);
    await q.query(`DROP TABLE IF EXISTS customer_last_order`);
    await q.query(`DROP TABLE IF EXISTS order_buyers`);
  }
}

const BUYER_PROJECTION_TRIGGERS = [
  'trg_youzan_orders_buyers_ai',
  'trg_youzan_orders_buyers_au',
  'trg_youzan_orders_buyers_ad',
] as const;

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

/** Creates the triggers that keep order_buyers and customer_last_order in step with youzan_orders. */
async function createBuyerProjectionTriggers(q: QueryRunner): Promise<void> {
  const [ai, au, ad] = BUYER_PROJECTION_TRIGGERS;
  await q.query(`
    CREATE TRIGGER ${ai} AFTER INSERT ON youzan_orders FOR EACH ROW
    BEGIN ${DECLARE_LOOP_VARS}
      ${ADD_BUYERS('NEW')}
    END`);
  await q.query(`
    CREATE TRIGGER ${au} AFTER UPDATE ON youzan_orders FOR EACH ROW
    BEGIN ${DECLARE_LOOP_VARS}
      IF NOT (OLD.id <=> NEW.id)
        OR NOT (OLD.user_ids <=> NEW.user_ids)
        OR NOT (OLD.order_creation_time <=> NEW.order_creation_time) THEN
        ${REMOVE_BUYERS('OLD')}
        ${ADD_BUYERS('NEW')}
      END IF;
    END`);
  await q.query(`
    CREATE TRIGGER ${ad} AFTER DELETE ON youzan_orders FOR EACH ROW
    BEGIN ${DECLARE_LOOP_VARS}
      ${REMOVE_BUYERS('OLD')}
    END`);
}

/** user_ids is VARCHAR(255), so at most 128 comma-separated items. */
const MAX_BUYERS_PER_ORDER = 128;

type Key = string | number;

/**
 * Half-open ranges [lo, hi) of `column` holding about `size` rows each (hi null: to the end).
 * Bounds are read from the table, never computed, so sparse or 64-bit ids work.
 */
async function* keyRanges(
  q: QueryRunner,
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
 * Derives order_buyers and customer_last_order from the orders already present, in key
 * chunks so no statement holds millions of row locks. Idempotent (upserts), so it may run
 * while the triggers already handle new writes.
 */
async function backfillBuyerProjection(q: QueryRunner, chunk = 200_000): Promise<void> {
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
      `INSERT INTO customer_last_order (customer_id, last_order_at)
       SELECT agg.customer_id, agg.latest
         FROM (SELECT customer_id, MAX(order_creation_time) AS latest
                 FROM order_buyers WHERE ${inRange('customer_id', hi)}
                GROUP BY customer_id) agg
       ON DUPLICATE KEY UPDATE last_order_at = GREATEST(customer_last_order.last_order_at, agg.latest)`,
      rangeParams(lo, hi),
    );
  }
}
