import { globalControl, holdoutGroup, variantOf } from './assignment';

/** What a selection holds out, as the run records it when it starts selecting. */
export interface ExperimentDesign {
  ruleId: number;
  /** The rule's holdout, percent (0: none). */
  holdoutPercent: number;
  /** The global control group, percent of all customers (0: none), and its draw's salt. */
  globalControlPercent: number;
  salt: string;
  /** A cap-exempt service notice that may reach the global control group. */
  ignoreGlobalControl: boolean;
  /**
   * The content variants' weights, the rule's own content (A) first; absent or one weight:
   * no variants (designs recorded before variants existed have none).
   */
  weights?: number[];
}

/** The variant index (0 = A) a customer gets under `d`: drawn by weight, per (customer, rule). */
function variantIndex(e: string, d: ExperimentDesign): number {
  return d.weights && d.weights.length > 1 ? variantOf(e, d.ruleId, d.weights) : 0;
}

type ControlGroup = 'holdout' | 'global';

/**
 * Splits customers the selection and the contact policy allowed into those to send and those
 * held out: the global control group first (no rule messages them, unless the rule is a
 * service notice that opted out), then the rule's own holdout. Each customer also gets the
 * content variant they are (or, held out, would have been) sent: `treated` is grouped by
 * variant index (0 = A), in the order given within a variant. Deterministic per customer
 * (docs/STATISTICS.md "Experiments — methods").
 */
export function splitControls(
  ids: readonly string[],
  d: ExperimentDesign,
): {
  treated: Map<number, string[]>;
  control: { e: string; group: ControlGroup; variant: number }[];
} {
  const treated = new Map<number, string[]>();
  const control: { e: string; group: ControlGroup; variant: number }[] = [];
  const global = d.globalControlPercent > 0 && !d.ignoreGlobalControl;
  const holdout = d.holdoutPercent > 0;
  for (const e of ids) {
    const variant = variantIndex(e, d);
    if (global && globalControl(e, d.globalControlPercent, d.salt))
      control.push({ e, group: 'global', variant });
    else if (holdout && holdoutGroup(e, d.ruleId, d.holdoutPercent) === 'control')
      control.push({ e, group: 'holdout', variant });
    else {
      const list = treated.get(variant);
      if (list) list.push(e);
      else treated.set(variant, [e]);
    }
  }
  return { treated, control };
}
