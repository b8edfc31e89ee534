import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Precise targeting (issue 22, docs/AUDIENCE.md):
 *
 * - `wechat_push`: `window_basis` (lastOrder | labelledGoods), `label_match` (any | all), the
 *   five exclusion label lists (comma-separated like the label fields; NULL = none), the value
 *   tier `min_orders`, `min_spend` (yuan), `value_lookback_days`, and `rfm_tiers` (tier codes,
 *   comma-separated; NULL = none). Existing rules keep today's semantics: lastOrder, any, no
 *   exclusion, no value condition.
 * - `customer_rfm`: one row per customer with a counted order in the RFM lookback, as the last
 *   computation left it (recency / frequency / monetary, their 1–5 scores and the tier),
 *   rewritten by the nightly job; `KEY (tier)` for counting a tier.
 */
export class PreciseTargeting1735000000000 implements MigrationInterface {
  name = 'PreciseTargeting1735000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push
        ADD COLUMN window_basis ENUM('lastOrder', 'labelledGoods') NOT NULL DEFAULT 'lastOrder'
          COMMENT 'which purchase the day window applies to',
        ADD COLUMN label_match ENUM('any', 'all') NOT NULL DEFAULT 'any'
          COMMENT 'any: OR across every label; all: AND across label types on one order',
        ADD COLUMN exclude_city_labels TEXT NULL,
        ADD COLUMN exclude_store_labels TEXT NULL,
        ADD COLUMN exclude_brand_labels TEXT NULL,
        ADD COLUMN exclude_cate_labels TEXT NULL,
        ADD COLUMN exclude_sku_labels TEXT NULL,
        ADD COLUMN min_orders SMALLINT UNSIGNED NULL
          COMMENT 'value tier: at least this many counted orders in the lookback',
        ADD COLUMN min_spend DECIMAL(10, 2) NULL
          COMMENT 'value tier: at least this many yuan net of refunds in the lookback',
        ADD COLUMN value_lookback_days SMALLINT UNSIGNED NOT NULL DEFAULT 180,
        ADD COLUMN rfm_tiers VARCHAR(255) NULL COMMENT 'RFM tier codes, comma-separated'`);
    await q.query(`
      CREATE TABLE customer_rfm (
        customer_id BIGINT UNSIGNED NOT NULL,
        last_order_at DATETIME NOT NULL COMMENT 'last counted order in the lookback',
        frequency INT UNSIGNED NOT NULL COMMENT 'counted orders in the lookback',
        monetary DECIMAL(14, 2) NOT NULL COMMENT 'yuan net of refunds in the lookback',
        r_score TINYINT UNSIGNED NOT NULL,
        f_score TINYINT UNSIGNED NOT NULL,
        m_score TINYINT UNSIGNED NOT NULL,
        tier VARCHAR(32) NOT NULL,
        computed_at DATETIME NOT NULL,
        PRIMARY KEY (customer_id),
        KEY idx_customer_rfm_tier (tier)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS customer_rfm');
    await q.query(`
      ALTER TABLE wechat_push
        DROP COLUMN window_basis, DROP COLUMN label_match,
        DROP COLUMN exclude_city_labels, DROP COLUMN exclude_store_labels,
        DROP COLUMN exclude_brand_labels, DROP COLUMN exclude_cate_labels,
        DROP COLUMN exclude_sku_labels, DROP COLUMN min_orders, DROP COLUMN min_spend,
        DROP COLUMN value_lookback_days, DROP COLUMN rfm_tiers`);
  }
}
