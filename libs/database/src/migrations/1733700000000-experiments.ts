import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Experiments (issue 17, docs/STATISTICS.md "Experiments"):
 *
 * - Rules gain `holdout_percent` (0–50: that share of the rule's customers, drawn per
 *   (customer, rule), is selected and checked like the others but not sent), `variants`
 *   (JSON: up to 4 contents besides the rule's own, each with a weight), `content_weight`
 *   (the weight of the rule's own content, variant A) and `ignore_global_control` (a
 *   cap-exempt service notice may reach the global control group).
 * - The contact policy gains `global_control_percent` (0–10 % of all customers no rule
 *   messages) and the salt its draw uses (random per installation, kept when the share
 *   changes, so a larger share contains the smaller).
 * - Runs record the experiment as it was when they selected (`experiment`, JSON), their
 *   control members' count and each variant's message (`variant_messages`, JSON: content and
 *   uploaded attachments per variant index ≥ 1; index 0 is the run's `content` /
 *   `attachments` as before).
 * - Batches carry the variant their recipients got (`variant`, 0 = A).
 * - `wechat_push_run_controls`: one row per control member of a run (as batches record
 *   recipients), with the group (`holdout` | `global`), the variant they would have got and
 *   the instant they were assigned (the page's commit) — what their orders are measured from.
 */
export class Experiments1733700000000 implements MigrationInterface {
  name = 'Experiments1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push
        ADD COLUMN holdout_percent DECIMAL(4,2) NOT NULL DEFAULT 0,
        ADD COLUMN variants TEXT NULL COMMENT 'JSON: [{content, img, miniProgramTitle, miniProgramImg, miniProgramUrl, weight}]',
        ADD COLUMN content_weight SMALLINT UNSIGNED NOT NULL DEFAULT 1,
        ADD COLUMN ignore_global_control TINYINT NOT NULL DEFAULT 0`);
    await q.query(`
      ALTER TABLE contact_policy
        ADD COLUMN global_control_percent DECIMAL(4,2) NOT NULL DEFAULT 0,
        ADD COLUMN global_control_salt VARCHAR(64) NOT NULL DEFAULT ''`);
    await q.query(
      `UPDATE contact_policy SET global_control_salt = LEFT(SHA2(CONCAT(UUID(), RAND()), 256), 16)`,
    );
    await q.query(`
      ALTER TABLE wechat_push_runs
        ADD COLUMN experiment TEXT NULL
          COMMENT 'JSON: {holdoutPercent, globalControlPercent, variants: [{key, weight}]} at selection',
        ADD COLUMN control_count INT NULL,
        ADD COLUMN variant_messages LONGTEXT NULL
          COMMENT 'JSON: per variant index >= 1, {content, attachments}'`);
    await q.query(
      `ALTER TABLE wechat_push_batches
         ADD COLUMN variant TINYINT UNSIGNED NOT NULL DEFAULT 0 COMMENT '0 = the rule content (A)'`,
    );
    await q.query(`
      CREATE TABLE wechat_push_run_controls (
        run_id BIGINT UNSIGNED NOT NULL,
        external_userid VARCHAR(128) NOT NULL,
        control_group VARCHAR(8) NOT NULL COMMENT 'holdout | global',
        variant TINYINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'the variant they would have got',
        assigned_at DATETIME NOT NULL COMMENT 'the page commit (Asia/Shanghai): orders count from here',
        PRIMARY KEY (run_id, external_userid),
        KEY idx_run_controls_customer (external_userid, assigned_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wechat_push_run_controls');
    await q.query('ALTER TABLE wechat_push_batches DROP COLUMN variant');
    await q.query(
      'ALTER TABLE wechat_push_runs DROP COLUMN experiment, DROP COLUMN control_count, DROP COLUMN variant_messages',
    );
    await q.query(
      'ALTER TABLE contact_policy DROP COLUMN global_control_percent, DROP COLUMN global_control_salt',
    );
    await q.query(
      'ALTER TABLE wechat_push DROP COLUMN holdout_percent, DROP COLUMN variants, DROP COLUMN content_weight, DROP COLUMN ignore_global_control',
    );
  }
}
