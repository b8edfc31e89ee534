import { MigrationInterface, QueryRunner } from 'typeorm';
import type { SqlRunner } from './1732600000000-delivery-and-statistics';
import { OUTCOME_OF_DELIVERY } from './1732610000000-recipient-outcomes';

/**
 * `wechat_push_recipient_outcomes.push_id` and `idx_outcomes_push (push_id, recipient_key,
 * run_id, outcome)`: one rule's outcome rows in recipient order, so a rule's distinct
 * recipients (compare, report) are a streamed GROUP BY over that rule's index range instead
 * of a temporary table over its runs' rows (2.4× faster per rule at 400,000 rows,
 * docs/BENCHMARKS.md). The column is backfilled from the runs before the index is built, so
 * the index is written once, in order.
 */
export class OutcomesByRule1732640000000 implements MigrationInterface {
  name = 'OutcomesByRule1732640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push_recipient_outcomes
        ADD COLUMN push_id BIGINT UNSIGNED NOT NULL DEFAULT 0
          COMMENT 'wechat_push.id of the run (wechat_push_runs.push_id)'`);
    await q.query(`
      UPDATE wechat_push_recipient_outcomes o JOIN wechat_push_runs r ON r.id = o.run_id
         SET o.push_id = r.push_id`);
    await q.query(`
      ALTER TABLE wechat_push_recipient_outcomes
        ADD KEY idx_outcomes_push (push_id, recipient_key, run_id, outcome)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push_recipient_outcomes
        DROP KEY idx_outcomes_push, DROP COLUMN push_id`);
  }
}

/**
 * (Re)derives the outcome rows of one batch from its delivery rows (idempotent). A
 * recipient is in one batch of a run (the audience is de-duplicated), so a batch's rows
 * replace what they derived before.
 */
export async function writeRecipientOutcomes(q: SqlRunner, batchId: number): Promise<void> {
  await q.query(
    `INSERT INTO wechat_push_recipient_outcomes (recipient_key, run_day, run_id, push_id, outcome)
     SELECT d.recipient_key, d.run_day, d.run_id, d.push_id, ${OUTCOME_OF_DELIVERY}
       FROM wechat_push_deliveries d WHERE d.batch_id = ?
     ON DUPLICATE KEY UPDATE outcome = VALUES(outcome), push_id = VALUES(push_id)`,
    [batchId],
  );
}
