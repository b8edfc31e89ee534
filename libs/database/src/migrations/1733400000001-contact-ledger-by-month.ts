import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `contact_ledger` partitioned by month of `created_at` (bench:policy's finding, issue 16):
 * every reservation inserts one row per customer into `idx_ledger_customer` at the
 * customer's place — with a year of history (30M rows, a 1.8 GB index) that is one random,
 * often uncached, leaf per row, and the policy's check dives into every customer's whole
 * year. Partitioned, the indexes are per month: inserts land in the current month's small,
 * cached index and checks read only the partitions their windows reach (pruned on
 * `created_at`) — one or two for the default policy.
 *
 * - The primary key becomes `(id, created_at)` (a partitioned table's keys must hold the
 *   partitioning column); ids stay AUTO_INCREMENT and unique.
 * - Monthly partitions from 2024-01 through 2035-12, one for everything before and one for
 *   everything after (rows there still count, in one bigger partition; add months with
 *   `ALTER TABLE … REORGANIZE PARTITION p_future`, docs/OPERATIONS.md).
 * - Updating `created_at` (the task's creation time) moves a row across a month boundary as
 *   any update does.
 */
export class ContactLedgerByMonth1733400000001 implements MigrationInterface {
  name = 'ContactLedgerByMonth1733400000001';

  async up(q: QueryRunner): Promise<void> {
    const months: string[] = [];
    for (let y = 2024; y <= 2035; y++) {
      for (let m = 1; m <= 12; m++) {
        const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
        months.push(`PARTITION p${y}${String(m).padStart(2, '0')} VALUES LESS THAN ('${next}')`);
      }
    }
    await q.query(`
      ALTER TABLE contact_ledger
        DROP PRIMARY KEY,
        ADD PRIMARY KEY (id, created_at)
      PARTITION BY RANGE COLUMNS (created_at) (
        PARTITION p_before VALUES LESS THAN ('2024-01-01'),
        ${months.join(',\n        ')},
        PARTITION p_future VALUES LESS THAN (MAXVALUE)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE contact_ledger REMOVE PARTITIONING');
    await q.query('ALTER TABLE contact_ledger DROP PRIMARY KEY, ADD PRIMARY KEY (id)');
  }
}
