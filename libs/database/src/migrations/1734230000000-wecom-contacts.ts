import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WeCom's customers (issue 19, libs/wecom-contacts):
 *
 * - `wecom_follow_relations`: one row per (external contact, member) ever seen, active while
 *   `removed_at` is NULL. `changed_at` is when the fact last applied was true (a callback's
 *   CreateTime, or when a sync page was read): an older fact never overwrites a newer one, so
 *   callbacks may arrive late, twice or out of order.
 * - `wecom_corp_tags` (the library) and `wecom_contact_tags` (a member's tags on a contact).
 * - `wecom_contact_syncs`: each full sync or nightly reconcile with its progress (members,
 *   the chunk of 100 members and WeCom's cursor in it: where a restarted job resumes) and
 *   counts; `running_corp` holds the corp id while it runs, so one runs at a time per corp.
 * - `wecom_contact_identities`: how each contact was linked to its `customers` row.
 * - `customers.owner_userid`: the member the targeting sends through (the earliest follow,
 *   unless `owner_named` by an operator or the mapping file).
 * - `contact_unreachable` gains `reason` (`not_friend`: a send's status 2; `no_follow`: no
 *   member follows the customer any more) and its `batch_id` becomes optional.
 */
export class WecomContacts1734230000000 implements MigrationInterface {
  name = 'WecomContacts1734230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wecom_follow_relations (
        external_userid VARCHAR(128) NOT NULL,
        userid VARCHAR(64) NOT NULL,
        remark VARCHAR(255) NULL,
        description VARCHAR(255) NULL,
        state VARCHAR(64) NULL,
        remark_mobiles VARCHAR(255) NULL COMMENT 'comma-separated, as WeCom listed them',
        added_at DATETIME NULL COMMENT 'follow_info.createtime, Shanghai',
        removed_at DATETIME NULL,
        removed_by VARCHAR(32) NULL COMMENT 'del_follow_user, del_external_contact or sync',
        changed_at DATETIME(3) NOT NULL COMMENT 'when the fact last applied was true',
        seen_sync_id BIGINT UNSIGNED NULL COMMENT 'the last sync that read this relation',
        PRIMARY KEY (external_userid, userid),
        KEY idx_follow_userid (userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE wecom_corp_tags (
        tag_id VARCHAR(64) NOT NULL,
        group_id VARCHAR(64) NOT NULL,
        group_name VARCHAR(255) NOT NULL,
        name VARCHAR(255) NOT NULL,
        sort_order INT NOT NULL DEFAULT 0,
        deleted_at DATETIME NULL,
        updated_at DATETIME(3) NOT NULL,
        PRIMARY KEY (tag_id),
        KEY idx_corp_tags_group (group_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE wecom_contact_tags (
        external_userid VARCHAR(128) NOT NULL,
        userid VARCHAR(64) NOT NULL,
        tag_id VARCHAR(64) NOT NULL,
        PRIMARY KEY (external_userid, userid, tag_id),
        KEY idx_contact_tags_tag (tag_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE wecom_contact_syncs (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        corp_id VARCHAR(64) NOT NULL,
        kind ENUM('full', 'nightly') NOT NULL,
        state ENUM('running', 'completed', 'failed') NOT NULL,
        running_corp VARCHAR(64) NULL COMMENT 'corp_id while running: one at a time per corp',
        started_at DATETIME(3) NOT NULL,
        heartbeat_at DATETIME(3) NOT NULL,
        finished_at DATETIME(3) NULL,
        members JSON NULL COMMENT 'get_follow_user_list, read once per sync',
        chunk INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'the chunk of 100 members being read',
        page_cursor VARCHAR(1024) NOT NULL DEFAULT '' COMMENT 'WeCom''s cursor inside the chunk',
        pages INT UNSIGNED NOT NULL DEFAULT 0,
        rows_read INT UNSIGNED NOT NULL DEFAULT 0,
        customers_created INT UNSIGNED NOT NULL DEFAULT 0,
        customers_linked INT UNSIGNED NOT NULL DEFAULT 0,
        follows_added INT UNSIGNED NOT NULL DEFAULT 0,
        follows_changed INT UNSIGNED NOT NULL DEFAULT 0,
        follows_removed INT UNSIGNED NOT NULL DEFAULT 0,
        unreachable_marked INT UNSIGNED NOT NULL DEFAULT 0,
        reachable_again INT UNSIGNED NOT NULL DEFAULT 0,
        error VARCHAR(1000) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_contact_syncs_running (running_corp),
        KEY idx_contact_syncs_kind (kind, finished_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE wecom_contact_identities (
        external_userid VARCHAR(128) NOT NULL,
        customer_id BIGINT UNSIGNED NOT NULL,
        method ENUM('existing', 'unionid', 'mobile', 'mapping', 'created') NOT NULL,
        matched_at DATETIME(3) NOT NULL,
        PRIMARY KEY (external_userid),
        KEY idx_contact_identities_customer (customer_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      ALTER TABLE customers
        ADD COLUMN owner_userid VARCHAR(64) NULL COMMENT 'the member messages go through',
        ADD COLUMN owner_named TINYINT NOT NULL DEFAULT 0 COMMENT '1: named by an operator or the mapping file'`);
    await q.query(`
      ALTER TABLE contact_unreachable
        MODIFY batch_id BIGINT UNSIGNED NULL COMMENT 'the batch whose result said status 2',
        ADD COLUMN reason VARCHAR(32) NOT NULL DEFAULT 'not_friend' COMMENT 'not_friend or no_follow'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM contact_unreachable WHERE batch_id IS NULL');
    await q.query(
      'ALTER TABLE contact_unreachable DROP COLUMN reason, MODIFY batch_id BIGINT UNSIGNED NOT NULL',
    );
    await q.query('ALTER TABLE customers DROP COLUMN owner_userid, DROP COLUMN owner_named');
    await q.query('DROP TABLE wecom_contact_identities');
    await q.query('DROP TABLE wecom_contact_syncs');
    await q.query('DROP TABLE wecom_contact_tags');
    await q.query('DROP TABLE wecom_corp_tags');
    await q.query('DROP TABLE wecom_follow_relations');
  }
}
