import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The experiment groups read the accepted recipients' orders from their attribution rows,
 * one row per (batch, recipient) with orders in the window (docs/STATISTICS.md "Experiments").
 * In `(run_id, batch_id, recipient_key, lag_seconds, revenue)` order those rows come grouped,
 * so MariaDB sums them as it reads instead of through a temporary table (half the time over
 * the bench's 200 runs, docs/BENCHMARKS.md "Experiments"). It replaces
 * `idx_attributions_assignment` (migration 1733800000000), whose only reader — the earlier
 * shortcut that listed the assignments to look their orders up again — is gone.
 */
export class AttributionAssignmentOrder1735200000001 implements MigrationInterface {
  name = 'AttributionAssignmentOrder1735200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE wechat_push_attributions
         DROP KEY idx_attributions_assignment,
         ADD KEY idx_attributions_batch (run_id, batch_id, recipient_key, lag_seconds, revenue)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE wechat_push_attributions
         DROP KEY idx_attributions_batch,
         ADD KEY idx_attributions_assignment (run_id, lag_seconds, batch_id, recipient_key, pushed_at)`,
    );
  }
}
