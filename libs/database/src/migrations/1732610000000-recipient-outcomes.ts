import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wechat_push_recipient_outcomes`: one narrow row per (recipient, run) — what statistics
 * count. Distinct counts over millions of recipients are a scan of this table in primary key
 * order (recipient_key, run_day, run_id) with a streamed GROUP BY; on the wide delivery rows'
 * secondary index the same scan took 2.7× as long (docs/BENCHMARKS.md). `outcome` packs the
 * funnel stage so that MIN/MAX answer it: -1 in the fail_list, 0 accepted without a result
 * (not polled, or not sent), 1 not a friend, 2 over the receive cap, 3 delivered. Rows are
 * derived from wechat_push_deliveries by `writeRecipientOutcomes` after the rows are written
 * and after every poll that changed something.
 */
export class RecipientOutcomes1732610000000 implements MigrationInterface {
  name = 'RecipientOutcomes1732610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push_recipient_outcomes (
        recipient_key BIGINT UNSIGNED NOT NULL,
        run_day DATE NOT NULL,
        run_id BIGINT UNSIGNED NOT NULL,
        outcome TINYINT NOT NULL
          COMMENT '-1 failed (fail_list), 0 no result, 1 not a friend, 2 over cap, 3 delivered',
        PRIMARY KEY (recipient_key, run_day, run_id),
        KEY idx_outcomes_run (run_id, outcome, recipient_key, run_day)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    const batches = (await q.query(
      'SELECT DISTINCT batch_id FROM wechat_push_deliveries ORDER BY batch_id',
    )) as { batch_id: number }[];
    for (const b of batches) await writeOutcomesAsOf1732610000000(q, Number(b.batch_id));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS wechat_push_recipient_outcomes');
  }
}

/** The funnel stage of one delivery row, ordered so that MAX() is a recipient's best outcome. */
const OUTCOME_OF_DELIVERY = `IF(d.accepted = 0, -1,
  CASE d.status WHEN 1 THEN 3 WHEN 3 THEN 2 WHEN 2 THEN 1 ELSE 0 END)`;

/**
 * The backfill of this migration: the outcome rows of one batch as the table stood then
 * (later columns are filled by their own migrations). At run time libs/stats's ingest
 * side derives them.
 */
async function writeOutcomesAsOf1732610000000(q: QueryRunner, batchId: number): Promise<void> {
  await q.query(
    `INSERT INTO wechat_push_recipient_outcomes (recipient_key, run_day, run_id, outcome)
     SELECT d.recipient_key, d.run_day, d.run_id, ${OUTCOME_OF_DELIVERY}
       FROM wechat_push_deliveries d WHERE d.batch_id = ?
     ON DUPLICATE KEY UPDATE outcome = VALUES(outcome)`,
    [batchId],
  );
}
