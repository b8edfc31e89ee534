import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WeCom's change callbacks as received (issue 19, libs/wecom-callbacks): one row per
 * distinct event. `dedupe_key` is the SHA-256 of the decrypted event's fields, so WeCom's
 * retries of the same event (same fields, same CreateTime) find the row and change nothing.
 * `payload` is the event as JSON with WeCom's field names; the job that processes it sets
 * `processed_at`, the `kind` it recognised, and `error` when the event cannot be used.
 * Nothing else reads these rows yet: follow relations and tags are later tables.
 */
export class WecomCallbackEvents1733600000000 implements MigrationInterface {
  name = 'WecomCallbackEvents1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wecom_callback_events (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        dedupe_key CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
          COMMENT 'SHA-256 (hex) of the event''s fields',
        event VARCHAR(64) NOT NULL COMMENT 'Event, e.g. change_external_contact',
        change_type VARCHAR(64) NOT NULL DEFAULT '' COMMENT 'ChangeType, e.g. del_follow_user',
        event_time DATETIME NOT NULL COMMENT 'CreateTime (Asia/Shanghai)',
        payload JSON NOT NULL COMMENT 'the decrypted event, WeCom''s field names, string values',
        received_at DATETIME(3) NOT NULL,
        processed_at DATETIME(3) NULL,
        kind VARCHAR(64) NULL COMMENT 'what processing recognised, e.g. contact.del_follow_user',
        error VARCHAR(500) NULL COMMENT 'why processing could not use the event',
        PRIMARY KEY (id),
        UNIQUE KEY uq_wecom_callback_dedupe (dedupe_key),
        KEY idx_wecom_callback_unprocessed (processed_at, id),
        KEY idx_wecom_callback_kind (event, change_type, event_time)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wecom_callback_events');
  }
}
