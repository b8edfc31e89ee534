import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statistics at scale (docs/STATISTICS.md "Query plans", docs/BENCHMARKS.md):
 *
 * - `wechat_push_batch_counts`: per (batch, member) counters of the delivery rows — what the
 *   per-run figures and the per-member figures of `POST /statistic/wechatpush/runs` sum. A
 *   page of 100 runs reads a few hundred rows instead of 1,000,000 wide delivery rows. Rows
 *   with no member yet (not polled, or in the fail_list without a result) have
 *   `has_sender = 0`. Recomputed per batch from its delivery rows (`writeBatchCounts`)
 *   whenever the outcomes are, in the same transaction, so re-polls never count twice.
 * - `wechat_push_delivery_tasks.stats_dirty`: set in the transaction that stores a page of
 *   results that changed rows, cleared in the transaction that recomputes the batch's
 *   outcomes and counters — a worker that dies between the two leaves the flag, and the next
 *   poll (by any worker) recomputes even when WeCom reports nothing new.
 * - `wechat_push_day_repeats (run_day, recipient_key)`: the recipients with outcome rows of
 *   more than one run on a day. The daily statistics sum their runs' counters and correct
 *   only for these, so they never group every (recipient, day) of a range. Rows are only ever
 *   added (a superset is harmless: a recipient with one row in a scope corrects to nothing);
 *   `writeDayRepeats` adds a batch's under a per-day lock, in the deriving transaction.
 */
export class StatisticsCounters1732630000000 implements MigrationInterface {
  name = 'StatisticsCounters1732630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push_batch_counts (
        batch_id BIGINT UNSIGNED NOT NULL,
        has_sender TINYINT NOT NULL COMMENT '0 = rows with no member (yet)',
        sender_userid VARCHAR(64) NOT NULL COMMENT 'empty when has_sender = 0',
        run_id BIGINT UNSIGNED NOT NULL,
        recipients INT UNSIGNED NOT NULL COMMENT 'delivery rows',
        failed INT UNSIGNED NOT NULL COMMENT 'rows in the fail_list',
        executed INT UNSIGNED NOT NULL COMMENT 'accepted rows with status 1, 2 or 3',
        delivered INT UNSIGNED NOT NULL COMMENT 'accepted rows with status 1',
        not_friend INT UNSIGNED NOT NULL COMMENT 'accepted rows with status 2',
        over_cap INT UNSIGNED NOT NULL COMMENT 'accepted rows with status 3',
        PRIMARY KEY (batch_id, has_sender, sender_userid),
        KEY idx_batch_counts_run (run_id, has_sender, sender_userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      ALTER TABLE wechat_push_delivery_tasks
        ADD COLUMN stats_dirty TINYINT NOT NULL DEFAULT 0
          COMMENT '1 = results changed since the outcomes and counters were last derived'`);
    await q.query(`
      CREATE TABLE wechat_push_day_repeats (
        run_day DATE NOT NULL,
        recipient_key BIGINT UNSIGNED NOT NULL,
        PRIMARY KEY (run_day, recipient_key)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci
        COMMENT 'recipients with outcome rows of more than one run on that day'`);
    await q.query(`
      INSERT INTO wechat_push_day_repeats (run_day, recipient_key)
      SELECT o.run_day, o.recipient_key FROM wechat_push_recipient_outcomes o
       GROUP BY o.recipient_key, o.run_day HAVING COUNT(*) > 1`);
    await q.query(
      `INSERT INTO wechat_push_batch_counts (${COUNT_COLUMNS}) ${countsSelect('1 = 1')}`,
    );
    // Tasks still tracked re-derive their outcomes at their next poll, in case a worker died
    // between storing results and deriving them before this flag existed.
    await q.query(`UPDATE wechat_push_delivery_tasks SET stats_dirty = 1 WHERE state = 'tracking'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS wechat_push_day_repeats');
    await q.query('ALTER TABLE wechat_push_delivery_tasks DROP COLUMN stats_dirty');
    await q.query('DROP TABLE IF EXISTS wechat_push_batch_counts');
  }
}

const COUNT_COLUMNS = `batch_id, has_sender, sender_userid, run_id, recipients, failed, executed,
  delivered, not_friend, over_cap`;

/** The counters of the delivery rows matching `where` (on `d`), per (batch, member). */
function countsSelect(where: string): string {
  return `
    SELECT d.batch_id, d.sender_userid IS NOT NULL, IFNULL(d.sender_userid, ''), MIN(d.run_id),
           COUNT(*), SUM(d.accepted = 0),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) IN (1, 2, 3)),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) = 1),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) = 2),
           SUM(d.accepted = 1 AND IFNULL(d.status, 0) = 3)
      FROM wechat_push_deliveries d
     WHERE ${where}
     GROUP BY d.batch_id, d.sender_userid IS NOT NULL, IFNULL(d.sender_userid, '')`;
}
