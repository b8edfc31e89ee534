import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders in (issue 20): what the ingestion core (libs/ingest) and the identity service
 * (libs/identity) need.
 *
 * - `customers` gains the buyer identifiers the core matches on: `mobile`, `unionid`,
 *   `youzan_buyer_id`, each UNIQUE (NULL for every existing row, so nothing can conflict):
 *   one person, one customer row; a concurrent creation of the same buyer meets the key
 *   instead of making a twin.
 * - `youzan_orders` gains `ingest_number`: the order number of rows the core writes, UNIQUE,
 *   NULL for rows written any other way. `order_number` itself cannot be UNIQUE: the data
 *   this system reads is written by other loaders, and the statistics count DISTINCT
 *   order_number because one number may sit on several rows (the statistics' fixtures hold
 *   such rows), so a key there would fail on existing data. `ingest_hash` is the fingerprint
 *   of the order as last written (a re-sent identical order writes nothing), `updated_at`
 *   the source's update time (an older update is ignored).
 * - `order_feeds`: one row per configured order feed ('youzan', 'file') with its last
 *   success and last error, read by the freshness guard.
 * - `order_imports`: one row per file import (who, when, the file and its SHA-256, dry run,
 *   state, progress and counts, where its report is).
 */
export class OrdersIn1734200000000 implements MigrationInterface {
  name = 'OrdersIn1734200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customers
        ADD COLUMN mobile VARCHAR(32) NULL COMMENT 'buyer mobile (digits, +country allowed)',
        ADD COLUMN unionid VARCHAR(64) NULL COMMENT 'WeChat unionid',
        ADD COLUMN youzan_buyer_id VARCHAR(64) NULL COMMENT 'Youzan buyer id / yz_open_id',
        ADD UNIQUE KEY uq_customers_mobile (mobile),
        ADD UNIQUE KEY uq_customers_unionid (unionid),
        ADD UNIQUE KEY uq_customers_youzan_buyer (youzan_buyer_id)`);
    await q.query(`
      ALTER TABLE youzan_orders
        ADD COLUMN updated_at DATETIME NULL COMMENT 'source update time, Asia/Shanghai; NULL unknown',
        ADD COLUMN ingest_number VARCHAR(64) NULL
          COMMENT 'order_number of rows written by the ingestion core; NULL otherwise',
        ADD COLUMN ingest_hash CHAR(40) CHARACTER SET ascii NULL
          COMMENT 'fingerprint of the order as the ingestion core last wrote it',
        ADD UNIQUE KEY uq_youzan_orders_ingest (ingest_number)`);
    await q.query(`
      CREATE TABLE order_feeds (
        feed ENUM('youzan', 'file') NOT NULL,
        last_success_at DATETIME(3) NULL COMMENT 'Asia/Shanghai',
        last_attempt_at DATETIME(3) NULL,
        last_error VARCHAR(1000) NULL,
        last_error_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL,
        PRIMARY KEY (feed)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE order_imports (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        created_by VARCHAR(128) NOT NULL COMMENT 'the token subject, or api / cli',
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        file_name VARCHAR(255) NOT NULL,
        file_path VARCHAR(1024) NOT NULL COMMENT 'the stored upload the worker reads',
        file_size BIGINT UNSIGNED NOT NULL,
        file_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
        format ENUM('csv', 'xlsx') NOT NULL,
        dry_run TINYINT(1) NOT NULL,
        state ENUM('queued', 'running', 'done', 'failed', 'cancelled') NOT NULL,
        cancel_requested TINYINT(1) NOT NULL DEFAULT 0,
        rows_read INT UNSIGNED NOT NULL DEFAULT 0,
        rows_accepted INT UNSIGNED NOT NULL DEFAULT 0,
        rows_rejected INT UNSIGNED NOT NULL DEFAULT 0,
        orders_accepted INT UNSIGNED NOT NULL DEFAULT 0,
        orders_rejected INT UNSIGNED NOT NULL DEFAULT 0,
        orders_written INT UNSIGNED NOT NULL DEFAULT 0,
        orders_unchanged INT UNSIGNED NOT NULL DEFAULT 0,
        report_path VARCHAR(1024) NULL COMMENT 'the rejected rows as CSV',
        error VARCHAR(1000) NULL,
        started_at DATETIME(3) NULL,
        finished_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        KEY idx_order_imports_created (created_at),
        KEY idx_order_imports_state (state)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS order_imports');
    await q.query('DROP TABLE IF EXISTS order_feeds');
    await q.query(`
      ALTER TABLE youzan_orders
        DROP INDEX uq_youzan_orders_ingest,
        DROP COLUMN ingest_hash,
        DROP COLUMN ingest_number,
        DROP COLUMN updated_at`);
    await q.query(`
      ALTER TABLE customers
        DROP INDEX uq_customers_youzan_buyer,
        DROP INDEX uq_customers_unionid,
        DROP INDEX uq_customers_mobile,
        DROP COLUMN youzan_buyer_id,
        DROP COLUMN unionid,
        DROP COLUMN mobile`);
  }
}
