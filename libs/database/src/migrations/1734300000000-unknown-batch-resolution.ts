import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automatic resolution of `unknown` batches (issue 18): a worker compares an `unknown` batch
 * with the tasks WeCom lists for its time window (get_groupmsg_list_v2) and marks it `sent`
 * (a task with its content and recipients exists) or `safe_to_resend` (none does). The state
 * column is a VARCHAR(16), so the new state needs no change; `resolve_checked_at` records
 * when a worker last asked WeCom, so workers do not ask twice in the same minute (the batches
 * in doubt are found by the existing `idx_push_batches_state (state, run_id)`).
 */
export class UnknownBatchResolution1734300000000 implements MigrationInterface {
  name = 'UnknownBatchResolution1734300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE wechat_push_batches
         ADD COLUMN resolve_checked_at DATETIME NULL
           COMMENT 'when a worker last checked this unknown batch against WeCom''s task list'
           AFTER resends`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_push_batches DROP COLUMN resolve_checked_at');
  }
}
