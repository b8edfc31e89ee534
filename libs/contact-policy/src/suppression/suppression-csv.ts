import { CsvError, parse } from 'csv-parse/sync';

/** external_userid and reason lengths, as `contact_suppressions` stores them (characters). */
const SUPPRESSION_ID_MAX = 128;
const SUPPRESSION_REASON_MAX = 255;
/** Row errors one import reports; past this the rest of the bad rows are counted only. */
export const IMPORT_ERRORS_MAX = 1_000;

export type ImportRowErrorCode =
  'EMPTY_ID' | 'ID_TOO_LONG' | 'REASON_TOO_LONG' | 'DUPLICATE_IN_FILE';

export interface ImportRowError {
  /** Line of the file the row starts on (1-based; the header and blank lines count). */
  row: number;
  value: string;
  code: ImportRowErrorCode;
  message: string;
}

interface ParsedSuppressionCsv {
  /** Data rows read (not the header, not blank rows). */
  rows: number;
  /** The valid rows, each id once; `reason` null when the row has none. */
  entries: { externalUserId: string; reason: string | null }[];
  /** At most IMPORT_ERRORS_MAX. */
  errors: ImportRowError[];
}

/** Why a file could not be read as CSV at all (the API answers 400 naming `file`). */
export class UnreadableCsvError extends Error {}

/** First cells that mark the first row as a header (compared case-insensitively). */
const HEADER_NAMES = new Set(['external_userid', 'externaluserid', '客户id', 'external id']);

const chars = (s: string) => Array.from(s).length;
const lineBreaks = (s: string) => s.match(/\r\n|\r|\n/g)?.length ?? 0;

function decodeUtf8(csv: Buffer): string {
  // A NUL never occurs in text: an xlsx (zip) or other binary file.
  if (csv.includes(0)) throw new UnreadableCsvError('the file is not a CSV text file');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(csv);
  } catch {
    throw new UnreadableCsvError('the file must be UTF-8 encoded (save it as "CSV UTF-8")');
  }
}

function rowProblem(
  id: string,
  reason: string,
  firstRow: number | undefined,
): { code: ImportRowErrorCode; message: string } | null {
  if (id === '') return { code: 'EMPTY_ID', message: 'external_userid is empty' };
  if (chars(id) > SUPPRESSION_ID_MAX)
    return {
      code: 'ID_TOO_LONG',
      message: `external_userid is longer than ${SUPPRESSION_ID_MAX} characters`,
    };
  if (chars(reason) > SUPPRESSION_REASON_MAX)
    return {
      code: 'REASON_TOO_LONG',
      message: `reason is longer than ${SUPPRESSION_REASON_MAX} characters`,
    };
  if (firstRow !== undefined)
    return { code: 'DUPLICATE_IN_FILE', message: `external_userid already on row ${firstRow}` };
  return null;
}

/**
 * Reads a suppression CSV: one external_userid a row, an optional second column with the
 * row's reason, an optional header row. Rows whose cells are all blank are skipped; every
 * other row is either an entry or an error, so `rows = entries + rejected rows`.
 */
export function parseSuppressionCsv(csv: Buffer): ParsedSuppressionCsv {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // csv-parse's types do not follow `info: true`, which wraps each record with its info.
    records = parse(decodeUtf8(csv), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Files pasted together from several sources mix line endings.
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as typeof records;
  } catch (e) {
    if (e instanceof CsvError) throw new UnreadableCsvError(`not a valid CSV file: ${e.message}`);
    throw e;
  }
  const out: ParsedSuppressionCsv = { rows: 0, entries: [], errors: [] };
  const firstRow = new Map<string, number>();
  let first = true;
  for (const { record, info } of records) {
    const cells = record.map((c) => c.trim());
    if (cells.every((c) => c === '')) continue;
    const [id, reasonCell = ''] = cells;
    const isHeader = first && HEADER_NAMES.has(id.toLowerCase());
    first = false;
    if (isHeader) continue;
    // info.lines is where the record ends; a quoted field may span lines.
    const row = info.lines - record.reduce((n, c) => n + lineBreaks(c), 0);
    out.rows++;
    const problem = rowProblem(id, reasonCell, firstRow.get(id));
    if (problem) {
      if (out.errors.length < IMPORT_ERRORS_MAX) out.errors.push({ row, value: id, ...problem });
      continue;
    }
    firstRow.set(id, row);
    out.entries.push({ externalUserId: id, reason: reasonCell === '' ? null : reasonCell });
  }
  return out;
}
