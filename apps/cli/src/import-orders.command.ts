import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfigModule } from '@app/common';
import { DatabaseModule } from '@app/database';
import { detectFormat, IngestModule, OrderImportRecords, OrderImportRunner } from '@app/ingest';

@Module({ imports: [AppConfigModule, DatabaseModule, IngestModule] })
class ImportOrdersModule {}

/** Exit code of a run that finished with rejected rows (the accepted ones are written). */
const EXIT_ROWS_REJECTED = 3;

/**
 * `import:orders FILE [--dry-run]` (docs/INGEST.md "CLI"): the same import as the api's job,
 * run in this process (no upload limit, no queue), recorded in order_imports as `cli`.
 * Prints progress and the summary; the report is written beside the file
 * (`FILE.report.csv`). Exit 0: every row accepted; 3: some rows rejected; 1: the import failed.
 */
export async function importOrdersCommand(args: string[]): Promise<number> {
  const dryRun = args.includes('--dry-run');
  const files = args.filter((a) => a !== '--dry-run');
  if (files.length !== 1 || files[0].startsWith('--')) {
    throw new Error('usage: import:orders FILE [--dry-run]');
  }
  const path = resolve(files[0]);
  const size = (await stat(path)).size;
  const format = await detectFormat(path, path);
  if (!format) throw new Error(`${path}: not a CSV or XLSX file`);
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);

  const app = await NestFactory.createApplicationContext(ImportOrdersModule, { logger: ['error'] });
  try {
    const records = app.get(OrderImportRecords);
    const id = await records.create(
      {
        createdBy: 'cli',
        fileName: basename(path),
        filePath: path,
        fileSize: size,
        fileSha256: hash.digest('hex'),
        format,
        dryRun,
      },
      new Date(),
    );
    const started = Date.now();
    const imp = await app.get(OrderImportRunner).run(id, (c) => {
      const s = (Date.now() - started) / 1000;
      console.error(
        `import ${id}: ${c.rowsRead} rows, ${c.ordersAccepted} orders accepted, ${c.ordersRejected} rejected` +
          `${dryRun ? '' : `, ${c.ordersWritten} written`} (${s.toFixed(1)} s)`,
      );
    });
    if (!imp) throw new Error(`import ${id} vanished`);
    console.log(
      [
        `import ${id} (${dryRun ? 'dry run' : 'written'}): ${imp.state}${imp.error ? ` — ${imp.error}` : ''}`,
        `rows: ${imp.rowsRead} read, ${imp.rowsAccepted} accepted, ${imp.rowsRejected} rejected`,
        `orders: ${imp.ordersAccepted} accepted, ${imp.ordersRejected} rejected, ` +
          `${imp.ordersWritten} written, ${imp.ordersUnchanged} unchanged`,
        `report: ${imp.reportPath}`,
        `seconds: ${((Date.now() - started) / 1000).toFixed(1)}`,
      ].join('\n'),
    );
    if (imp.state !== 'done') return 1;
    return imp.rowsRejected > 0 ? EXIT_ROWS_REJECTED : 0;
  } finally {
    await app.close();
  }
}
