import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customer-level contact policy (issue 16, docs/AUDIENCE.md "Contact policy"):
 *
 * - `contact_policy`: the one global policy row (id 1) — caps, the gap, WeCom's receive cap,
 *   quiet hours, blackout dates — and `contact_policy_changes`, who changed it when (before
 *   and after, as JSON).
 * - `contact_ledger`: one row per customer (external_userid) per WeCom task created for
 *   them. Written when the customer is reserved for a batch (in the batch's own transaction);
 *   `created_at` becomes the task's creation time when WeCom accepts the batch. Released
 *   (`released_at`, `release_reason`) when the batch fails or is cancelled, for its fail_list,
 *   and for recipients WeCom reports as 2 / 3 or still 0 when the task ended. Every cap and
 *   the gap count the unreleased, counted rows; `counted = 0` for a cap-exempt rule's rows.
 *   `idx_ledger_customer` covers the per-customer read of the policy check.
 * - `contact_locks`: one row per external_userid ever reserved; a reservation locks the
 *   page's rows (INSERT … ON DUPLICATE KEY UPDATE) before it reads the ledger, so two
 *   concurrent reservations of one customer are serialised.
 * - `contact_suppressions`: 勿扰 — customers who must never be selected.
 * - `contact_unreachable`: customers WeCom last reported as "not a friend" (status 2).
 * - Rules gain `cooldown_days`, `priority`, `cap_exempt`; runs gain `excluded` (the counts
 *   of customers the policy kept out, by reason) and `forced` (a manual trigger inside quiet
 *   hours that said `force: true`).
 *
 * The ledger is back-filled from the delivery rows of sent batches (a row per recipient,
 * released when the recipient was in the fail_list or WeCom answered 2 or 3); status 2
 * recipients become unreachable unless a later delivery reached them.
 */
export class ContactPolicy1733400000000 implements MigrationInterface {
  name = 'ContactPolicy1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contact_policy (
        id TINYINT UNSIGNED NOT NULL,
        max_per_day SMALLINT UNSIGNED NOT NULL DEFAULT 1,
        max_per_week SMALLINT UNSIGNED NOT NULL DEFAULT 3,
        min_gap_hours SMALLINT UNSIGNED NOT NULL DEFAULT 48,
        wecom_cap_period VARCHAR(8) NOT NULL DEFAULT 'month' COMMENT 'month | week | day',
        wecom_cap_limit SMALLINT UNSIGNED NULL COMMENT 'NULL: WeCom default for the period',
        quiet_start CHAR(5) NULL COMMENT 'HH:mm, Asia/Shanghai; NULL: no quiet hours',
        quiet_end CHAR(5) NULL,
        blackout_dates TEXT NOT NULL COMMENT 'JSON array of YYYY-MM-DD',
        updated_by BIGINT NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(
      // DATETIMEs hold Shanghai wall time; the session's NOW() is the server's zone.
      `INSERT INTO contact_policy (id, blackout_dates, updated_at)
       VALUES (1, '[]', UTC_TIMESTAMP() + INTERVAL 8 HOUR)`,
    );
    await q.query(`
      CREATE TABLE contact_policy_changes (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        changed_by BIGINT NULL,
        changed_at DATETIME NOT NULL,
        before_json TEXT NOT NULL,
        after_json TEXT NOT NULL,
        PRIMARY KEY (id),
        KEY idx_policy_changes_at (changed_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE contact_ledger (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        external_userid VARCHAR(128) NOT NULL,
        push_id BIGINT UNSIGNED NOT NULL,
        run_id BIGINT UNSIGNED NOT NULL,
        batch_id BIGINT UNSIGNED NOT NULL,
        created_at DATETIME NOT NULL COMMENT 'reservation, then the WeCom task creation (Asia/Shanghai)',
        counted TINYINT NOT NULL DEFAULT 1 COMMENT '0: a cap-exempt rule',
        released TINYINT NOT NULL DEFAULT 0,
        released_at DATETIME NULL,
        release_reason VARCHAR(32) NULL
          COMMENT 'batch_failed | batch_cancelled | fail_list | not_friend | wecom_cap | not_sent',
        PRIMARY KEY (id),
        KEY idx_ledger_customer (external_userid, created_at, released, counted, push_id),
        KEY idx_ledger_batch (batch_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE contact_locks (
        external_userid VARCHAR(128) NOT NULL,
        PRIMARY KEY (external_userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE contact_suppressions (
        external_userid VARCHAR(128) NOT NULL,
        source VARCHAR(16) NOT NULL COMMENT 'manual | import | complaint',
        reason VARCHAR(255) NULL,
        created_by BIGINT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (external_userid),
        KEY idx_suppressions_created (created_at),
        KEY idx_suppressions_source (source, created_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE contact_unreachable (
        external_userid VARCHAR(128) NOT NULL,
        batch_id BIGINT UNSIGNED NOT NULL COMMENT 'the batch whose result said status 2',
        since DATETIME NOT NULL,
        PRIMARY KEY (external_userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      ALTER TABLE wechat_push
        ADD COLUMN cooldown_days SMALLINT UNSIGNED NOT NULL DEFAULT 7,
        ADD COLUMN priority TINYINT UNSIGNED NOT NULL DEFAULT 5 COMMENT '1 (first) … 10 (last)',
        ADD COLUMN cap_exempt TINYINT NOT NULL DEFAULT 0`);
    await q.query(`
      ALTER TABLE wechat_push_runs
        ADD COLUMN excluded TEXT NULL COMMENT 'JSON: customers kept out by the contact policy, by reason',
        ADD COLUMN forced TINYINT NOT NULL DEFAULT 0 COMMENT 'manual trigger inside quiet hours with force'`);

    // Back-fill from sent batches: one row per delivery row, the batch's send time.
    await q.query(`
      INSERT INTO contact_ledger
             (external_userid, push_id, run_id, batch_id, created_at, counted, released,
              released_at, release_reason)
      SELECT d.external_userid, d.push_id, d.run_id, d.batch_id, d.pushed_at, 1,
             (d.accepted = 0 OR d.status IN (2, 3)),
             IF(d.accepted = 0 OR d.status IN (2, 3), d.updated_at, NULL),
             CASE WHEN d.accepted = 0 THEN 'fail_list' WHEN d.status = 2 THEN 'not_friend'
                  WHEN d.status = 3 THEN 'wecom_cap' END
        FROM wechat_push_deliveries d
       ORDER BY d.batch_id, d.external_userid`);
    await q.query(`
      INSERT IGNORE INTO contact_locks (external_userid)
      SELECT DISTINCT external_userid FROM contact_ledger`);
    await q.query(`
      INSERT INTO contact_unreachable (external_userid, batch_id, since)
      SELECT d.external_userid, MAX(d.batch_id), MAX(d.updated_at)
        FROM wechat_push_deliveries d
       WHERE d.status = 2
         AND NOT EXISTS (SELECT 1 FROM wechat_push_deliveries r
                          WHERE r.external_userid = d.external_userid AND r.status = 1
                            AND r.pushed_at > d.pushed_at)
       GROUP BY d.external_userid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_push_runs DROP COLUMN excluded, DROP COLUMN forced');
    await q.query(
      'ALTER TABLE wechat_push DROP COLUMN cooldown_days, DROP COLUMN priority, DROP COLUMN cap_exempt',
    );
    for (const t of [
      'contact_unreachable',
      'contact_suppressions',
      'contact_locks',
      'contact_ledger',
      'contact_policy_changes',
      'contact_policy',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
