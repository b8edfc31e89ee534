import { createWriteStream, WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@app/common';
import { IngestOrdersService } from '../core/ingest-orders.service';
import { OrderFeedService } from '../core/order-feed.service';
import type { NormalisedOrder } from '../normalised-order';
import { mapHeader } from './order-file-columns';
import { readOrderFile } from './order-file-reader';
import { OrderGrouper, RowProblem } from './order-file-rows';
import { ImportCounts, OrderImportRecords, OrderImportRecord } from './order-import.records';

/** Orders handed to the core at once (its own transactions are smaller or equal). */
const BATCH_ORDERS = 500;
/**
 * Batches written at once (docs/INGEST.md "Speed"). One: two at once deadlock creating the
 * same new buyers (customers' unique keys) until the core's retries run out.
 */
const WRITERS = 1;

/** The report's columns (a CSV with a UTF-8 BOM, so Excel opens it right). */
export const REPORT_HEADER = ['line', 'order_number', 'column', 'reason', 'message', 'value'];

/** A report cell: quoted when needed, and a formula-looking value defused. */
function csvCell(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r＝＋－＠]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const reportPathOf = (filePath: string) => `${filePath}.report.csv`;

/**
 * Runs one recorded import (docs/INGEST.md "The import job"): reads the stored file as a
 * stream, groups its rows into orders, writes the accepted orders through the ingestion
 * core in batches (nothing in a dry run) and the rejected rows to the report, records
 * progress after each batch and stops after the batch in which a cancel was asked for.
 * Shared by the worker's job and the CLI.
 */
@Injectable()
export class OrderImportRunner {
  private readonly logger = new Logger(OrderImportRunner.name);

  constructor(
    private readonly records: OrderImportRecords,
    private readonly ingest: IngestOrdersService,
    private readonly feeds: OrderFeedService,
    private readonly clock: Clock,
  ) {}

  async run(
    id: number,
    onProgress: (c: ImportCounts) => void | Promise<void> = () => undefined,
  ): Promise<OrderImportRecord | undefined> {
    const imp = await this.records.get(id);
    if (!imp) return undefined;
    const reportPath = reportPathOf(imp.filePath);
    if (!(await this.records.start(id, reportPath, this.clock.now()))) return imp;
    const c: ImportCounts = {
      rowsRead: 0,
      rowsAccepted: 0,
      rowsRejected: 0,
      ordersAccepted: 0,
      ordersRejected: 0,
      ordersWritten: 0,
      ordersUnchanged: 0,
    };
    await mkdir(dirname(reportPath), { recursive: true });
    const report = createWriteStream(reportPath);
    const write = async (line: string) => {
      if (!report.write(line)) await once(report, 'drain');
    };
    const rows = readOrderFile(imp.filePath, imp.format);
    let state: 'done' | 'failed' | 'cancelled' = 'done';
    let error: string | null = null;
    try {
      await write(`\uFEFF${REPORT_HEADER.join(',')}\n`);
      const reject = async (problems: RowProblem[]) => {
        for (const p of problems) {
          await write(
            `${[p.line, p.orderNumber, p.column, p.reason, p.message, p.value].map(csvCell).join(',')}\n`,
          );
        }
      };
      const first = await rows.next();
      if (first.done) throw new Error('the file is empty');
      const header = mapHeader(first.value.cells.map(String));
      if (header.missing.length) {
        throw new Error(`columns missing: ${header.missing.join(', ')}`);
      }
      const grouper = new OrderGrouper(header);
      type Batch = { order: NormalisedOrder; lines: number[] }[];
      let batch: Batch = [];
      // A batch is written (WRITERS at most at once) while the next is read and checked: the
      // file's parsing and the database work side by side. Each resolves to "a cancel was asked".
      const inFlight: Promise<boolean>[] = [];
      let cancelAsked = false;
      const writeBatch = async (orders: Batch): Promise<boolean> => {
        if (orders.length && !imp.dryRun) {
          const r = await this.ingest.upsert(orders.map((b) => b.order));
          c.ordersWritten += r.inserted + r.updated;
          c.ordersUnchanged += r.unchanged + r.stale;
          // The file's checks cover the core's; a rejection here is reported, not lost.
          for (const rej of r.rejected) {
            const b = orders.find((x) => x.order.orderNumber.trim() === rej.orderNumber.trim());
            const lines = b?.lines ?? [0];
            c.ordersAccepted--;
            c.ordersRejected++;
            c.rowsAccepted -= lines.length;
            c.rowsRejected += lines.length;
            await reject(
              lines.map((line) => ({
                line,
                orderNumber: rej.orderNumber,
                column: '',
                reason: 'not_stored' as const,
                message: rej.problems.join('; '),
                value: '',
              })),
            );
          }
        }
        const cancel = await this.records.progress(id, c, this.clock.now());
        cancelAsked ||= cancel;
        await onProgress({ ...c });
        return cancel;
      };
      /** Waits for the oldest batch being written; true when a cancel was asked meanwhile. */
      const settleOne = async (): Promise<boolean> => (await inFlight.shift()) ?? false;
      const settleAll = async (): Promise<boolean> => {
        let cancel = false;
        while (inFlight.length) cancel = (await settleOne()) || cancel;
        return cancel;
      };
      const flush = async (): Promise<boolean> => {
        if (cancelAsked || (inFlight.length >= WRITERS && (await settleOne()))) return true;
        const orders = batch;
        batch = [];
        const write = writeBatch(orders);
        // Awaited by a later settle; marked handled so a failure waits for it.
        write.catch(() => undefined);
        inFlight.push(write);
        return false;
      };
      const take = async (results: ReturnType<OrderGrouper['add']>): Promise<boolean> => {
        for (const r of results) {
          if (r.kind === 'order') {
            c.ordersAccepted++;
            c.rowsAccepted += r.lines.length;
            batch.push({ order: r.order, lines: r.lines });
          } else {
            c.rowsRejected += r.rows;
            if (r.problems.some((p) => p.reason !== 'split_order')) c.ordersRejected++;
            await reject(r.problems);
          }
        }
        return batch.length >= BATCH_ORDERS ? flush() : false;
      };
      let cancelled = false;
      try {
        for await (const row of rows) {
          c.rowsRead++;
          if (await take(grouper.add(row.line, row.cells))) {
            cancelled = true;
            break;
          }
        }
        if (!cancelled) {
          await take(grouper.end());
          cancelled = (await flush()) || (await settleAll());
        }
      } finally {
        // A failure still lets the batches in flight finish before the import ends.
        await Promise.allSettled(inFlight);
      }
      if (cancelled) state = 'cancelled';
    } catch (e) {
      state = 'failed';
      error = (e as Error).message;
      this.logger.warn(`order import ${id} failed: ${error}`);
    } finally {
      await rows.return(undefined).catch(() => undefined);
      report.end();
      await once(report as WriteStream, 'close').catch(() => undefined);
    }
    const at = this.clock.now();
    await this.records.finish(id, state, c, at, error);
    // A bad file is its sender's mistake, not a feed outage: only a success is recorded (it
    // also makes the file feed a configured one, docs/INGEST.md "Freshness").
    if (!imp.dryRun && state === 'done' && c.ordersAccepted > 0) {
      await this.feeds.recordSuccess('file', at);
    }
    return this.records.get(id);
  }
}
