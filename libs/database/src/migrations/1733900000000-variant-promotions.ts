import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A content variant promoted to be the rule's content (issue 17, `/wechatpush/variant/promote`):
 * who did it, when, and the rule's content and variants before and after. Never automatic:
 * each row is an operator's decision.
 */
export class VariantPromotions1733900000000 implements MigrationInterface {
  name = 'VariantPromotions1733900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push_variant_promotions (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        push_id BIGINT UNSIGNED NOT NULL,
        variant CHAR(1) NOT NULL COMMENT 'A = the rule content kept, B… = a variant',
        before_json TEXT NOT NULL COMMENT 'content, media, variants and weights before',
        after_json TEXT NOT NULL,
        promoted_by BIGINT NULL,
        promoted_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        KEY idx_variant_promotions_rule (push_id, promoted_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wechat_push_variant_promotions');
  }
}
