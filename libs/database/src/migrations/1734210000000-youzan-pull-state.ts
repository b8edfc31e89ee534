import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Youzan connector (issue 20): where the incremental pull of trades by update time stands.
 *
 * - `youzan_pull_state`: one row per shop (kdt_id). `watermark` is the end of the last
 *   window read completely (Asia/Shanghai wall time, as Youzan's update times are); the next
 *   pull starts YOUZAN_PULL_OVERLAP_MINUTES before it. Only a completed slice moves it, and
 *   only forward, so a failed or concurrent pull never loses trades; NULL until a first
 *   slice is stored (the first pull reads YOUZAN_INITIAL_PULL_DAYS back). The counts
 *   and the last error are for operators.
 */
export class YouzanPullState1734210000000 implements MigrationInterface {
  name = 'YouzanPullState1734210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE youzan_pull_state (
        kdt_id VARCHAR(20) CHARACTER SET ascii NOT NULL,
        watermark DATETIME NULL
          COMMENT 'end of the last window read completely, Asia/Shanghai; NULL: none yet',
        last_pull_at DATETIME(3) NULL,
        last_trades INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'trades read by the last pull',
        last_error VARCHAR(1000) NULL,
        updated_at DATETIME(3) NOT NULL,
        PRIMARY KEY (kdt_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS youzan_pull_state');
  }
}
