import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduling truth in MySQL (issue 18): when the scheduler last scanned and reconciled, so
 * `/health` can say that scheduling stopped even when Redis lost every trace of it.
 */
export class SchedulerHeartbeats1734000000000 implements MigrationInterface {
  name = 'SchedulerHeartbeats1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scheduler_heartbeats (
        name VARCHAR(32) NOT NULL COMMENT 'scan | reconcile',
        last_at DATETIME NOT NULL COMMENT 'last success (Asia/Shanghai)',
        detail VARCHAR(255) NULL COMMENT 'what it did, JSON',
        PRIMARY KEY (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE scheduler_heartbeats');
  }
}
