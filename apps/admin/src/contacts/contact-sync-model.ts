import { BUSINESS_TZ } from '@app/contracts';
import type { ContactSync, IdentityRejectReason } from '../api/types';

/** Each identity-file rejection reason in the operator's words. */
export const IDENTITY_REJECT_REASONS: Record<IdentityRejectReason, string> = {
  missing: '缺少内容',
  too_long: '内容过长',
  bad_customer_id: '客户 ID 不是正整数',
  bad_mobile: '手机号无效',
  duplicate: '文件中重复',
  unknown_customer: '没有这个客户 ID',
  unknown_mobile: '没有这个手机号的客户',
  customer_taken: '该客户已关联其他企业微信客户',
  contact_taken: '该企业微信客户已关联其他有订单的客户',
  owner_not_following: '该成员没有添加这个客户',
};

export const SYNC_STATES: Record<ContactSync['state'], { label: string; color: string }> = {
  running: { label: '进行中', color: 'processing' },
  completed: { label: '已完成', color: 'success' },
  failed: { label: '失败', color: 'error' },
};

const TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: BUSINESS_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** An instant from the API as Shanghai wall time, `2026-12-06 10:30:00`. */
export function shanghaiTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const p = Object.fromEntries(TIME.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}:${p.second}`;
}

/** A share 0–1 as a percentage with one decimal. */
export const percent = (share: number) => `${(Math.round(share * 1000) / 10).toFixed(1)}%`;

/** A running sync's progress 0–100 by members read (WeCom gives no total of contacts). */
export function syncPercent(s: ContactSync): number {
  if (s.state === 'completed') return 100;
  if (s.membersTotal === 0) return 0;
  return Math.min(100, Math.floor((s.membersDone / s.membersTotal) * 100));
}
