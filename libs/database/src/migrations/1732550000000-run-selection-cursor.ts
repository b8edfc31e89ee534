import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's audience is selected page by page, each page committed as a batch and sent at
 * once (selection and sending overlap). The keyset position after the last committed page
 * lets a retried slot job resume where the crashed one stopped instead of starting over.
 */
export class RunSelectionCursor1732550000000 implements MigrationInterface {
  name = 'RunSelectionCursor1732550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wechat_push_runs
      ADD COLUMN select_cursor VARCHAR(255) NULL
        COMMENT 'audience keyset position after the last committed batch (JSON)' AFTER batch_count`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_push_runs DROP COLUMN select_cursor');
  }
}
