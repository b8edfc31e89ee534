import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Order value and status (issue 17): what an order is worth, and whether it still counts.
 *
 * - `youzan_orders.refunded_fee` DECIMAL(12,2) NULL: yuan refunded so far (Youzan's refund
 *   messages' `refunded_fee`, summed over the trade's successful refunds), beside the
 *   existing `payment` (`pay_info.payment`). `status` ENUM NULL: paid / completed / closed /
 *   refunded, derived by the connector from Youzan's `order_info.status` and `refund_state`
 *   (`deriveOrderStatus` in libs/database). All NULL for existing rows.
 * - An order counts as a conversion while it is not closed (nor refunded in full) and its
 *   payment minus refunds is above 0; payment NULL (amounts unknown) counts as before. Its
 *   revenue is payment minus refunds.
 * - `wechat_push_attributions` holds conversions only, each with its order's `revenue`
 *   (NULL: unknown), carried in both covering indexes so every order figure sums it from the
 *   index it already reads. The attribution triggers on `order_buyers` attribute only
 *   converting orders; a new trigger on `youzan_orders` follows refunds and status changes
 *   (they arrive as updates): an order that stops counting leaves its attributions, one that
 *   counts again comes back, a new amount rewrites their revenue.
 * - Backfill: existing attribution rows get their order's revenue; those of orders that do
 *   not count (a payment of 0) are deleted. Then the two indexes are rebuilt (online).
 *
 * Frozen copy of the trigger SQL (libs/stats/src/ingest/stats.triggers.ts holds the runtime
 * definition; libs/stats/test/triggers.e2e-spec.ts compares them).
 */
export class OrderValueAndStatus1733500000000 implements MigrationInterface {
  name = 'OrderValueAndStatus1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE youzan_orders
        ADD COLUMN refunded_fee DECIMAL(12, 2) NULL
          COMMENT 'yuan refunded so far (Youzan refunded_fee, summed); NULL unknown' AFTER payment,
        ADD COLUMN status ENUM('paid', 'completed', 'closed', 'refunded') NULL
          COMMENT 'normalised from Youzan order_info.status and refund_state; NULL unknown' AFTER refunded_fee`);
    await q.query(`
      ALTER TABLE wechat_push_attributions
        ADD COLUMN revenue DECIMAL(12, 2) NULL
          COMMENT 'the order''s payment - refunded_fee; NULL: amounts unknown'`);
    await backfillRevenue(q);
    await q.query(`
      ALTER TABLE wechat_push_attributions
        DROP INDEX idx_attributions_run,
        ADD INDEX idx_attributions_run (run_id, lag_seconds, run_day, recipient_key, order_number, revenue),
        DROP INDEX idx_attributions_goods,
        ADD INDEX idx_attributions_goods
          (run_id, lag_seconds, recipient_key, order_number, goods_labels, revenue)`);
    await q.query('DROP TRIGGER IF EXISTS trg_order_buyers_attribution_ai');
    await q.query('DROP TRIGGER IF EXISTS trg_order_buyers_attribution_au');
    await q.query(
      `CREATE TRIGGER trg_order_buyers_attribution_ai AFTER INSERT ON order_buyers FOR EACH ROW BEGIN ${ATTRIBUTE('NEW')}
    END`,
    );
    await q.query(
      `CREATE TRIGGER trg_order_buyers_attribution_au AFTER UPDATE ON order_buyers FOR EACH ROW BEGIN ${UNATTRIBUTE('OLD')} ${ATTRIBUTE('NEW')}
    END`,
    );
    await q.query(
      `CREATE TRIGGER trg_youzan_orders_attribution_au AFTER UPDATE ON youzan_orders FOR EACH ROW BEGIN
      IF NOT (OLD.payment <=> NEW.payment AND OLD.refunded_fee <=> NEW.refunded_fee
              AND OLD.status <=> NEW.status) THEN
        IF ${CONVERTS('NEW')} THEN
          UPDATE wechat_push_attributions SET revenue = ${REVENUE('NEW')}
           WHERE order_id = NEW.id;
          IF NOT (${CONVERTS('OLD')}) THEN
            INSERT IGNORE INTO wechat_push_attributions ${COLUMNS}
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
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS trg_youzan_orders_attribution_au');
    await q.query('DROP TRIGGER IF EXISTS trg_order_buyers_attribution_ai');
    await q.query('DROP TRIGGER IF EXISTS trg_order_buyers_attribution_au');
    await q.query(`
    CREATE TRIGGER trg_order_buyers_attribution_ai AFTER INSERT ON order_buyers FOR EACH ROW
    BEGIN ${OLD_ATTRIBUTE('NEW')}
    END`);
    await q.query(`
    CREATE TRIGGER trg_order_buyers_attribution_au AFTER UPDATE ON order_buyers FOR EACH ROW
    BEGIN ${UNATTRIBUTE('OLD')} ${OLD_ATTRIBUTE('NEW')}
    END`);
    await q.query(`
      ALTER TABLE wechat_push_attributions
        DROP INDEX idx_attributions_run,
        ADD INDEX idx_attributions_run (run_id, lag_seconds, run_day, recipient_key, order_number),
        DROP INDEX idx_attributions_goods,
        ADD INDEX idx_attributions_goods
          (run_id, lag_seconds, recipient_key, order_number, goods_labels),
        DROP COLUMN revenue`);
    await q.query(`
      ALTER TABLE youzan_orders
        DROP COLUMN status,
        DROP COLUMN refunded_fee`);
  }
}

const MAX_DAYS = 90;

const CONVERTS = (o: string) =>
  `(${o}.status IS NULL OR ${o}.status NOT IN ('closed', 'refunded'))
         AND (${o}.payment IS NULL OR ${o}.payment - IFNULL(${o}.refunded_fee, 0) > 0)`;

const REVENUE = (o: string) => `${o}.payment - IFNULL(${o}.refunded_fee, 0)`;

const COLUMNS = `(order_id, customer_id, batch_id, run_id, run_day, recipient_key,
         order_number, order_time, pushed_at, lag_seconds, revenue)`;

const ATTRIBUTED_ROWS = (ob: string, yo: string) => `
      SELECT ${ob}.order_id, ${ob}.customer_id, d.batch_id, d.run_id, d.run_day, d.recipient_key,
             ${yo}.order_number, ${ob}.order_creation_time, d.pushed_at,
             TIMESTAMPDIFF(SECOND, d.pushed_at, ${ob}.order_creation_time), ${REVENUE(yo)}`;

const PUSHES_BEFORE = (ob: string) => `d.recipient_key = ${ob}.customer_id
         AND d.customer_id = ${ob}.customer_id
         AND d.accepted = 1
         AND d.pushed_at <= ${ob}.order_creation_time
         AND ${ob}.order_creation_time <= d.pushed_at + INTERVAL ${MAX_DAYS} DAY`;

const ATTRIBUTE = (o: 'NEW') => `
      INSERT IGNORE INTO wechat_push_attributions ${COLUMNS}
      ${ATTRIBUTED_ROWS(o, 'yo')}
        FROM youzan_orders yo
        JOIN wechat_push_deliveries d ON ${PUSHES_BEFORE(o)}
       WHERE yo.id = ${o}.order_id AND ${CONVERTS('yo')};`;

const UNATTRIBUTE = (o: 'OLD') => `
      DELETE FROM wechat_push_attributions
       WHERE order_id = ${o}.order_id AND customer_id = ${o}.customer_id;`;

/** The attribution before this migration (for down()). */
const OLD_ATTRIBUTE = (o: 'NEW') => `
      INSERT IGNORE INTO wechat_push_attributions
        (order_id, customer_id, batch_id, run_id, run_day, recipient_key, order_number,
         order_time, pushed_at, lag_seconds)
      SELECT ${o}.order_id, ${o}.customer_id, d.batch_id, d.run_id, d.run_day, d.recipient_key,
             (SELECT yo.order_number FROM youzan_orders yo WHERE yo.id = ${o}.order_id),
             ${o}.order_creation_time, d.pushed_at,
             TIMESTAMPDIFF(SECOND, d.pushed_at, ${o}.order_creation_time)
        FROM wechat_push_deliveries d
       WHERE d.recipient_key = ${o}.customer_id AND d.customer_id = ${o}.customer_id
         AND d.accepted = 1
         AND d.pushed_at <= ${o}.order_creation_time
         AND ${o}.order_creation_time <= d.pushed_at + INTERVAL ${MAX_DAYS} DAY;`;

/**
 * Each attribution row gets its order's revenue and those of orders that do not count go, in
 * chunks of order ids so no statement runs long.
 */
async function backfillRevenue(q: QueryRunner, chunk = 200_000): Promise<void> {
  const [range] = (await q.query(
    'SELECT MIN(order_id) AS lo, MAX(order_id) AS hi FROM wechat_push_attributions',
  )) as { lo: string | number | null; hi: string | number | null }[];
  if (range.lo === null || range.hi === null) return;
  for (let from = BigInt(range.lo); from <= BigInt(range.hi); from += BigInt(chunk)) {
    const bounds = [String(from), String(from + BigInt(chunk))];
    await q.query(
      `DELETE a FROM wechat_push_attributions a JOIN youzan_orders yo ON yo.id = a.order_id
        WHERE a.order_id >= ? AND a.order_id < ? AND NOT (${CONVERTS('yo')})`,
      bounds,
    );
    await q.query(
      `UPDATE wechat_push_attributions a JOIN youzan_orders yo ON yo.id = a.order_id
          SET a.revenue = ${REVENUE('yo')}
        WHERE a.order_id >= ? AND a.order_id < ?`,
      bounds,
    );
  }
}
