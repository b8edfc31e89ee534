import { MigrationInterface, QueryRunner } from 'typeorm';

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
