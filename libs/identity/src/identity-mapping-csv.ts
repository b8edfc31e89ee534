import { CsvError, parse } from 'csv-parse/sync';
import { normaliseMobile } from './buyer-identifiers';

/** Why a row of an identity mapping file was not applied (stable codes; docs/WECOM.md "Identity"). */
export const MAPPING_REJECT_REASONS = [
  'missing',
  'too_long',
  'bad_customer_id',
  'bad_mobile',
  'duplicate',
  'unknown_customer',
  'unknown_mobile',
  'customer_taken',
  'contact_taken',
  'owner_not_following',
] as const;
type MappingRejectReason = (typeof MAPPING_REJECT_REASONS)[number];

export interface MappingRejection {
  /** Line of the file the row starts on (1-based; the header and blank lines count). */
  line: number;
  /** The file's column the reason is about. */
  column: string;
  value: string;
  reason: MappingRejectReason;
  message: string;
}

/** One row naming a contact's buyer: by customer id, else by mobile (normalised). */
export interface MappingEntry {
  line: number;
  externalUserId: string;
  customerId?: number;
  mobile?: string;
  /** The column the buyer was named by, for the report. */
  buyerColumn: 'customer_id' | 'mobile';
  buyerValue: string;
  ownerUserid?: string;
}

interface ParsedMappingCsv {
  /** Data rows read (not the header, not blank rows): entries + rejections. */
  rows: number;
  entries: MappingEntry[];
  rejections: MappingRejection[];
}

/** Why a file cannot be read as a mapping file at all (the API answers 400 naming `file`). */
export class UnreadableMappingError extends Error {}

const COLUMNS = ['external_userid', 'customer_id', 'mobile', 'owner_userid'] as const;
type Column = (typeof COLUMNS)[number];
/** As `customers.external_userid` and `customers.owner_userid` store them (characters). */
const EXTERNAL_USERID_MAX = 128;
const OWNER_USERID_MAX = 64;

const chars = (s: string) => Array.from(s).length;
const lineBreaks = (s: string) => s.match(/\r\n|\r|\n/g)?.length ?? 0;

function decodeUtf8(csv: Buffer): string {
  // A NUL never occurs in text: an xlsx (zip) or other binary file.
  if (csv.includes(0)) throw new UnreadableMappingError('the file is not a CSV text file');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(csv);
  } catch {
    throw new UnreadableMappingError('the file must be UTF-8 encoded (save it as "CSV UTF-8")');
  }
}

/**
 * Reads an identity mapping CSV (UTF-8, with or without BOM): a header row naming
 * `external_userid` and `customer_id` or `mobile` (or both: a row's customer id wins over its
 * mobile), optionally `owner_userid`; one contact a row. Rows whose cells are all blank are
 * skipped; every other row is an entry or a rejection with its line, column and reason. What
 * the database must say (the customer exists, is free, the owner follows) is checked later.
 */
export function parseIdentityMappingCsv(csv: Buffer): ParsedMappingCsv {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // csv-parse's types do not follow `info: true`, which wraps each record with its info.
    records = parse(decodeUtf8(csv), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as typeof records;
  } catch (e) {
    if (e instanceof CsvError)
      throw new UnreadableMappingError(`not a valid CSV file: ${e.message}`);
    throw e;
  }
  const rows = records.filter(({ record }) => record.some((c) => c.trim() !== ''));
  if (rows.length === 0) throw new UnreadableMappingError('the file is empty');
  const header = rows[0].record.map((c) => c.trim().toLowerCase());
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length)
    throw new UnreadableMappingError(
      `unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}: the header names ${COLUMNS.join(', ')}`,
    );
  const at = new Map<Column, number>();
  header.forEach((h, i) => {
    if (at.has(h as Column)) throw new UnreadableMappingError(`column "${h}" appears twice`);
    at.set(h as Column, i);
  });
  if (!at.has('external_userid') || (!at.has('customer_id') && !at.has('mobile')))
    throw new UnreadableMappingError(
      'the header must name external_userid and customer_id or mobile (owner_userid optional)',
    );

  const out: ParsedMappingCsv = { rows: 0, entries: [], rejections: [] };
  const firstLine = new Map<string, number>();
  for (const { record, info } of rows.slice(1)) {
    // info.lines is where the record ends; a quoted field may span lines.
    const line = info.lines - record.reduce((n, c) => n + lineBreaks(c), 0);
    const cell = (c: Column) => {
      const i = at.get(c);
      return i === undefined ? '' : (record[i] ?? '').trim();
    };
    out.rows++;
    const reject = (column: Column, reason: MappingRejectReason, message: string) =>
      out.rejections.push({ line, column, value: cell(column), reason, message });
    const e = cell('external_userid');
    const idCell = cell('customer_id');
    const mobileCell = cell('mobile');
    const owner = cell('owner_userid');
    if (e === '') {
      reject('external_userid', 'missing', 'external_userid is empty');
      continue;
    }
    if (chars(e) > EXTERNAL_USERID_MAX) {
      reject('external_userid', 'too_long', `longer than ${EXTERNAL_USERID_MAX} characters`);
      continue;
    }
    if (firstLine.has(e)) {
      reject('external_userid', 'duplicate', `external_userid already on line ${firstLine.get(e)}`);
      continue;
    }
    if (chars(owner) > OWNER_USERID_MAX) {
      reject('owner_userid', 'too_long', `longer than ${OWNER_USERID_MAX} characters`);
      continue;
    }
    const entry: Omit<MappingEntry, 'buyerColumn' | 'buyerValue'> = {
      line,
      externalUserId: e,
      ...(owner ? { ownerUserid: owner } : {}),
    };
    if (idCell !== '') {
      const id = /^\d{1,15}$/.test(idCell) ? Number(idCell) : 0;
      if (id <= 0) {
        reject('customer_id', 'bad_customer_id', 'customer_id must be a positive whole number');
        continue;
      }
      out.entries.push({
        ...entry,
        customerId: id,
        buyerColumn: 'customer_id',
        buyerValue: idCell,
      });
    } else if (mobileCell !== '') {
      const mobile = normaliseMobile(mobileCell);
      if (!mobile || mobile.replace('+', '').length < 5) {
        reject('mobile', 'bad_mobile', 'mobile must be a phone number');
        continue;
      }
      out.entries.push({ ...entry, mobile, buyerColumn: 'mobile', buyerValue: mobileCell });
    } else {
      reject(
        at.has('customer_id') ? 'customer_id' : 'mobile',
        'missing',
        'the row names no buyer (customer_id or mobile)',
      );
      continue;
    }
    firstLine.set(e, line);
  }
  return out;
}
