import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SqlRunner } from '@app/database';
import { dayRepeatsLock, deriveBatchStatistics } from './batch-statistics';
import { writeDeliveryRows } from './delivery-rows';

/** How long deriving a batch's statistics waits for another batch of the same day. */
const DAY_LOCK_WAIT_SECONDS = 60;

/**
 * The ingest side of the statistics (docs/STATISTICS.md): what the pipeline calls when a
 * batch was sent and when its results changed. The statistics rows are derived here, from
 * the delivery rows, so their rules live beside the queries that read them.
 */
@Injectable()
export class StatsIngest {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Writes the sent batch's delivery rows and attributions (idempotent); returns the rows added. */
  writeDeliveryRows(batchId: number, now: Date): Promise<number> {
    return writeDeliveryRows(this.db, batchId, now);
  }

  /** (Re)derives the batch's outcomes, counters and day repeats from its delivery rows. */
  deriveBatch(batchId: number): Promise<void> {
    return this.deriving(batchId, (_tx, derive) => derive());
  }

  /**
   * Runs `work` in one transaction while holding the advisory lock of the batch's run day,
   * taken before the transaction's first read and released after its commit: batches of
   * two runs of one day derived at once see each other's outcomes (writeDayRepeats). `work`
   * gets the transaction, for the caller's own bookkeeping, and `derive`, which derives the
   * batch's statistics rows in it. A worker that dies drops its connection, and with it the
   * lock and the transaction.
   */
  async deriving<T>(
    batchId: number,
    work: (tx: SqlRunner, derive: () => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      const [row]: { day: string | null }[] = await qr.query(
        `SELECT DATE_FORMAT(r.slot_at, '%Y-%m-%d') AS day
           FROM wechat_push_batches b JOIN wechat_push_runs r ON r.id = b.run_id WHERE b.id = ?`,
        [batchId],
      );
      const lock = dayRepeatsLock(row?.day ?? 'none');
      const [got]: { ok: number | string | null }[] = await qr.query(
        'SELECT GET_LOCK(?, ?) AS ok',
        [lock, DAY_LOCK_WAIT_SECONDS],
      );
      if (Number(got?.ok) !== 1) throw new Error(`statistics of ${lock} stayed locked`);
      try {
        await qr.startTransaction();
        try {
          const out = await work(qr, () => deriveBatchStatistics(qr, batchId));
          await qr.commitTransaction();
          return out;
        } catch (e) {
          await qr.rollbackTransaction();
          throw e;
        }
      } finally {
        await qr.query('SELECT RELEASE_LOCK(?)', [lock]);
      }
    } finally {
      await qr.release();
    }
  }
}
