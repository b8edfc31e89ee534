import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The test group (issue 23, docs/PIPELINE.md "Test sends"): up to 50 internal WeCom contacts a
 * test send goes to instead of the audience. One row per member; no sender column, since
 * add_msg_template is called without one (WeCom lets every member who has the contact send).
 * Test runs are `wechat_push_runs.kind = 'test'` (the column is VARCHAR(16)): no change there.
 */
export class TestGroup1734800000000 implements MigrationInterface {
  name = 'TestGroup1734800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE test_group_members (
        external_userid VARCHAR(128) NOT NULL COMMENT 'the contact''s WeCom external_userid',
        name VARCHAR(64) NOT NULL DEFAULT '' COMMENT 'who this is, for the console',
        added_by BIGINT NULL COMMENT 'account or operator id',
        added_at DATETIME NOT NULL COMMENT 'Shanghai wall time',
        PRIMARY KEY (external_userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE test_group_members');
  }
}
