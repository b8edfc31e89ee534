import type { ImportReport, ImportRowError, SuppressionSource } from '../api/types';

export const SUPPRESSION_SOURCES: Record<SuppressionSource, { label: string; color: string }> = {
  manual: { label: '手动', color: 'default' },
  import: { label: '导入', color: 'blue' },
  complaint: { label: '客户投诉', color: 'red' },
};

/** The most ids `/suppression/add` and `/suppression/remove` take in one call. */
export const MAX_IDS_PER_CALL = 10_000;

/**
 * The external ids an operator pasted: one per line or separated by commas (，too),
 * semicolons or spaces — external ids have none of these — without blanks and repeats.
 */
export function parseIdList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,，;；]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

const ROW_ERRORS: Record<string, string> = {
  EMPTY_ID: '缺少 external_userid',
  ID_TOO_LONG: 'external_userid 过长',
  REASON_TOO_LONG: '原因过长',
  DUPLICATE_IN_FILE: '与文件中前面的行重复',
};

/** A row of the import's error report in the operators' words (unknown codes as given). */
export function describeRowError(e: Pick<ImportRowError, 'message'> & { code: string }): string {
  return ROW_ERRORS[e.code] ?? e.message;
}

/** Rows not imported: the report lists at most the first 1000, the count is always exact. */
export function notImported(r: ImportReport): number {
  return r.rows - r.added - r.alreadySuppressed;
}
