import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A control member's customer id, resolved when the run records it (as a delivery row's is):
 * the experiment statistics read a control member's orders by customer id, and resolving the
 * external id per row at query time was about 40 % of their cost (docs/BENCHMARKS.md
 * "Experiments"). NULL: no customer row has that external id (no orders can count).
 */
export class RunControlCustomers1734100000000 implements MigrationInterface {
  name = 'RunControlCustomers1734100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE wechat_push_run_controls
         ADD COLUMN customer_id BIGINT UNSIGNED NULL
           COMMENT 'customers.id of external_userid (lowest if several), NULL if none'`,
    );
    await q.query(`
      UPDATE wechat_push_run_controls c
         SET c.customer_id = (SELECT MIN(cu.id) FROM customers cu
                               WHERE cu.external_userid = c.external_userid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_push_run_controls DROP COLUMN customer_id');
  }
}
