import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pipeline's truth (SPEC §5, §6): one run per rule slot firing (or manual trigger) and
 * one batch per ≤ 10,000 recipients, each with a state changed only by conditional updates.
 * - runs are unique per (push_id, kind, slot_at): any number of scans, replicas and retries
 *   of a slot find the same row;
 * - batches are unique per (run_id, batch_no) and keep their recipients, so a retried or
 *   resent batch sends exactly the ids it was created with;
 * - wechat_push_results gains run_id / batch_id (unique), linking each seed-shaped result row
 *   to the batch that produced it, so a batch can never write two.
 */
export class PushRunsAndBatches1732500000000 implements MigrationInterface {
  name = 'PushRunsAndBatches1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push_runs (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        push_id BIGINT UNSIGNED NOT NULL,
        kind VARCHAR(16) NOT NULL COMMENT 'scheduled | manual',
        slot_at DATETIME NOT NULL COMMENT 'the slot minute (Asia/Shanghai); manual: trigger time',
        state VARCHAR(16) NOT NULL
          COMMENT 'pending | selecting | sending | completed | skipped | missed | failed | cancelled',
        reason VARCHAR(255) NULL,
        rule_name VARCHAR(255) NOT NULL,
        content TEXT NULL,
        attachments JSON NULL COMMENT 'WeCom attachments of this run (uploaded media ids)',
        audience_count INT NULL,
        batch_count INT NULL,
        sent_batches INT NOT NULL DEFAULT 0,
        failed_batches INT NOT NULL DEFAULT 0,
        unknown_batches INT NOT NULL DEFAULT 0,
        accepted_count INT NOT NULL DEFAULT 0 COMMENT 'recipients in sent batches minus their fail_list',
        fail_count INT NOT NULL DEFAULT 0 COMMENT 'ids in fail_list of sent batches',
        triggered_by BIGINT NULL,
        started_at DATETIME NULL,
        finished_at DATETIME NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_push_runs_slot (push_id, kind, slot_at),
        KEY idx_push_runs_state (state, slot_at),
        KEY idx_push_runs_slot (slot_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE wechat_push_batches (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        run_id BIGINT UNSIGNED NOT NULL,
        batch_no INT NOT NULL,
        state VARCHAR(16) NOT NULL COMMENT 'pending | sending | sent | failed | unknown | cancelled',
        recipient_count INT NOT NULL,
        recipients LONGTEXT NOT NULL COMMENT 'JSON array of external_userid',
        attempts INT NOT NULL DEFAULT 0,
        msgid VARCHAR(128) NULL,
        errcode INT NULL,
        errmsg VARCHAR(512) NULL,
        fail_list LONGTEXT NULL COMMENT 'JSON array from add_msg_template',
        fail_count INT NOT NULL DEFAULT 0,
        resends INT NOT NULL DEFAULT 0 COMMENT 'times an operator sent it again',
        sending_at DATETIME NULL,
        finished_at DATETIME NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_push_batches_no (run_id, batch_no),
        KEY idx_push_batches_state (state, run_id),
        KEY idx_push_batches_msgid (msgid),
        CONSTRAINT fk_push_batches_run FOREIGN KEY (run_id) REFERENCES wechat_push_runs (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      ALTER TABLE wechat_push_results
        ADD COLUMN run_id BIGINT UNSIGNED NULL AFTER push_id,
        ADD COLUMN batch_id BIGINT UNSIGNED NULL AFTER run_id,
        ADD UNIQUE KEY uq_wechat_push_results_batch (batch_id),
        ADD KEY idx_wechat_push_results_run (run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wechat_push_results DROP INDEX uq_wechat_push_results_batch,
      DROP INDEX idx_wechat_push_results_run, DROP COLUMN batch_id, DROP COLUMN run_id`);
    await q.query('DROP TABLE IF EXISTS wechat_push_batches');
    await q.query('DROP TABLE IF EXISTS wechat_push_runs');
  }
}
