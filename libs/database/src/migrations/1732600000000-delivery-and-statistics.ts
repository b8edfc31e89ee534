import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery tracking and effect statistics (SPEC §6 last point, §7; docs/STATISTICS.md):
 *
 * - `wechat_push_deliveries`: one row per recipient of a sent batch — accepted by WeCom or
 *   in its fail_list, the member WeCom assigned, and the member's result (status 0..3, send
 *   time) once polled. Primary key (batch_id, external_userid): a batch's rows are written
 *   in key order and re-polling updates in place. `recipient_key` is the recipient's
 *   identity for distinct counts (customers.id, or a hash above 2^63 when no customer row
 *   has the id); `idx_deliveries_recipient` is ordered by it, so a distinct count over
 *   millions of rows is one streamed index scan with no temporary table.
 * - `wechat_push_attributions`: (accepted delivery, order of that customer created within
 *   ATTRIBUTION_MAX_DAYS after the push), kept in step with `order_buyers` by triggers and
 *   filled for existing orders when deliveries are written, so order counts never join
 *   millions of recipients to millions of orders at query time.
 * - `wechat_push_delivery_tasks`: the tracking state of each sent batch's WeCom task.
 * - `wechat_push_reminders`: every remind_groupmsg_send claimed, so the per-24-h limit holds
 *   across restarts and replicas.
 */
export class DeliveryAndStatistics1732600000000 implements MigrationInterface {
  name = 'DeliveryAndStatistics1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push_deliveries (
        batch_id BIGINT UNSIGNED NOT NULL,
        external_userid VARCHAR(128) NOT NULL,
        run_id BIGINT UNSIGNED NOT NULL,
        push_id BIGINT UNSIGNED NOT NULL,
        run_day DATE NOT NULL COMMENT 'Shanghai date of the run slot (daily statistics)',
        recipient_key BIGINT UNSIGNED NOT NULL
          COMMENT 'customers.id of external_userid (lowest if several), else 2^63 | hash(external_userid)',
        customer_id BIGINT UNSIGNED NULL,
        pushed_at DATETIME NOT NULL COMMENT 'when WeCom accepted the batch (Asia/Shanghai)',
        accepted TINYINT NOT NULL COMMENT '0 = in the batch fail_list',
        sender_userid VARCHAR(64) NULL COMMENT 'member the customer was assigned to (from get_groupmsg_send_result)',
        status TINYINT NULL COMMENT 'NULL not polled yet; 0 not sent, 1 sent, 2 not a friend, 3 over the receive cap',
        send_time DATETIME NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (batch_id, external_userid),
        KEY idx_deliveries_recipient (recipient_key, run_day, run_id, accepted, status, pushed_at),
        KEY idx_deliveries_run (run_id, recipient_key, accepted, status, pushed_at, sender_userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE wechat_push_attributions (
        order_id BIGINT UNSIGNED NOT NULL,
        customer_id BIGINT UNSIGNED NOT NULL,
        batch_id BIGINT UNSIGNED NOT NULL,
        run_id BIGINT UNSIGNED NOT NULL,
        run_day DATE NOT NULL,
        recipient_key BIGINT UNSIGNED NOT NULL,
        order_number VARCHAR(64) NOT NULL,
        order_time DATETIME NOT NULL,
        pushed_at DATETIME NOT NULL,
        lag_seconds INT UNSIGNED NOT NULL COMMENT 'order_time - pushed_at',
        PRIMARY KEY (order_id, customer_id, batch_id),
        KEY idx_attributions_run (run_id, lag_seconds, run_day, recipient_key, order_number)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci
        COMMENT 'orders of accepted recipients within ${ATTRIBUTION_MAX_DAYS} days after the push; maintained by triggers on order_buyers'`);

    await q.query(`
      CREATE TABLE wechat_push_delivery_tasks (
        batch_id BIGINT UNSIGNED NOT NULL,
        run_id BIGINT UNSIGNED NOT NULL,
        msgid VARCHAR(128) NOT NULL,
        state VARCHAR(16) NOT NULL COMMENT 'tracking | final | expired',
        sent_at DATETIME NOT NULL,
        rows_at DATETIME NULL COMMENT 'when the delivery rows were written',
        polls INT NOT NULL DEFAULT 0,
        last_polled_at DATETIME NULL,
        next_poll_at DATETIME NULL,
        pending_senders INT NULL COMMENT 'members still at "not sent" after the last poll',
        last_error VARCHAR(512) NULL,
        finished_at DATETIME NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (batch_id),
        KEY idx_delivery_tasks_state (state, next_poll_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE wechat_push_reminders (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        batch_id BIGINT UNSIGNED NOT NULL,
        msgid VARCHAR(128) NOT NULL,
        reminded_at DATETIME NOT NULL,
        outcome VARCHAR(64) NULL COMMENT 'ok, or the WeCom error of the call',
        PRIMARY KEY (id),
        KEY idx_reminders_batch (batch_id, reminded_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await createAttributionTriggers(q);
    // Batches sent before this migration get their rows (statuses stay unknown: not polled).
    const sent = (await q.query(
      `SELECT id FROM wechat_push_batches WHERE state = 'sent' ORDER BY id`,
    )) as { id: number }[];
    for (const b of sent) await writeDeliveryRows(q, Number(b.id), new Date());
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ATTRIBUTION_TRIGGERS) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
    for (const t of [
      'wechat_push_reminders',
      'wechat_push_delivery_tasks',
      'wechat_push_attributions',
      'wechat_push_deliveries',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}

/**
 * The longest attribution window statistics may ask for. Attributions are kept for orders up
 * to this many days after a push; a longer window would need a backfill.
 */
const ATTRIBUTION_MAX_DAYS = 90;

const ATTRIBUTION_TRIGGERS = [
  'trg_order_buyers_attribution_ai',
  'trg_order_buyers_attribution_au',
  'trg_order_buyers_attribution_ad',
] as const;

/** Attributes one order_buyers row (`o` = NEW) to the accepted pushes it followed. */
const ATTRIBUTE = (o: 'NEW') => `
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
         AND ${o}.order_creation_time <= d.pushed_at + INTERVAL ${ATTRIBUTION_MAX_DAYS} DAY;`;

const UNATTRIBUTE = (o: 'OLD') => `
      DELETE FROM wechat_push_attributions
       WHERE order_id = ${o}.order_id AND customer_id = ${o}.customer_id;`;

const EXT_COLUMN = `ext VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$'`;

/**
 * Writes the delivery rows of one sent batch from its recipients and fail_list JSON, and
 * attributes orders its accepted recipients already placed after the push. Idempotent
 * (INSERT IGNORE on the primary key), so the send hook, the tracking job and this
 * migration may all call it. Returns the rows inserted now.
 */
async function writeDeliveryRows(q: QueryRunner, batchId: number, now: Date): Promise<number> {
  // Read first, then write from parameters: an INSERT … SELECT from the batch and run rows
  // would hold shared locks on them and stall the slot job updating its run meanwhile.
  const [batch] = (await q.query(
    `SELECT b.recipients, b.fail_list, b.run_id, r.push_id, DATE(r.slot_at) AS run_day,
            COALESCE(b.finished_at, b.updated_at) AS pushed_at
       FROM wechat_push_batches b JOIN wechat_push_runs r ON r.id = b.run_id
      WHERE b.id = ? AND b.state = 'sent'`,
    [batchId],
  )) as {
    recipients: string;
    fail_list: string | null;
    run_id: number;
    push_id: number;
    run_day: string;
    pushed_at: Date;
  }[];
  if (!batch) return 0;
  const inserted = (await q.query(
    `INSERT IGNORE INTO wechat_push_deliveries
       (batch_id, external_userid, run_id, push_id, run_day, recipient_key, customer_id,
        pushed_at, accepted, updated_at)
     SELECT ?, x.ext, ?, ?, ?,
            IFNULL(x.cid, CAST(CONV(SUBSTRING(SHA1(x.ext), 1, 15), 16, 10) AS UNSIGNED)
                          | 9223372036854775808),
            x.cid, ?, 1, ?
       FROM (SELECT j.ext,
                    (SELECT MIN(c.id) FROM customers c WHERE c.external_userid = j.ext) AS cid
               FROM JSON_TABLE(?, '$[*]' COLUMNS (${EXT_COLUMN})) j
              WHERE j.ext IS NOT NULL AND j.ext <> '') x`,
    [batchId, batch.run_id, batch.push_id, batch.run_day, batch.pushed_at, now, batch.recipients],
  )) as { affectedRows?: number };
  await q.query(
    `UPDATE wechat_push_deliveries d
       JOIN JSON_TABLE(?, '$[*]' COLUMNS (${EXT_COLUMN})) f
         ON d.batch_id = ? AND d.external_userid = f.ext
        SET d.accepted = 0
      WHERE d.accepted = 1`,
    [batch.fail_list ?? '[]', batchId],
  );
  // An order written between the two statements above may have been attributed to a
  // recipient that turned out to be in the fail_list.
  await q.query(
    `DELETE a FROM wechat_push_attributions a
       JOIN wechat_push_deliveries d ON d.batch_id = a.batch_id AND d.recipient_key = a.recipient_key
      WHERE a.batch_id = ? AND d.accepted = 0`,
    [batchId],
  );
  await q.query(
    `INSERT IGNORE INTO wechat_push_attributions
       (order_id, customer_id, batch_id, run_id, run_day, recipient_key, order_number,
        order_time, pushed_at, lag_seconds)
     SELECT ob.order_id, ob.customer_id, d.batch_id, d.run_id, d.run_day, d.recipient_key,
            yo.order_number, ob.order_creation_time, d.pushed_at,
            TIMESTAMPDIFF(SECOND, d.pushed_at, ob.order_creation_time)
       FROM wechat_push_deliveries d
       JOIN order_buyers ob ON ob.customer_id = d.customer_id
        AND ob.order_creation_time >= d.pushed_at
        AND ob.order_creation_time <= d.pushed_at + INTERVAL ${ATTRIBUTION_MAX_DAYS} DAY
       JOIN youzan_orders yo ON yo.id = ob.order_id
      WHERE d.batch_id = ? AND d.accepted = 1`,
    [batchId],
  );
  return inserted.affectedRows ?? 0;
}

/**
 * order_buyers is itself kept by triggers on youzan_orders, and triggers cascade, so every
 * order write reaches the attributions in the same transaction. Cost per order row: one
 * index dive into idx_deliveries_recipient.
 */
async function createAttributionTriggers(q: QueryRunner): Promise<void> {
  const [ai, au, ad] = ATTRIBUTION_TRIGGERS;
  await q.query(`
    CREATE TRIGGER ${ai} AFTER INSERT ON order_buyers FOR EACH ROW
    BEGIN ${ATTRIBUTE('NEW')}
    END`);
  await q.query(`
    CREATE TRIGGER ${au} AFTER UPDATE ON order_buyers FOR EACH ROW
    BEGIN ${UNATTRIBUTE('OLD')} ${ATTRIBUTE('NEW')}
    END`);
  await q.query(`
    CREATE TRIGGER ${ad} AFTER DELETE ON order_buyers FOR EACH ROW
    BEGIN ${UNATTRIBUTE('OLD')}
    END`);
}
