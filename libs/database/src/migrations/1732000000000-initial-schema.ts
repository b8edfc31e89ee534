import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The seed's tables with their seed column names. Type choices differing from the seed
 * (which stored every date and time as VARCHAR):
 * - start_date / end_date are DATE, created_at / updated_at DATETIME (Asia/Shanghai wall
 *   time), so range filters use indexes and compare as dates, not strings;
 * - `name` is unique only among rows with is_deleted = 0, enforced by a unique index on the
 *   generated column `active_name` (NULL for deleted rows), which works on MySQL 8 and MariaDB;
 * - wechat_push_time gains `push_id`, so a renamed rule keeps its slots;
 * - image and mini-program URLs are VARCHAR(1024) (signed OSS URLs exceed 255).
 * The company tables (labels, label links, customers, orders) are created here for
 * development and tests; their real copies are filled by other systems.
 */
export class InitialSchema1732000000000 implements MigrationInterface {
  name = 'InitialSchema1732000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(255) NOT NULL,
        status INT NOT NULL DEFAULT 0 COMMENT '0 active, 1 paused',
        start_date DATE NOT NULL,
        end_date DATE NOT NULL,
        city_labels TEXT NOT NULL,
        store_labels TEXT NOT NULL,
        brand_labels TEXT NOT NULL,
        cate_labels TEXT NOT NULL,
        sku_labels TEXT NOT NULL,
        last_order_day INT NOT NULL,
        last_order_day_limit INT NOT NULL,
        content TEXT NULL,
        img VARCHAR(1024) NULL,
        mini_program_title VARCHAR(255) NULL,
        mini_program_img VARCHAR(1024) NULL,
        mini_program_url VARCHAR(1024) NULL,
        is_deleted INT NOT NULL DEFAULT 0,
        created_by BIGINT NULL,
        updated_by BIGINT NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        active_name VARCHAR(255) GENERATED ALWAYS AS (IF(is_deleted = 0, name, NULL)) STORED,
        PRIMARY KEY (id),
        UNIQUE KEY uq_wechat_push_active_name (active_name),
        KEY idx_wechat_push_list (is_deleted, created_at),
        KEY idx_wechat_push_due (is_deleted, status, start_date, end_date)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE wechat_push_time (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        push_id BIGINT UNSIGNED NOT NULL,
        name VARCHAR(255) NOT NULL,
        week_day INT NOT NULL COMMENT '1..7, 7 = Sunday',
        push_time CHAR(5) NOT NULL COMMENT 'HH:mm, Asia/Shanghai',
        created_by BIGINT NULL,
        updated_by BIGINT NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_wechat_push_time_slot (push_id, week_day, push_time),
        KEY idx_wechat_push_time_due (week_day, push_time),
        KEY idx_wechat_push_time_name (name),
        CONSTRAINT fk_wechat_push_time_push FOREIGN KEY (push_id) REFERENCES wechat_push (id)
          ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE wechat_push_results (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(255) NOT NULL,
        push_id BIGINT UNSIGNED NULL,
        result JSON NOT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        KEY idx_wechat_push_results_created (created_at),
        KEY idx_wechat_push_results_name (name, created_at),
        KEY idx_wechat_push_results_push (push_id, created_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE wechat_labels (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        bind_id VARCHAR(64) NULL,
        name VARCHAR(255) NOT NULL,
        type INT NOT NULL COMMENT '0 city, 1 warehouse, 2 category, 3 brand, 4 SKU',
        PRIMARY KEY (id),
        KEY idx_wechat_labels_name (type, name),
        KEY idx_wechat_labels_bind (type, bind_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE wechat_customers_labels (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        customer_id BIGINT UNSIGNED NOT NULL,
        label_id BIGINT UNSIGNED NOT NULL,
        order_id BIGINT UNSIGNED NOT NULL,
        PRIMARY KEY (id),
        KEY idx_wcl_label_order (label_id, order_id, customer_id),
        KEY idx_wcl_order (order_id, label_id),
        KEY idx_wcl_customer (customer_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE customers (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(255) NULL,
        nickname VARCHAR(255) NULL,
        external_userid VARCHAR(128) NULL COMMENT 'WeCom external contact id; NULL/empty = unreachable',
        created_at DATETIME NULL,
        PRIMARY KEY (id),
        KEY idx_customers_external (external_userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);

    await q.query(`
      CREATE TABLE youzan_orders (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        order_number VARCHAR(64) NOT NULL,
        user_ids VARCHAR(255) NULL COMMENT 'buyer customers.id, comma-separated when several',
        fans_nickname VARCHAR(255) NULL,
        order_creation_time DATETIME NOT NULL COMMENT 'Asia/Shanghai',
        payment DECIMAL(12, 2) NULL,
        PRIMARY KEY (id),
        KEY idx_youzan_orders_time (order_creation_time),
        KEY idx_youzan_orders_number (order_number)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'youzan_orders',
      'customers',
      'wechat_customers_labels',
      'wechat_labels',
      'wechat_push_results',
      'wechat_push_time',
      'wechat_push',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
