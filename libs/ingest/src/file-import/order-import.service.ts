import { createHash } from 'node:crypto';
import { createReadStream, ReadStream } from 'node:fs';
import { access, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { parse } from 'csv-parse';
import { APP_CONFIG, AppConfig, AppException, Clock, ErrorCode } from '@app/common';
import { detectFormat } from './order-file-reader';
import { ImportJobName, orderImportJobId } from './import-queue.contracts';
import { ImportQueues } from './import-queues';
import { OrderImportRecord, OrderImportRecords } from './order-import.records';
import { REPORT_HEADER } from './order-import.runner';
import type { RejectReason } from './order-file-rows';

/** A file the api stored in IMPORT_DIR (multer's disk storage). */
interface StoredUpload {
  path: string;
  originalName: string;
  size: number;
}

/** One rejected row of the report. */
interface ReportRow {
  line: number;
  orderNumber: string;
  column: string;
  reason: RejectReason;
  message: string;
  value: string;
}

/** Largest page of report rows /import/status answers. */
export const REPORT_PAGE_MAX = 500;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * The file import as the api offers it (docs/INGEST.md "API"): an upload becomes a recorded
 * import and a job; its status with a page of the report; the report as CSV; cancel.
 */
@Injectable()
export class OrderImportService {
  constructor(
    private readonly records: OrderImportRecords,
    private readonly queues: ImportQueues,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Where uploads go (IMPORT_DIR) and the largest one taken. */
  get uploadDir(): string {
    return this.config.IMPORT_DIR;
  }

  get maxUploadBytes(): number {
    return this.config.IMPORT_MAX_MB * 1024 * 1024;
  }

  /** Records an uploaded file as an import and queues it; a file that is no order file is refused and removed. */
  async create(
    file: StoredUpload,
    o: { dryRun: boolean; createdBy: string },
  ): Promise<OrderImportRecord> {
    const refuse = async (e: AppException) => {
      await unlink(file.path).catch(() => undefined);
      throw e;
    };
    if (file.size === 0) {
      await refuse(AppException.validation([{ field: 'file', message: 'the file is empty' }]));
    }
    const format = await detectFormat(file.path, file.originalName);
    if (!format) {
      await refuse(
        new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, '只能导入 CSV 或 XLSX 文件', [
          { field: 'file', message: 'not a CSV or XLSX file' },
        ]),
      );
    }
    const id = await this.records.create(
      {
        createdBy: o.createdBy,
        fileName: file.originalName || 'upload',
        filePath: file.path,
        fileSize: file.size,
        fileSha256: await sha256(file.path),
        format: format!,
        dryRun: o.dryRun,
      },
      this.clock.now(),
    );
    await this.queues.add(ImportJobName.RUN_ORDER_IMPORT, { importId: id }, orderImportJobId(id));
    return (await this.records.get(id))!;
  }

  async get(id: number): Promise<OrderImportRecord> {
    const imp = await this.records.get(id);
    if (!imp) throw AppException.notFound('导入记录');
    return imp;
  }

  recent(limit: number): Promise<OrderImportRecord[]> {
    return this.records.recent(limit);
  }

  async cancel(id: number): Promise<OrderImportRecord> {
    const imp = await this.get(id);
    if (imp.state !== 'queued' && imp.state !== 'running') {
      throw new AppException(ErrorCode.INVALID_STATE, `导入已结束（${imp.state}）`, [
        { field: 'id', message: `the import is ${imp.state}` },
      ]);
    }
    await this.records.cancel(id, this.clock.now());
    return this.get(id);
  }

  /** Rows `offset`…`offset + limit` of the report (read from its CSV as a stream). */
  async reportPage(imp: OrderImportRecord, offset: number, limit: number): Promise<ReportRow[]> {
    if (!imp.reportPath || !(await exists(imp.reportPath))) return [];
    const rows: ReportRow[] = [];
    const parser = createReadStream(imp.reportPath).pipe(
      parse({
        bom: true,
        from_line: 2 + offset,
        to_line: 1 + offset + limit,
        relax_column_count: true,
      }),
    );
    for await (const r of parser as AsyncIterable<string[]>) {
      rows.push({
        line: Number(r[0]),
        orderNumber: reportValue(r[1] ?? ''),
        column: r[2] ?? '',
        reason: (r[3] ?? '') as RejectReason,
        message: r[4] ?? '',
        value: reportValue(r[5] ?? ''),
      });
    }
    return rows;
  }

  /** The report as its CSV file (header only while nothing was rejected or before it ran). */
  async reportCsv(id: number): Promise<{ fileName: string; stream: ReadStream | string }> {
    const imp = await this.get(id);
    const fileName = `order-import-${id}-report.csv`;
    if (!imp.reportPath || !(await exists(imp.reportPath))) {
      return { fileName, stream: `\uFEFF${REPORT_HEADER.join(',')}\n` };
    }
    return { fileName, stream: createReadStream(imp.reportPath) };
  }
}

/**
 * A report cell as the file held it: the CSV defuses a value that starts like a
 * formula with a leading quote (for Excel), which the JSON answer does not need ("-5.00").
 */
function reportValue(cell: string): string {
  return /^'[=+\-@\t\r＝＋－＠]/.test(cell) ? cell.slice(1) : cell;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
