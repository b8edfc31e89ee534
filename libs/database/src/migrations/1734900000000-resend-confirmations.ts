import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A resend above APPROVAL_CONFIRM_ABOVE waits for a second approver too (issue 23,
 * docs/SECURITY.md "Approval"): the trigger confirmations also hold resend requests, told apart
 * by `kind`, with the batch they are for.
 */
export class ResendConfirmations1734900000000 implements MigrationInterface {
  name = 'ResendConfirmations1734900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push_trigger_confirmations
        ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'trigger' COMMENT 'trigger | resend' AFTER id,
        ADD COLUMN batch_id BIGINT UNSIGNED NULL COMMENT 'the batch a resend request is for' AFTER push_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE wechat_push_trigger_confirmations DROP COLUMN batch_id, DROP COLUMN kind',
    );
  }
}
