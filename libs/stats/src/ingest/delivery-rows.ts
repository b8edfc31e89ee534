import type { SqlRunner } from '@app/database';
import {
  ATTRIBUTED_ROWS,
  ATTRIBUTION_COLUMNS,
  ORDER_CONVERTS,
  PUSHES_BEFORE,
} from './stats.triggers';

const EXT_COLUMN = `ext VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$'`;

/**
 * Writes the delivery rows of one sent batch from its recipients and fail_list JSON, and
 * attributes orders its accepted recipients already placed after the push. Idempotent
 * (INSERT IGNORE on the primary key), so the send hook and the tracking job may both call
 * it. Returns the rows inserted now.
 */
export async function writeDeliveryRows(q: SqlRunner, batchId: number, now: Date): Promise<number> {
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
    `INSERT IGNORE INTO wechat_push_attributions ${ATTRIBUTION_COLUMNS}
     ${ATTRIBUTED_ROWS('ob', 'yo')}
       FROM wechat_push_deliveries d
       JOIN order_buyers ob ON ${PUSHES_BEFORE('ob')}
       JOIN youzan_orders yo ON yo.id = ob.order_id
      WHERE d.batch_id = ? AND ${ORDER_CONVERTS('yo')}`,
    [batchId],
  );
  return inserted.affectedRows ?? 0;
}
