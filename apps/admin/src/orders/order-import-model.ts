import type { ImportRejectReason, OrderImport, OrderImportState } from '../api/types';

/** Each rejection code of the import's report in the operators' words (docs/INGEST.md). */
export const REJECT_REASON_WORDS: Record<ImportRejectReason, string> = {
  missing: '缺少必填内容',
  bad_date: '日期时间格式不对（应为 YYYY-MM-DD HH:mm:ss）',
  bad_amount: '金额格式不对（元，最多两位小数）',
  negative_amount: '金额为负数',
  unknown_status: '未知的订单状态',
  not_a_sale: '订单未付款，不是成交',
  bad_quantity: '数量不是大于 0 的整数',
  bad_customer_id: '客户 ID 不是数字',
  no_buyer: '无法识别买家（客户 ID、手机号、unionid 至少填一项，昵称不够）',
  too_long: '内容过长',
  inconsistent: '与同一订单的其他行不一致',
  split_order: '同一订单的行不相邻（请按订单号排序）',
  order_rejected: '同一订单的其他行被拒绝，整单未导入',
  not_stored: '写入时被拒绝',
};

export const IMPORT_STATES: Record<OrderImportState, { label: string; color: string }> = {
  queued: { label: '排队中', color: 'default' },
  running: { label: '进行中', color: 'processing' },
  done: { label: '已完成', color: 'success' },
  failed: { label: '失败', color: 'error' },
  cancelled: { label: '已取消', color: 'warning' },
};

/** Still moving: the page keeps asking for its status. */
export function isActive(state: OrderImportState): boolean {
  return state === 'queued' || state === 'running';
}

interface ImportProgress {
  percent: number;
  status: 'normal' | 'active' | 'success' | 'exception';
  text: string;
}

/**
 * The progress bar of an import. The file is read as a stream, so the number of rows is
 * known only at the end: a running import shows a moving full bar and the rows read so far.
 */
export function progressOf(
  i: Pick<OrderImport, 'state' | 'rowsRead' | 'cancelRequested'>,
): ImportProgress {
  const rows = `已读 ${i.rowsRead.toLocaleString('zh-CN')} 行`;
  switch (i.state) {
    case 'queued':
      return { percent: 0, status: 'normal', text: '排队中' };
    case 'running':
      return {
        percent: 100,
        status: 'active',
        text: i.cancelRequested ? `正在取消，${rows}` : rows,
      };
    case 'done':
      return { percent: 100, status: 'success', text: rows };
    case 'failed':
      return { percent: 100, status: 'exception', text: '失败' };
    case 'cancelled':
      return { percent: 100, status: 'exception', text: `已取消，${rows}` };
  }
}

/**
 * What a finished dry run offers: importing the same file for real. `clean` when every row
 * passed; otherwise only the orders that passed would be written (a rejected row's whole
 * order is left out). Nothing to offer when no order passed or the run did not complete.
 */
export function confirmOffer(
  i: Pick<OrderImport, 'dryRun' | 'state' | 'ordersAccepted' | 'rowsRejected'>,
): { clean: boolean } | undefined {
  if (!i.dryRun || i.state !== 'done' || i.ordersAccepted === 0) return undefined;
  return { clean: i.rowsRejected === 0 };
}

/** A file size for people: 512 B, 3.4 KB, 12.0 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Who started an import: `operator:3` → 操作员 #3, `cli` → 命令行. */
export function describeCreator(createdBy: string): string {
  const m = /^operator:(\d+)$/.exec(createdBy);
  if (m) return `操作员 #${m[1]}`;
  return createdBy === 'cli' ? '命令行' : createdBy;
}

/** Only CSV and XLSX files are order files (the API decides by content; this is the first check). */
export function isOrderFileName(name: string): boolean {
  return /\.(csv|xlsx)$/i.test(name);
}
