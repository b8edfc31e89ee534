import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idx_wcl_customer (customer_id)` on wechat_customers_labels is a prefix of
 * `idx_wcl_customer_label_order (customer_id, label_id, order_id)`: every read it served is
 * served by the longer index, and every link write paid for one more secondary index — on the
 * 1M / 10M set a random page of a 0.86 GB index per new link, where the import is bound by
 * random index I/O (issue 20, docs/BENCHMARKS.md). Dropping a secondary index is an in-place
 * metadata change in InnoDB; `down` builds it again (minutes at 40M links).
 */
export class DropRedundantLinkIndex1735350000000 implements MigrationInterface {
  name = 'DropRedundantLinkIndex1735350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_customers_labels DROP INDEX idx_wcl_customer');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_customers_labels ADD INDEX idx_wcl_customer (customer_id)');
  }
}
