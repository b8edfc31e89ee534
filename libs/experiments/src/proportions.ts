import { normalCdf, normalQuantile } from './distributions';

/** A group's customers (`n`) and how many of them converted (`x`, e.g. bought). */
interface Conversions {
  n: number;
  x: number;
}

/** A two-sided confidence interval [low, high]. */
export type Interval = [number, number];

function rate({ n, x }: Conversions): number {
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(x) || x < 0 || x > n)
    throw new RangeError(`need whole numbers 0 ≤ x ≤ n, n ≥ 1; got x = ${x}, n = ${n}`);
  return x / n;
}

/** The normal quantile of a two-sided interval at `level` (0.95 → 1.959964). */
export function twoSidedZ(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  return normalQuantile(1 - (1 - level) / 2);
}

/** Wilson's score interval for one proportion (Wilson 1927; Newcombe 1998a method 3). */
export function wilsonInterval(group: Conversions, level = 0.95): Interval {
  const p = rate(group);
  const z = twoSidedZ(level);
  const z2n = (z * z) / group.n;
  const centre = p + z2n / 2;
  const half = z * Math.sqrt((p * (1 - p) + z2n / 4) / group.n);
  const denominator = 1 + z2n;
  return [Math.max(0, (centre - half) / denominator), Math.min(1, (centre + half) / denominator)];
}

/**
 * The difference of two proportions `a` − `b` with Newcombe's hybrid score interval (Newcombe
 * 1998, "Interval estimation for the difference between independent proportions: comparison of
 * eleven methods", Statistics in Medicine 17:873–890, method 10): each proportion's Wilson
 * interval (without continuity correction) combined in quadrature on the side it bounds.
 * Never outside [−1, 1], sensible at 0 and n conversions, good coverage at small n.
 */
export function newcombeDifference(
  a: Conversions,
  b: Conversions,
  level = 0.95,
): { difference: number; interval: Interval } {
  const pa = rate(a);
  const pb = rate(b);
  const [la, ua] = wilsonInterval(a, level);
  const [lb, ub] = wilsonInterval(b, level);
  const difference = pa - pb;
  return {
    difference,
    interval: [
      difference - Math.sqrt((pa - la) ** 2 + (ub - pb) ** 2),
      difference + Math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2),
    ],
  };
}

/**
 * The same difference with the simple asymptotic (Wald) interval, d ± z·√(pa(1−pa)/na +
 * pb(1−pb)/nb) (Newcombe 1998 method 1). Kept for comparison: it collapses to zero width at 0
 * or n conversions and overshoots [−1, 1]; reports use {@link newcombeDifference}.
 */
export function waldDifference(
  a: Conversions,
  b: Conversions,
  level = 0.95,
): { difference: number; interval: Interval } {
  const pa = rate(a);
  const pb = rate(b);
  const difference = pa - pb;
  const half = twoSidedZ(level) * Math.sqrt((pa * (1 - pa)) / a.n + (pb * (1 - pb)) / b.n);
  return { difference, interval: [difference - half, difference + half] };
}

/**
 * The two-sided p-value of the pooled two-proportion z-test of pa = pb (equivalent to
 * Pearson's χ² test of the 2×2 table without continuity correction: z² = χ²).
 */
export function pooledZTest(a: Conversions, b: Conversions): { z: number; pValue: number } {
  const difference = rate(a) - rate(b);
  const pooled = (a.x + b.x) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  // Nobody (or everybody) converted in either group: the groups do not differ.
  if (se === 0) return { z: 0, pValue: 1 };
  const z = difference / se;
  return { z, pValue: 2 * normalCdf(-Math.abs(z)) };
}
