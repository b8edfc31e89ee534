/**
 * Experiments built into rules (issue 17, docs/STATISTICS.md "Experiments"): a rule's
 * holdout, its content variants (A/B/n) and the program-wide global control group, as the api
 * and the console share them.
 */

export const EXPERIMENT_LIMITS = {
  /** Percent of a rule's customers held out (selected, checked, recorded, not sent). */
  holdoutPercent: { min: 0, max: 50, default: 0 },
  /** Percent of all customers no rule messages (the contact policy's field). */
  globalControlPercent: { min: 0, max: 10, default: 0 },
  /** Content variants besides the rule's own (variant A). */
  maxVariants: 4,
  /** Whole-number weights; the rule's own content has `contentWeight`. */
  weight: { min: 1, max: 100, default: 1 },
} as const;

/** A content variant besides the rule's own (variant A): B, C, … in order. */
export interface VariantInput {
  content?: string;
  img?: string;
  miniProgramTitle?: string;
  miniProgramImg?: string;
  miniProgramUrl?: string;
  weight: number;
}

/** The letter of variant index `i`: 0 = A (the rule's own content), 1 = B, … */
export const variantKey = (i: number): string => String.fromCharCode(65 + i);

/** A share in percent with at most two decimals, within [min, max]. */
export function isPercent(v: unknown, min: number, max: number): v is number {
  return (
    typeof v === 'number' &&
    Number.isFinite(v) &&
    v >= min &&
    v <= max &&
    Math.abs(Math.round(v * 100) - v * 100) < 1e-6
  );
}
