import { EXPERIMENT_LIMITS, variantKey } from '@app/contracts';
import type { BatchView } from '../api/types';

type Weight = number | null | undefined;

const isWeight = (w: Weight): w is number =>
  typeof w === 'number' &&
  Number.isInteger(w) &&
  w >= EXPERIMENT_LIMITS.weight.min &&
  w <= EXPERIMENT_LIMITS.weight.max;

/**
 * Each variant's share of the rule's customers in percent, A (the rule's content, weighted by
 * `contentWeight`) first, then B, C, … — or null while a weight is not one the API accepts.
 */
export function variantShares(contentWeight: Weight, weights: readonly Weight[]): number[] | null {
  const all = [contentWeight, ...weights];
  if (!all.every(isWeight)) return null;
  const total = all.reduce((a, b) => a + b, 0);
  return all.map((w) => (w / total) * 100);
}

/** A share as the form shows it: one decimal ("33.3%"). */
export const shareText = (share: number | undefined) =>
  share === undefined ? '—' : `${(Math.round(share * 10) / 10).toFixed(1)}%`;

/** The letter of the variant at index `i` of the form's list (B is index 0). */
export const listVariantKey = (i: number) => variantKey(i + 1);

/** A run's recipients and batches per content variant, in letter order. */
export function recipientsByVariant(
  batches: readonly Pick<BatchView, 'variant' | 'recipientCount'>[],
): { variant: string; recipients: number; batches: number }[] {
  const by = new Map<string, { recipients: number; batches: number }>();
  for (const b of batches) {
    const v = by.get(b.variant) ?? { recipients: 0, batches: 0 };
    v.recipients += b.recipientCount;
    v.batches += 1;
    by.set(b.variant, v);
  }
  return [...by].sort(([a], [b]) => a.localeCompare(b)).map(([variant, v]) => ({ variant, ...v }));
}
