import type { ExclusionCounts } from '../api/types';
import { exclusionItems, exclusionTotal } from '../rules/exclusions';
import { num } from './analysis';

/**
 * Beside the funnel: "策略排除 12 人：勿扰 2、间隔不足 10" — customers the contact policy kept
 * out of the scope's runs, summed over the runs; never sent, so not in 推送人数.
 */
export function describePolicyExclusions(excluded: ExclusionCounts): string {
  const items = exclusionItems(excluded);
  const total = `策略排除 ${num(exclusionTotal(excluded))} 人`;
  if (items.length === 0) return total;
  return `${total}：${items.map((i) => `${i.label} ${num(i.count)}`).join('、')}`;
}
