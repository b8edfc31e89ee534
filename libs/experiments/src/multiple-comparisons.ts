/**
 * Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective multiple test
 * procedure", Scand. J. Statist. 6:65–70) of the p-values of several comparisons: the i-th
 * smallest of m is multiplied by m − i + 1, then made non-decreasing and capped at 1. Rejecting
 * every hypothesis whose adjusted p-value is ≤ α keeps the chance of any false "significant"
 * among the m at most α, whatever their dependence (as Bonferroni, but never less powerful).
 * Returned in the order given.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const p of pValues)
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
