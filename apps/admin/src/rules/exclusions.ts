import { EXCLUSION_REASONS, type ExclusionReason } from '@app/contracts';
import type { ExclusionCounts } from '../api/types';

/** Each reason the contact policy keeps a customer out, in the operators' words. */
export const EXCLUSION_LABELS: Record<ExclusionReason, string> = {
  noOwner: '无专属导购',
  unreachable: '不可达',
  suppressed: '勿扰',
  cooldown: '冷却中',
  gap: '间隔不足',
  dayCap: '当日上限',
  weekCap: '7日上限',
  wecomCap: '企业微信上限',
};

const num = (n: number) => n.toLocaleString('zh-CN');

/** The non-zero reasons, in the order the policy counts them (each customer once). */
export function exclusionItems(excluded: ExclusionCounts): { label: string; count: number }[] {
  return EXCLUSION_REASONS.filter((r) => (excluded[r] ?? 0) > 0).map((r) => ({
    label: EXCLUSION_LABELS[r],
    count: excluded[r],
  }));
}

export function exclusionTotal(excluded: ExclusionCounts): number {
  // Runs recorded before a reason existed lack its key.
  return EXCLUSION_REASONS.reduce((sum, r) => sum + (excluded[r] ?? 0), 0);
}

/** "排除 1,610 人：勿扰 210、冷却中 96、当日上限 1,304" (or that nobody was excluded). */
export function describeExclusions(excluded: ExclusionCounts): string {
  const items = exclusionItems(excluded);
  if (items.length === 0) return '触达策略未排除任何客户';
  const list = items.map((i) => `${i.label} ${num(i.count)}`).join('、');
  return `排除 ${num(exclusionTotal(excluded))} 人：${list}`;
}

/** 预估人数's line: "可触达 8,120 人 — 排除 1,610 人：勿扰 210、…". */
export function describeReach(count: number, excluded: ExclusionCounts): string {
  return `可触达 ${num(count)} 人 — ${describeExclusions(excluded)}`;
}
