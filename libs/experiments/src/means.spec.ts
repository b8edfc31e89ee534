import { welchDifference } from './means';

const sums = (values: number[]) => ({
  n: values.length,
  sum: values.reduce((s, v) => s + v, 0),
  sumOfSquares: values.reduce((s, v) => s + v * v, 0),
});

/** R's `sleep` data (Student 1908, Cushny & Peebles): extra hours of sleep under two drugs. */
const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe("Welch's interval from n, Σx and Σx²", () => {
  it("reproduces R's ?t.test example: t.test(extra ~ group, data = sleep)", () => {
    // R prints: t = -1.8608, df = 17.776, p-value = 0.07939,
    // 95 percent confidence interval: -3.3654832 0.2054832; means 0.75 and 2.33.
    const r = welchDifference(sums(drug1), sums(drug2));
    expect(r.difference).toBeCloseTo(0.75 - 2.33, 12);
    expect(r.t).toBeCloseTo(-1.8608, 4);
    expect(r.df).toBeCloseTo(17.776, 3);
    expect(r.pValue).toBeCloseTo(0.07939, 5);
    expect(r.interval[0]).toBeCloseTo(-3.3654832, 7);
    expect(r.interval[1]).toBeCloseTo(0.2054832, 7);
  });

  it('is the mirror image with the groups swapped', () => {
    const r = welchDifference(sums(drug2), sums(drug1));
    expect(r.interval[0]).toBeCloseTo(-0.2054832, 7);
    expect(r.interval[1]).toBeCloseTo(3.3654832, 7);
  });

  it('handles revenue-like data: mostly zeros, a few large amounts, 100k customers per group', () => {
    // 2 % buy 100 yuan vs 2.4 % buy 100 yuan: means 2.0 vs 2.4.
    const group = (buyers: number) => ({
      n: 100_000,
      sum: buyers * 100,
      sumOfSquares: buyers * 10_000,
    });
    const r = welchDifference(group(2400), group(2000));
    expect(r.difference).toBeCloseTo(0.4, 12);
    const se = Math.sqrt((0.024 * 0.976 * 10_000) / 100_000 + (0.02 * 0.98 * 10_000) / 100_000);
    // The variance uses n − 1, so the standard error differs from the binomial one in the 5th digit.
    expect(r.interval[1] - r.difference).toBeCloseTo(1.96 * se, 3);
    expect(r.df).toBeGreaterThan(190_000);
    expect(r.pValue).toBeLessThan(1e-8);
  });

  it('a group where every value is the same contributes no variance', () => {
    const zeros = { n: 500, sum: 0, sumOfSquares: 0 };
    const r = welchDifference(sums(drug2), zeros);
    // Welch–Satterthwaite with one variance term: df = n − 1.
    expect(r.df).toBeCloseTo(drug2.length - 1, 10);
    expect(welchDifference(zeros, zeros)).toMatchObject({ interval: [0, 0], pValue: 1 });
  });

  it('refuses fewer than 2 values and impossible sums', () => {
    expect(() => welchDifference({ n: 1, sum: 3, sumOfSquares: 9 }, sums(drug1))).toThrow(
      RangeError,
    );
    expect(() => welchDifference(sums(drug1), { n: 5, sum: NaN, sumOfSquares: 1 })).toThrow(
      RangeError,
    );
  });
});
