import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OrderFileFormat } from './order-file-reader';

export type ImportState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** An order import as `order_imports` records it. */
export interface OrderImportRecord {
  id: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  fileName: string;
  filePath: string;
  fileSize: number;
  fileSha256: string;
  format: OrderFileFormat;
  dryRun: boolean;
  state: ImportState;
  cancelRequested: boolean;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  ordersAccepted: number;
  ordersRejected: number;
  ordersWritten: number;
  ordersUnchanged: number;
  reportPath: string | null;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ImportCounts {
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  ordersAccepted: number;
  ordersRejected: number;
  ordersWritten: number;
  ordersUnchanged: number;
}

const COLUMNS = `id, created_by, created_at, updated_at, file_name, file_path, file_size, file_sha256,
  format, dry_run, state, cancel_requested, rows_read, rows_accepted, rows_rejected,
  orders_accepted, orders_rejected, orders_written, orders_unchanged, report_path, error,
  started_at, finished_at`;

type Row = Record<string, unknown>;
const record = (r: Row): OrderImportRecord => ({
  id: r.id as number,
  createdBy: r.created_by as string,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
  fileName: r.file_name as string,
  filePath: r.file_path as string,
  fileSize: r.file_size as number,
  fileSha256: r.file_sha256 as string,
  format: r.format as OrderFileFormat,
  dryRun: r.dry_run === 1,
  state: r.state as ImportState,
  cancelRequested: r.cancel_requested === 1,
  rowsRead: r.rows_read as number,
  rowsAccepted: r.rows_accepted as number,
  rowsRejected: r.rows_rejected as number,
  ordersAccepted: r.orders_accepted as number,
  ordersRejected: r.orders_rejected as number,
  ordersWritten: r.orders_written as number,
  ordersUnchanged: r.orders_unchanged as number,
  reportPath: r.report_path as string | null,
  error: r.error as string | null,
  startedAt: r.started_at as Date | null,
  finishedAt: r.finished_at as Date | null,
});

/** `order_imports`: every state change a conditional update whose row count says who won. */
@Injectable()
export class OrderImportRecords {
  constructor(private readonly db: DataSource) {}

  async create(
    i: Pick<
      OrderImportRecord,
      'createdBy' | 'fileName' | 'filePath' | 'fileSize' | 'fileSha256' | 'format' | 'dryRun'
    >,
    at: Date,
  ): Promise<number> {
    const r = (await this.db.query(
      `INSERT INTO order_imports (created_by, created_at, updated_at, file_name, file_path,
         file_size, file_sha256, format, dry_run, state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued')`,
      [
        i.createdBy.slice(0, 128),
        at,
        at,
        i.fileName.slice(0, 255),
        i.filePath,
        i.fileSize,
        i.fileSha256,
        i.format,
        i.dryRun ? 1 : 0,
      ],
    )) as { insertId: number };
    return r.insertId;
  }

  async get(id: number): Promise<OrderImportRecord | undefined> {
    const [r] = (await this.db.query(`SELECT ${COLUMNS} FROM order_imports WHERE id = ?`, [
      id,
    ])) as Row[];
    return r ? record(r) : undefined;
  }

  async recent(limit: number): Promise<OrderImportRecord[]> {
    const rows = (await this.db.query(
      `SELECT ${COLUMNS} FROM order_imports ORDER BY created_at DESC, id DESC LIMIT ?`,
      [limit],
    )) as Row[];
    return rows.map(record);
  }

  /** queued (or running again after a crash) → running, counts reset; false: not to run. */
  async start(id: number, reportPath: string, at: Date): Promise<boolean> {
    const r = (await this.db.query(
      `UPDATE order_imports SET state = 'running', started_at = ?, updated_at = ?, report_path = ?,
              rows_read = 0, rows_accepted = 0, rows_rejected = 0, orders_accepted = 0,
              orders_rejected = 0, orders_written = 0, orders_unchanged = 0, error = NULL
        WHERE id = ? AND state IN ('queued', 'running') AND cancel_requested = 0`,
      [at, at, reportPath, id],
    )) as { affectedRows: number };
    return r.affectedRows === 1;
  }

  /** Progress so far; returns whether a cancel was asked for. */
  async progress(id: number, c: ImportCounts, at: Date): Promise<boolean> {
    await this.db.query(
      `UPDATE order_imports SET rows_read = ?, rows_accepted = ?, rows_rejected = ?,
              orders_accepted = ?, orders_rejected = ?, orders_written = ?, orders_unchanged = ?,
              updated_at = ?
        WHERE id = ? AND state = 'running'`,
      [
        c.rowsRead,
        c.rowsAccepted,
        c.rowsRejected,
        c.ordersAccepted,
        c.ordersRejected,
        c.ordersWritten,
        c.ordersUnchanged,
        at,
        id,
      ],
    );
    const [r] = (await this.db.query('SELECT cancel_requested FROM order_imports WHERE id = ?', [
      id,
    ])) as { cancel_requested: number }[];
    return r?.cancel_requested === 1;
  }

  async finish(
    id: number,
    state: 'done' | 'failed' | 'cancelled',
    c: ImportCounts,
    at: Date,
    error: string | null = null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE order_imports SET state = ?, error = ?, finished_at = ?, updated_at = ?,
              rows_read = ?, rows_accepted = ?, rows_rejected = ?, orders_accepted = ?,
              orders_rejected = ?, orders_written = ?, orders_unchanged = ?
        WHERE id = ? AND state IN ('queued', 'running')`,
      [
        state,
        error?.slice(0, 1000) ?? null,
        at,
        at,
        c.rowsRead,
        c.rowsAccepted,
        c.rowsRejected,
        c.ordersAccepted,
        c.ordersRejected,
        c.ordersWritten,
        c.ordersUnchanged,
        id,
      ],
    );
  }

  /**
   * A queued import is cancelled at once; a running one is asked to stop (it stops after
   * its current batch). Returns the state after the request, undefined when not found.
   */
  async cancel(id: number, at: Date): Promise<ImportState | undefined> {
    await this.db.query(
      `UPDATE order_imports SET state = 'cancelled', cancel_requested = 1, finished_at = ?, updated_at = ?
        WHERE id = ? AND state = 'queued'`,
      [at, at, id],
    );
    await this.db.query(
      `UPDATE order_imports SET cancel_requested = 1, updated_at = ? WHERE id = ? AND state = 'running'`,
      [at, id],
    );
    return (await this.get(id))?.state;
  }
}
