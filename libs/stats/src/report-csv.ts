import type { ReportRow } from './effect-analysis.service';

/** The UTF-8 byte order mark: Excel then reads the file as UTF-8 (Chinese headers). */
const UTF8_BOM = '\uFEFF';

type FigureField = Exclude<keyof ReportRow, 'holdoutLift'>;

/** The report's CSV columns, in order: Chinese header → field of a report row. */
const FIGURE_COLUMNS: [string, FigureField][] = [
  ['周期', 'period'],
  ['开始日期', 'from'],
  ['结束日期', 'to'],
  ['规则ID', 'pushId'],
  ['规则名称', 'ruleName'],
  ['推送人数', 'pushCount'],
  ['失败人数', 'failCount'],
  ['成功人数', 'successCount'],
  ['成功率', 'successRate'],
  ['员工执行人数', 'executedCount'],
  ['送达人数', 'deliveredCount'],
  ['非好友人数', 'notFriendCount'],
  ['超上限人数', 'overCapCount'],
  ['下单数', 'orderCount'],
  ['下单人数', 'buyerCount'],
  ['营收(元)', 'revenue'],
  ['订单转化率', 'orderConversionRate'],
  ['用户转化率', 'userConversionRate'],
];

/** A number, so a negative lift stays a number (text starting with - would be defused). */
const fraction = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * The lift over the holdout (docs/STATISTICS.md "Experiments"): fractions with 4 decimals as the
 * rates; empty cells when the rule has no holdout members in the period.
 */
const LIFT_COLUMNS: [string, (row: ReportRow) => string | number][] = [
  ['对照组人数', (r) => r.holdoutLift?.controlRecipients ?? ''],
  ['对照组用户转化率', (r) => r.holdoutLift?.controlUserConversionRate ?? ''],
  ['转化提升', (r) => (r.holdoutLift ? fraction(r.holdoutLift.absolute) : '')],
  ['提升95%下限', (r) => (r.holdoutLift?.ci95 ? fraction(r.holdoutLift.ci95[0]) : '')],
  ['提升95%上限', (r) => (r.holdoutLift?.ci95 ? fraction(r.holdoutLift.ci95[1]) : '')],
  ['提升显著', (r) => (r.holdoutLift ? (r.holdoutLift.significant ? '是' : '否') : '')],
];

/** Every column of the CSV: header → the cell of a row. */
export const REPORT_CSV_COLUMNS: [string, (row: ReportRow) => string | number][] = [
  ...FIGURE_COLUMNS.map(([h, field]): [string, (row: ReportRow) => string | number] => [
    h,
    (row) => row[field],
  ]),
  ...LIFT_COLUMNS,
];

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. Text a
 * spreadsheet would run as a formula — starting with = + - @ (or their full-width forms ＝ ＋
 * － ＠), a tab or a carriage return — is defused with a leading apostrophe (a rule name is
 * operator input). Numbers are written as they are.
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r＝＋－＠]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report as CSV: BOM, the header line, one line per row (CRLF line ends, as RFC 4180). */
export function reportCsv(rows: ReportRow[]): string {
  const lines = [REPORT_CSV_COLUMNS.map(([header]) => header).join(',')];
  for (const row of rows) {
    lines.push(REPORT_CSV_COLUMNS.map(([, cell]) => csvField(cell(row))).join(','));
  }
  return `${UTF8_BOM}${lines.join('\r\n')}\r\n`;
}
