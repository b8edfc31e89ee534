import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each claim of a batch (pending → sending) writes a fresh token (issue 18, docs/PIPELINE.md
 * "A claim that never called"): an attempt that fails between its claim and its WeCom call
 * journals the token, and the retry that finds the batch `sending` under that same token knows
 * no request left — the batch goes back to `pending` instead of `unknown`.
 */
export class BatchClaimToken1734950000000 implements MigrationInterface {
  name = 'BatchClaimToken1734950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push_batches
        ADD COLUMN claim_token CHAR(36) NULL COMMENT 'the token of the latest claim (pending → sending)' AFTER sending_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_push_batches DROP COLUMN claim_token');
  }
}
