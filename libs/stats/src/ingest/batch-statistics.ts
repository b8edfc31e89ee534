import type { SqlRunner } from '@app/database';

/** The funnel stage of one delivery row, ordered so that MAX() is a recipient's best outcome. */
const OUTCOME_OF_DELIVERY = `IF(d.accepted = 0, -1,
  CASE d.status WHEN 1 THEN 3 WHEN 3 THEN 2 WHEN 2 THEN 1 ELSE 0 END)`;

/**
 * (Re)derives the outcome rows of one batch from its delivery rows (idempotent). A
 * recipient is in one batch of a run (the audience is de-duplicated), so a batch's rows
 * replace what they derived before.
 */
async function writeRecipientOutcomes(q: SqlRunner, batchId: number): Promise<void> {
  await q.query(
    `INSERT INTO wechat_push_recipient_outcomes (recipient_key, run_day, run_id, push_id, outcome)
     SELECT d.recipient_key, d.run_day, d.run_id, d.push_id, ${OUTCOME_OF_DELIVERY}
       FROM wechat_push_deliveries d WHERE d.batch_id = ?
     ON DUPLICATE KEY UPDATE outcome = VALUES(outcome), push_id = VALUES(push_id)`,
    [batchId],
  );
}

const COUNT_COLUMNS = `batch_id, has_sender, sender_userid, run_id, recipients, failed, executed,
  delivered, not_friend, over_cap`;

/** The counters of the delivery rows matching `where` (on `d`), per (batch, member). */
function countsSelect(where: string): string {
  return `
    SELECT d.batch_id, d.sender_userid IS NOT NULL, IFNULL(d.sender_userid, ''), MIN(d.run_id),
           COUNT(*), SUM(d.accepted = 0),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) IN (1, 2, 3)),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) = 1),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) = 2),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) = 3)
      FROM wechat_push_deliveries d
     WHERE ${where}
     GROUP BY d.batch_id, d.sender_userid IS NOT NULL, IFNULL(d.sender_userid, '')`;
}

/**
 * (Re)derives the counters of one batch from its delivery rows: the batch's old rows are
 * replaced (a member may have gained or lost recipients). Call it inside the transaction
 * that also refreshes the batch's outcomes.
 */
async function writeBatchCounts(q: SqlRunner, batchId: number): Promise<void> {
  await q.query('DELETE FROM wechat_push_batch_counts WHERE batch_id = ?', [batchId]);
  await q.query(
    `INSERT INTO wechat_push_batch_counts (${COUNT_COLUMNS}) ${countsSelect('d.batch_id = ?')}`,
    [batchId],
  );
}

/**
 * Adds the batch's recipients that also have an outcome row of another run on the batch's
 * day. The caller holds the day's lock (`dayRepeatsLock`) from before its transaction's
 * first read until after its commit, so of two runs of one day derived at once the second
 * sees the first's committed rows.
 */
async function writeDayRepeats(q: SqlRunner, batchId: number): Promise<void> {
  await q.query(
    `INSERT IGNORE INTO wechat_push_day_repeats (run_day, recipient_key)
     SELECT o.run_day, o.recipient_key
       FROM wechat_push_deliveries d
       JOIN wechat_push_recipient_outcomes o
         ON o.recipient_key = d.recipient_key AND o.run_day = d.run_day
      WHERE d.batch_id = ?
      GROUP BY o.run_day, o.recipient_key
     HAVING COUNT(*) > 1`,
    [batchId],
  );
}

/** The name of the advisory lock serialising writeDayRepeats for one run day. */
export function dayRepeatsLock(runDay: string): string {
  return `wpp:day-repeats:${runDay}`;
}

/**
 * Every statistics row of one batch from its delivery rows: outcomes, counters, day repeats.
 * Call it in one transaction (holding the day's lock, see writeDayRepeats), so the outcomes
 * and the counters always agree.
 */
export async function deriveBatchStatistics(q: SqlRunner, batchId: number): Promise<void> {
  await writeRecipientOutcomes(q, batchId);
  await writeBatchCounts(q, batchId);
  await writeDayRepeats(q, batchId);
}
