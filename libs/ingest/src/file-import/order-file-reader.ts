import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { Cell } from './order-file-rows';

export type OrderFileFormat = 'csv' | 'xlsx';
type TextEncoding = 'utf8' | 'gb18030';

/** One row of the file: its line (CSV line where the record ends; XLSX row number) and cells. */
interface FileRow {
  line: number;
  cells: Cell[];
}

const PEEK_BYTES = 64 * 1024;

async function peek(path: string): Promise<Buffer> {
  const f = await open(path, 'r');
  try {
    const buf = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await f.read(buf, 0, PEEK_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await f.close();
  }
}

/**
 * The format of an uploaded file from its first bytes (and name): XLSX is a ZIP archive; CSV
 * is text without NUL bytes. Undefined: neither (an old .xls, a PDF, an image…).
 */
export async function detectFormat(path: string, name = ''): Promise<OrderFileFormat | undefined> {
  const head = await peek(path);
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'xlsx';
  if (/\.xlsx$/i.test(name)) return undefined; // named XLSX but not a ZIP: broken
  if (head.length === 0 || head.includes(0)) return undefined;
  return 'csv';
}

/**
 * UTF-8 (with or without BOM) or GB18030 (what Chinese Excel writes as "CSV"): a file whose
 * first 64 KiB are valid UTF-8 is UTF-8, else GB18030.
 */
function detectEncoding(head: Buffer): TextEncoding {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  // A multi-byte character cut at the end of the sample is not an error.
  for (let cut = 0; cut <= Math.min(3, head.length); cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
      return 'utf8';
    } catch {
      // try a shorter sample
    }
  }
  return 'gb18030';
}

/** The rows of a CSV file, decoded and parsed as a stream (memory independent of its size). */
async function* csvRows(path: string): AsyncGenerator<FileRow> {
  const encoding = detectEncoding(await peek(path));
  const parser = createReadStream(path)
    .pipe(iconv.decodeStream(encoding, { stripBOM: true }))
    .pipe(
      parse({
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        info: true,
      }),
    );
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield { line: rec.info.lines, cells: rec.record };
  }
}

type XlsxValue = ExcelJS.CellValue;

/** An XLSX cell as text (or a date): rich text joined, formulas by their result. */
function xlsxCell(v: XlsxValue): Cell {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return xlsxCell((v.result ?? '') as XlsxValue);
    if ('text' in v) return String(v.text);
    if ('error' in v) return '';
    return '';
  }
  return String(v);
}

/** The rows of an XLSX file's first worksheet, read by exceljs' streaming reader. */
async function* xlsxRows(path: string): AsyncGenerator<FileRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'emit',
  });
  for await (const sheet of reader) {
    for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
      const values = (row.values as XlsxValue[]).slice(1).map(xlsxCell);
      if (values.every((c) => c === '')) continue;
      yield { line: row.number, cells: values };
    }
    return; // the first worksheet only
  }
}

/** The rows of an order file, header first. */
export function readOrderFile(path: string, format: OrderFileFormat): AsyncGenerator<FileRow> {
  return format === 'xlsx' ? xlsxRows(path) : csvRows(path);
}
