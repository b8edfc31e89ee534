import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who sends and until when (issue 22, docs/PIPELINE.md "Per-sender batches" and "Execution
 * deadline"):
 *
 * - `wechat_push`: `sender_mode` (`wecom`: no sender, WeCom assigns; `owner`: each customer's
 *   `customers.owner_userid`), `sender_fallback` (`skip` / `wecom`, for customers without an
 *   owner) and `execution_deadline_hours` (NULL: none).
 * - `wechat_push_runs`: the three as the run selected under them (recorded once, read back by
 *   a retried selection).
 * - `wechat_push_batches.sender`: the member the batch's task is created for (NULL: WeCom
 *   assigns). A batch of an `owner` run is `filling` while the selection adds that member's
 *   customers to it, `pending` once full or once the selection is done.
 * - `wechat_push_delivery_tasks`: when its members are reminded before the deadline and when the
 *   task is cancelled, with what happened.
 * - `wechat_push_member_tasks`: one row per (batch, member) of a sent task — its status as
 *   get_groupmsg_task last said (0 not sent, 2 sent), when it was reminded before the
 *   deadline and when the deadline cancelled it.
 */
export class RuleSenders1735100000000 implements MigrationInterface {
  name = 'RuleSenders1735100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push
        ADD COLUMN sender_mode VARCHAR(8) NOT NULL DEFAULT 'wecom' COMMENT 'wecom | owner',
        ADD COLUMN sender_fallback VARCHAR(8) NOT NULL DEFAULT 'wecom'
          COMMENT 'skip | wecom: customers without an owner, under owner',
        ADD COLUMN execution_deadline_hours SMALLINT UNSIGNED NULL
          COMMENT 'members still not sent are cancelled this long after the send'`);
    await q.query(`
      ALTER TABLE wechat_push_runs
        ADD COLUMN sender_mode VARCHAR(8) NULL COMMENT 'as the run selected (NULL before)',
        ADD COLUMN sender_fallback VARCHAR(8) NULL,
        ADD COLUMN execution_deadline_hours SMALLINT UNSIGNED NULL`);
    await q.query(`
      ALTER TABLE wechat_push_batches
        ADD COLUMN sender VARCHAR(64) NULL COMMENT 'add_msg_template sender; NULL: WeCom assigns'`);
    await q.query(`
      ALTER TABLE wechat_push_delivery_tasks
        ADD COLUMN remind_at DATETIME NULL COMMENT 'members not sent are reminded then',
        ADD COLUMN deadline_at DATETIME NULL COMMENT 'the task is cancelled then',
        ADD COLUMN deadline_reminded_at DATETIME NULL,
        ADD COLUMN deadline_cancelled_at DATETIME NULL
          COMMENT 'when the deadline was applied: the task cancelled if a member had not sent',
        ADD COLUMN deadline_outcome VARCHAR(255) NULL COMMENT 'reminded / cancelled, or the error',
        ADD KEY idx_delivery_tasks_remind (remind_at),
        ADD KEY idx_delivery_tasks_deadline (deadline_at)`);
    await q.query(`
      CREATE TABLE wechat_push_member_tasks (
        batch_id BIGINT UNSIGNED NOT NULL,
        userid VARCHAR(64) NOT NULL,
        run_id BIGINT UNSIGNED NOT NULL,
        status TINYINT NOT NULL COMMENT 'get_groupmsg_task: 0 not sent, 2 sent',
        send_time DATETIME NULL,
        reminded_at DATETIME NULL COMMENT 'reminded before the deadline while not sent',
        cancelled_at DATETIME NULL COMMENT 'not sent at the deadline: the task was cancelled',
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (batch_id, userid),
        KEY idx_member_tasks_run (run_id, userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wechat_push_member_tasks');
    await q.query(`
      ALTER TABLE wechat_push_delivery_tasks
        DROP KEY idx_delivery_tasks_deadline, DROP KEY idx_delivery_tasks_remind,
        DROP COLUMN deadline_outcome, DROP COLUMN deadline_cancelled_at,
        DROP COLUMN deadline_reminded_at, DROP COLUMN deadline_at, DROP COLUMN remind_at`);
    await q.query('ALTER TABLE wechat_push_batches DROP COLUMN sender');
    await q.query(`
      ALTER TABLE wechat_push_runs
        DROP COLUMN execution_deadline_hours, DROP COLUMN sender_fallback, DROP COLUMN sender_mode`);
    await q.query(`
      ALTER TABLE wechat_push
        DROP COLUMN execution_deadline_hours, DROP COLUMN sender_fallback, DROP COLUMN sender_mode`);
  }
}
