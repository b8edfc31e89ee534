import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The policy check reads one row per customer instead of the customer's ledger rows
 * (bench:policy, issue 16; docs/AUDIENCE.md "Reservations"):
 *
 * - `contact_locks` becomes `contact_state`: besides being the row a reservation locks, it
 *   holds the customer's live contacts — `recent`, the batch ids of their ledger rows that
 *   were not given back one by one (fail_list, not a friend, WeCom cap, not sent), newest
 *   first, at most 400 of them (more than the largest week cap the policy allows, 350) — and `version`, raised by every reservation, so a
 *   reservation checked against a snapshot can tell that another one came in between.
 * - `contact_batches`: one row per reserved batch — rule, run, whether it counts against the
 *   caps, the instant the caps count from (the reservation, then the WeCom task's creation)
 *   and whether the whole batch was given back (failed, cancelled). A check reads the
 *   batches of its windows (a few hundred rows) once and resolves each customer's `recent`
 *   against them.
 * - The ledger keeps one row per customer per task (the record, and what releases update);
 *   `idx_ledger_customer` goes (the state row replaces it, and every reservation paid a
 *   random leaf per row for it), `idx_ledger_batch` gains the customer so releases of some
 *   of a batch's recipients find their rows directly.
 * - The opt-out lists gain an index on when a row came, so a reservation checked against a
 *   snapshot can read what was added since.
 *
 * Back-filled from the ledger.
 */
export class ContactState1733400000002 implements MigrationInterface {
  name = 'ContactState1733400000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query('RENAME TABLE contact_locks TO contact_state');
    await q.query(`
      ALTER TABLE contact_state
        ADD COLUMN version INT UNSIGNED NOT NULL DEFAULT 0
          COMMENT 'raised by every reservation of this customer',
        ADD COLUMN recent VARCHAR(8000) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT ''
          COMMENT 'batch ids of live contacts, newest first, comma-separated, at most 400'`);
    await q.query(`
      CREATE TABLE contact_batches (
        batch_id BIGINT UNSIGNED NOT NULL,
        push_id BIGINT UNSIGNED NOT NULL,
        run_id BIGINT UNSIGNED NOT NULL,
        counted TINYINT NOT NULL DEFAULT 1 COMMENT '0: a cap-exempt rule',
        contact_at DATETIME NOT NULL
          COMMENT 'reservation, then the WeCom task creation (Asia/Shanghai): caps count from here',
        released TINYINT NOT NULL DEFAULT 0 COMMENT '1: the batch failed or was cancelled',
        PRIMARY KEY (batch_id),
        KEY idx_contact_batches_at (contact_at),
        KEY idx_contact_batches_push (push_id, contact_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      INSERT INTO contact_batches (batch_id, push_id, run_id, counted, contact_at, released)
      SELECT batch_id, MIN(push_id), MIN(run_id), MAX(counted), MAX(created_at),
             MIN(COALESCE(release_reason IN ('batch_failed', 'batch_cancelled'), 0))
        FROM contact_ledger
       GROUP BY batch_id`);
    await q.query(`
      INSERT INTO contact_state (external_userid, version, recent)
      SELECT external_userid, COUNT(*),
             SUBSTRING_INDEX(GROUP_CONCAT(batch_id ORDER BY batch_id DESC SEPARATOR ','), ',', 400)
        FROM contact_ledger
       WHERE released = 0 OR release_reason IN ('batch_failed', 'batch_cancelled')
       GROUP BY external_userid
      ON DUPLICATE KEY UPDATE version = VALUES(version), recent = VALUES(recent)`);
    await q.query(`
      ALTER TABLE contact_ledger
        DROP KEY idx_ledger_customer,
        DROP KEY idx_ledger_batch,
        ADD KEY idx_ledger_batch (batch_id, external_userid)`);
    await q.query('ALTER TABLE contact_unreachable ADD KEY idx_unreachable_since (since)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE contact_unreachable DROP KEY idx_unreachable_since');
    await q.query(`
      ALTER TABLE contact_ledger
        DROP KEY idx_ledger_batch,
        ADD KEY idx_ledger_batch (batch_id),
        ADD KEY idx_ledger_customer (external_userid, created_at, released, counted, push_id)`);
    await q.query('DROP TABLE contact_batches');
    await q.query('ALTER TABLE contact_state DROP COLUMN recent, DROP COLUMN version');
    await q.query('RENAME TABLE contact_state TO contact_locks');
  }
}
