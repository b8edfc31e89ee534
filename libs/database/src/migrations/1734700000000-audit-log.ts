import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (issue 23, docs/SECURITY.md "Audit log"): one row per change made through the
 * API, written in the same transaction as the change where there is one. Append-only: the
 * triggers refuse every UPDATE and DELETE, whoever sends it (TRUNCATE and DROP need the
 * DROP privilege, which the api's account should not hold; see docs/OPERATIONS.md).
 */
export class AuditLog1734700000000 implements MigrationInterface {
  name = 'AuditLog1734700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id BIGINT NOT NULL AUTO_INCREMENT,
        at DATETIME(3) NOT NULL COMMENT 'Asia/Shanghai wall time',
        actor_type VARCHAR(16) NOT NULL COMMENT 'account | api_key | token | anonymous',
        actor_id BIGINT NULL COMMENT 'account id (an API key: its creator; a token: its operator id)',
        actor_name VARCHAR(160) NULL COMMENT 'user name, key name, or the name a failed sign-in tried',
        role VARCHAR(16) NULL COMMENT 'viewer | editor | approver | admin at the time',
        client_ip VARCHAR(64) NULL,
        request_id VARCHAR(128) NULL COMMENT 'x-request-id of the request (also in the logs)',
        action VARCHAR(160) NOT NULL COMMENT 'METHOD /route, e.g. POST /policy/update',
        target_type VARCHAR(32) NULL,
        target_id VARCHAR(64) NULL,
        before_json LONGTEXT NULL COMMENT 'JSON: the state before, when the service described it',
        after_json LONGTEXT NULL COMMENT 'JSON: the state after, or the request body (secrets redacted)',
        outcome VARCHAR(8) NOT NULL DEFAULT 'ok' COMMENT 'ok | failed (failed sign-ins)',
        PRIMARY KEY (id),
        KEY idx_audit_log_at (at),
        KEY idx_audit_log_actor (actor_id, at),
        KEY idx_audit_log_action (action, at),
        KEY idx_audit_log_target (target_id, at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'`);
    await q.query(`
      CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS trg_audit_log_no_delete');
    await q.query('DROP TRIGGER IF EXISTS trg_audit_log_no_update');
    await q.query('DROP TABLE audit_log');
  }
}
