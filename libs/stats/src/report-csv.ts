import type { ReportRow } from './effect-analysis.service';

/** The UTF-8 byte order mark: Excel then reads the file as UTF-8 (Chinese headers). */
const UTF8_BOM = '\uFEFF';

/** The report's CSV columns, in order: Chinese header → field of a report row. */
export const REPORT_CSV_COLUMNS: [string, keyof ReportRow][] = [
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
  ['订单转化率', 'orderConversionRate'],
  ['用户转化率', 'userConversionRate'],
];

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report as CSV: BOM, the header line, one line per row (CRLF line ends, as RFC 4180). */
export function reportCsv(rows: ReportRow[]): string {
  const lines = [REPORT_CSV_COLUMNS.map(([header]) => header).join(',')];
  for (const row of rows) {
    lines.push(REPORT_CSV_COLUMNS.map(([, field]) => csvField(row[field])).join(','));
  }
  return `${UTF8_BOM}${lines.join('\r\n')}\r\n`;
}
