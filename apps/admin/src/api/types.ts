/** The REST API's shapes as the console uses them (see /docs for the full schema). */

export interface Slot {
  /** 1..7, 7 = Sunday */
  week: number;
  /** HH:mm, Asia/Shanghai */
  time: string;
}

/** Body of create / preview; `edit` adds `id`. Label fields are comma-separated. */
export interface PushRuleBody {
  name: string;
  status: number;
  startDate: string;
  endDate: string;
  weekDayPushTime: Slot[];
  cityLabels: string;
  storeLabels: string;
  brandLabels: string;
  cateLabels: string;
  skuLabels: string;
  lastOrderDay: number;
  lastOrderDayLimit: number;
  content: string;
  img: string;
  miniProgramTitle: string;
  miniProgramImg: string;
  miniProgramUrl: string;
}

export interface PushRuleView extends PushRuleBody {
  id: number;
}

export interface PushRuleListItem {
  id: number;
  name: string;
  createTime: string;
  status: number;
  usefulTime: string;
}

export interface Page<T> {
  data: T[];
  total: number;
  page: number;
  pagesize: number;
  pages: number;
}

export interface ListQuery {
  searchText?: string;
  startTime?: string;
  endTime?: string;
  page: number;
  pagesize: number;
}

export interface IdName {
  id: string;
  name: string;
}

export interface LabelLibrary {
  cityLabels: string[];
  storeLabels: IdName[];
  cateLabels: IdName[];
  brandLabels: string[];
}

export interface AudiencePreview {
  count: number;
  sample: string[];
  window: { from: string; to: string };
  tookMs: number;
}

export type RunState =
  'pending' | 'selecting' | 'sending' | 'completed' | 'skipped' | 'missed' | 'failed' | 'cancelled';

export type BatchState = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'cancelled';

export interface BatchView {
  id: number;
  batchNo: number;
  state: BatchState;
  recipientCount: number;
  attempts: number;
  resends: number;
  msgid: string | null;
  errcode: number | null;
  errmsg: string | null;
  failCount: number;
  finishedAt: string | null;
}

export interface RunView {
  id: number;
  kind: string;
  slotAt: string;
  state: RunState;
  reason: string | null;
  ruleName: string;
  audienceCount: number | null;
  batchCount: number | null;
  sentBatches: number;
  failedBatches: number;
  unknownBatches: number;
  acceptedCount: number;
  failCount: number;
  startedAt: string | null;
  finishedAt: string | null;
  batches: BatchView[];
}

export interface CancelReport {
  runId: number;
  cancelledBatches: number;
  cancelledTasks: string[];
  taskCancelFailures: { msgid: string; errcode: number | null; errmsg: string }[];
}

export interface FieldError {
  field: string;
  message: string;
}

/** Body of /statistic/wechatpush/result and /daily: runs by slot time (Shanghai) and rule name. */
export interface StatsQuery {
  name?: string;
  /** YYYY-MM-DD (whole day) or YYYY-MM-DD HH:mm:ss, inclusive */
  startTime: string;
  endTime: string;
  attributionDays?: number;
}

/** Body of /statistic/wechatpush/runs: `id` or `name` is required. */
export interface RunStatsQuery extends StatsQuery {
  id?: number;
  page?: number;
  pagesize?: number;
}

/** The funnel (docs/STATISTICS.md): distinct recipients; rates have 4 decimals. */
export interface PushFigures {
  pushCount: number;
  failCount: number;
  successCount: number;
  successRate: number;
  executedCount: number;
  deliveredCount: number;
  notFriendCount: number;
  overCapCount: number;
  orderCount: number;
  buyerCount: number;
  orderConversionRate: number;
  userConversionRate: number;
}

export interface SenderFigures {
  userid: string;
  assignedCount: number;
  executedCount: number;
  deliveredCount: number;
  notFriendCount: number;
  overCapCount: number;
  executionRate: number;
  deliveryRate: number;
}

export interface RunFigures extends PushFigures {
  runId: number;
  pushId: number;
  ruleName: string;
  kind: 'scheduled' | 'manual';
  slotAt: string;
  state: string;
  senders: SenderFigures[];
}

export interface DailyFigures extends PushFigures {
  /** YYYY-MM-DD */
  day: string;
}

/** Dimensions of the goods breakdown: which kind of label the attributed orders are grouped by. */
export type GoodsDimension = 'sku' | 'brand' | 'category' | 'city' | 'store';

/** Body of /statistic/wechatpush/goods: `name` or `id` (not both), or neither for all runs. */
export interface GoodsQuery extends StatsQuery {
  id?: number;
  dimension: GoodsDimension;
  /** 1..100, default 10 */
  limit?: number;
}

export interface GoodsRow {
  /** The label's key (name for city / brand, bind id otherwise); null for 其他 and 无标签. */
  id: string | null;
  name: string;
  bucket: 'label' | 'other' | 'unlabelled';
  orderCount: number;
  buyerCount: number;
  /** Fraction of attributed orders (an order with k labels counts 1/k each), 4 decimals. */
  share: number;
}

export interface GoodsBreakdown {
  dimension: GoodsDimension;
  totalOrders: number;
  totalBuyers: number;
  rows: GoodsRow[];
}

/** Body of /statistic/wechatpush/compare: 1..10 distinct rule ids. */
export interface CompareQuery {
  ids: number[];
  startTime: string;
  endTime: string;
  attributionDays?: number;
}

export interface RuleFigures extends PushFigures {
  pushId: number;
  ruleName: string;
}

export type ReportGranularity = 'week' | 'month';

/** Body of /statistic/wechatpush/report. */
export interface ReportQuery {
  startTime: string;
  endTime: string;
  granularity: ReportGranularity;
  name?: string;
}

export interface ReportRow extends RuleFigures {
  /** 2026-W48 (ISO week) or 2026-11 */
  period: string;
  /** YYYY-MM-DD, clipped to the range */
  from: string;
  to: string;
}
