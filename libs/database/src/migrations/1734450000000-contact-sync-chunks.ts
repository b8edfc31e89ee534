import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The contact sync reads its member chunks side by side (WECOM_CONTACTS_SYNC_CHAINS cursor
 * chains, docs/WECOM.md "Contact sync"), so each chunk keeps its own progress:
 *
 * - `wecom_contact_sync_chunks`: one row per (sync, chunk) with the chunk's members, WeCom's
 *   cursor inside it, `done`, and the counts of the pages applied. Each page is written in one
 *   transaction with its chunk row, moved on only from the cursor the page was read at — a
 *   restarted job resumes every chunk where its last page ended, and no page applies twice.
 * - `wecom_contact_syncs.page_cursor` goes (the chunk rows hold the cursors); `chunk` now
 *   holds the members done, in hundreds, as rolled up from the chunk rows with the counts.
 * - A sync left running by the old single-chain code has no chunk rows and cannot resume:
 *   it is failed (a new start begins again; relations it wrote stay until a sync completes).
 */
export class ContactSyncChunks1734450000000 implements MigrationInterface {
  name = 'ContactSyncChunks1734450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wecom_contact_sync_chunks (
        sync_id BIGINT UNSIGNED NOT NULL,
        chunk INT UNSIGNED NOT NULL,
        userids JSON NOT NULL COMMENT 'the members this chunk reads (≤ 100: batch/get_by_user)',
        page_cursor VARCHAR(1024) NOT NULL DEFAULT '' COMMENT 'WeCom''s cursor: where the next page starts',
        done TINYINT NOT NULL DEFAULT 0,
        pages INT UNSIGNED NOT NULL DEFAULT 0,
        rows_read INT UNSIGNED NOT NULL DEFAULT 0,
        customers_created INT UNSIGNED NOT NULL DEFAULT 0,
        customers_linked INT UNSIGNED NOT NULL DEFAULT 0,
        follows_added INT UNSIGNED NOT NULL DEFAULT 0,
        follows_changed INT UNSIGNED NOT NULL DEFAULT 0,
        unreachable_marked INT UNSIGNED NOT NULL DEFAULT 0,
        reachable_again INT UNSIGNED NOT NULL DEFAULT 0,
        PRIMARY KEY (sync_id, chunk)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      UPDATE wecom_contact_syncs
         SET state = 'failed', running_corp = NULL, finished_at = NOW(3),
             error = 'stopped by the upgrade to chunked progress: start the sync again'
       WHERE state = 'running' AND members IS NOT NULL`);
    await q.query(`
      ALTER TABLE wecom_contact_syncs
        DROP COLUMN page_cursor,
        MODIFY chunk INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'members done, in hundreds (rolled up from the chunk rows)'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wecom_contact_syncs
        MODIFY chunk INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'the chunk of 100 members being read',
        ADD COLUMN page_cursor VARCHAR(1024) NOT NULL DEFAULT '' COMMENT 'WeCom''s cursor inside the chunk' AFTER chunk`);
    await q.query('DROP TABLE wecom_contact_sync_chunks');
  }
}
