import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21 (audience at any window in under a second): `customer_last_order` carries the
 * customer's `external_userid`, and its window index covers it —
 * `idx_customer_last_order_at (last_order_at, customer_id, external_userid)` — so a window's
 * reachable customers, and their count, are one index range read without a `customers`
 * primary-key dive per candidate (0–180 days on the 1M / 10M set: 894,334 dives).
 *
 * Kept exactly in step with `customers.external_userid` by triggers:
 * - BEFORE INSERT on customer_last_order (every write of the buyer triggers and the
 *   backfill is an insert or an upsert): the row takes its customer's id — a locking read,
 *   so a customer inserted or changed by a transaction still open is waited for, never
 *   read stale; no customers row: NULL (unreachable, as before);
 * - AFTER INSERT / UPDATE / DELETE on customers: the customer's row takes the new id (NULL
 *   when the customer is deleted, or moved to another primary key).
 * The column is then backfilled from `customers` in key ranges.
 *
 * Frozen copy of the trigger SQL (libs/audience/src/audience.triggers.ts holds the runtime
 * definitions; libs/stats/test/triggers.e2e-spec.ts compares them).
 */
export class AudienceReach1735340000000 implements MigrationInterface {
  name = 'AudienceReach1735340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_last_order
        ADD COLUMN external_userid VARCHAR(128) NULL
          COMMENT 'customers.external_userid of the buyer (NULL: no customers row), kept by triggers',
        DROP INDEX idx_customer_last_order_at,
        ADD INDEX idx_customer_last_order_at (last_order_at, customer_id, external_userid)`);
    for (const [name, sql] of TRIGGERS) await q.query(`CREATE TRIGGER ${name} ${sql}`);
    const [bounds] = (await q.query(
      'SELECT MIN(customer_id) AS lo, MAX(customer_id) AS hi FROM customer_last_order',
    )) as { lo: string | null; hi: string | null }[];
    if (bounds.lo === null || bounds.hi === null) return;
    let lo = BigInt(bounds.lo);
    const hi = BigInt(bounds.hi);
    while (lo <= hi) {
      const next = lo + 200_000n;
      await q.query(
        `UPDATE customer_last_order s JOIN customers c ON c.id = s.customer_id
            SET s.external_userid = c.external_userid
          WHERE s.customer_id >= ? AND s.customer_id < ?`,
        [lo.toString(), next.toString()],
      );
      lo = next;
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of TRIGGERS) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
    await q.query(`
      ALTER TABLE customer_last_order
        DROP INDEX idx_customer_last_order_at,
        ADD INDEX idx_customer_last_order_at (last_order_at, customer_id),
        DROP COLUMN external_userid`);
  }
}

const TRIGGERS: [string, string][] = [
  [
    'trg_customer_last_order_reach_bi',
    `BEFORE INSERT ON customer_last_order FOR EACH ROW BEGIN
      SET NEW.external_userid = (SELECT c.external_userid FROM customers c
                                  WHERE c.id = NEW.customer_id LOCK IN SHARE MODE);
    END`,
  ],
  [
    'trg_customers_last_order_reach_ai',
    `AFTER INSERT ON customers FOR EACH ROW BEGIN
      UPDATE customer_last_order SET external_userid = NEW.external_userid
       WHERE customer_id = NEW.id;
    END`,
  ],
  [
    'trg_customers_last_order_reach_au',
    `AFTER UPDATE ON customers FOR EACH ROW BEGIN
      IF OLD.id <> NEW.id THEN
        UPDATE customer_last_order SET external_userid = NULL WHERE customer_id = OLD.id;
      END IF;
      IF OLD.id <> NEW.id
        OR NOT (CAST(OLD.external_userid AS BINARY) <=> CAST(NEW.external_userid AS BINARY)) THEN
        UPDATE customer_last_order SET external_userid = NEW.external_userid
         WHERE customer_id = NEW.id;
      END IF;
    END`,
  ],
  [
    'trg_customers_last_order_reach_ad',
    `AFTER DELETE ON customers FOR EACH ROW BEGIN
      UPDATE customer_last_order SET external_userid = NULL WHERE customer_id = OLD.id;
    END`,
  ],
];
