import type { BatchState, RunState } from '../api/types';

type TagColor = 'default' | 'processing' | 'success' | 'warning' | 'error';

export const RUN_STATES: Record<RunState, { label: string; color: TagColor }> = {
  pending: { label: '待执行', color: 'default' },
  selecting: { label: '筛选人群中', color: 'processing' },
  sending: { label: '发送中', color: 'processing' },
  completed: { label: '已完成', color: 'success' },
  skipped: { label: '已跳过', color: 'default' },
  missed: { label: '已错过', color: 'warning' },
  failed: { label: '失败', color: 'error' },
  cancelled: { label: '已取消', color: 'default' },
};

export const BATCH_STATES: Record<BatchState, { label: string; color: TagColor }> = {
  filling: { label: '分组中', color: 'default' },
  pending: { label: '待发送', color: 'default' },
  sending: { label: '发送中', color: 'processing' },
  sent: { label: '已发送', color: 'success' },
  failed: { label: '失败', color: 'error' },
  unknown: { label: '结果未知', color: 'warning' },
  safe_to_resend: { label: '未创建·可重发', color: 'warning' },
  cancelled: { label: '已取消', color: 'default' },
};

/** Runs the API lets an operator cancel (PushRunService.cancel). */
export const CANCELLABLE_RUN_STATES: readonly RunState[] = [
  'pending',
  'selecting',
  'sending',
  'completed',
];
/** Batches the API lets an operator resend (PushRunService.resend). */
export const RESENDABLE_BATCH_STATES: readonly BatchState[] = [
  'unknown',
  'safe_to_resend',
  'failed',
];
/** Runs still moving: the page refreshes while one is shown. */
export const ACTIVE_RUN_STATES: readonly RunState[] = ['pending', 'selecting', 'sending'];

const REASONS: readonly [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^rule deleted$/, () => '规则已删除'],
  [/^rule vanished$/, () => '规则已不存在'],
  [/^rule paused$/, () => '规则已暂停'],
  [/^outside the rule date range$/, () => '不在规则有效期内'],
  [/^slot no longer in the rule$/, () => '该推送时间已从规则中移除'],
  [
    /^started (\d+) min late \(grace (\d+) min\)$/,
    (m) => `延迟 ${m[1]} 分钟才开始，超过允许的 ${m[2]} 分钟，未发送`,
  ],
  [/^cancelled by an operator$/, () => '运营手动取消'],
  [/^attachments: (.*)$/, (m) => `附件（图片/小程序封面）处理失败：${m[1]}`],
];

/** A run's reason in the operator's words; unknown reasons are shown as the API gave them. */
export function describeReason(reason: string | null): string {
  if (!reason) return '';
  for (const [re, text] of REASONS) {
    const m = reason.match(re);
    if (m) return text(m);
  }
  return reason;
}

const RUN_KINDS: Record<string, string> = {
  manual: '手动执行',
  test: '测试发送',
  scheduled: '定时',
};

export const runKindLabel = (kind: string) => RUN_KINDS[kind] ?? kind;
