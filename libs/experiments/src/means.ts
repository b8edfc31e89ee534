import { studentTCdf, studentTQuantile } from './distributions';
import { Interval } from './proportions';

/**
 * A group's values as three sums SQL can compute in one pass: how many (`n`), their sum and the
 * sum of their squares — e.g. per-recipient revenue, 0 for a recipient who bought nothing.
 */
interface Sums {
  n: number;
  sum: number;
  sumOfSquares: number;
}

function meanAndVariance({ n, sum, sumOfSquares }: Sums): { mean: number; variance: number } {
  if (!Number.isSafeInteger(n) || n < 2)
    throw new RangeError(`a variance needs n ≥ 2 values, got n = ${n}`);
  if (!Number.isFinite(sum) || !Number.isFinite(sumOfSquares) || sumOfSquares < 0)
    throw new RangeError(`sums must be finite, the sum of squares ≥ 0`);
  const mean = sum / n;
  // Σx² − (Σx)²/n can round a hair below 0 when every value is the same.
  const variance = Math.max(0, (sumOfSquares - sum * mean) / (n - 1));
  return { mean, variance };
}

/**
 * Welch's interval for the difference of two means `a` − `b` without assuming equal variances
 * (Welch 1947): d ± t(1 − α/2, ν)·√(sa²/na + sb²/nb) with the Welch–Satterthwaite degrees of
 * freedom ν = (sa²/na + sb²/nb)² / ((sa²/na)²/(na−1) + (sb²/nb)²/(nb−1)); the p-value of the
 * same test, two-sided. Relies on the central limit theorem for the means: fine for revenue
 * per recipient at hundreds of recipients per group, even though revenue is very skewed.
 */
export function welchDifference(
  a: Sums,
  b: Sums,
  level = 0.95,
): { difference: number; interval: Interval; df: number; t: number; pValue: number } {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const ma = meanAndVariance(a);
  const mb = meanAndVariance(b);
  const difference = ma.mean - mb.mean;
  const va = ma.variance / a.n;
  const vb = mb.variance / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    // Every value within each group is the same: the difference is known exactly.
    return {
      difference,
      interval: [difference, difference],
      df: a.n + b.n - 2,
      t: difference === 0 ? 0 : Math.sign(difference) * Infinity,
      pValue: difference === 0 ? 1 : 0,
    };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  const t = difference / se;
  return {
    difference,
    interval: [difference - half, difference + half],
    df,
    t,
    pValue: 2 * studentTCdf(-Math.abs(t), df),
  };
}
