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
