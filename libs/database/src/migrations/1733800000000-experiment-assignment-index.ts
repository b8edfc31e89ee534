import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The experiment endpoint (issue 17, docs/STATISTICS.md "Experiments") measures every treated
 * assignment that can have an order in the window; for accepted recipients those are the ones
 * with an attribution row within it. `idx_attributions_assignment` lists them — batch,
 * recipient and push instant — in one covering range read of a rule's runs and window, instead
 * of one clustered-row read per attribution row for `pushed_at`.
 */
export class ExperimentAssignmentIndex1733800000000 implements MigrationInterface {
  name = 'ExperimentAssignmentIndex1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE wechat_push_attributions
         ADD KEY idx_attributions_assignment (run_id, lag_seconds, batch_id, recipient_key, pushed_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_push_attributions DROP KEY idx_attributions_assignment');
  }
}
