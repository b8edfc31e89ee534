import {
  newcombeDifference,
  pooledZTest,
  twoSidedZ,
  waldDifference,
  wilsonInterval,
} from './proportions';

const round4 = ([l, u]: number[]) => [Number(l.toFixed(4)), Number(u.toFixed(4))];

describe('two proportions', () => {
  /**
   * Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10 (and method 1,
   * Wald). Rows (a) and (b) were checked against the paper's figures as the `propint` R
   * package's tests reproduce them ("produces the results reported in Newcombe1998":
   * 56/70 − 48/80 → 0.0524 to 0.3339, 9/10 − 3/10 → 0.1705 to 0.8090); rows (d)–(f) are the
   * table's boundary cases.
   */
  it.each([
    ['(a)', 56, 70, 48, 80, 0.2, [0.0524, 0.3339]],
    ['(b)', 9, 10, 3, 10, 0.6, [0.1705, 0.809]],
    ['(d)', 5, 56, 0, 29, 5 / 56, [-0.0381, 0.1926]],
    ['(e)', 0, 10, 0, 20, 0, [-0.1611, 0.2775]],
    ['(f)', 0, 10, 0, 10, 0, [-0.2775, 0.2775]],
  ])('Newcombe 1998 Table II %s: %p/%p − %p/%p', (_row, xa, na, xb, nb, difference, interval) => {
    const r = newcombeDifference({ x: xa, n: na }, { x: xb, n: nb });
    expect(r.difference).toBeCloseTo(difference, 12);
    expect(round4(r.interval)).toEqual(interval);
  });

  it('gives the closed form at 0 conversions: the Wilson upper limit z²/(n + z²) on each side', () => {
    const z2 = twoSidedZ(0.95) ** 2;
    const r = newcombeDifference({ x: 0, n: 10 }, { x: 0, n: 20 });
    expect(r.interval[0]).toBeCloseTo(-z2 / (20 + z2), 14);
    expect(r.interval[1]).toBeCloseTo(z2 / (10 + z2), 14);
  });

  it('stays within [−1, 1] where the Wald interval overshoots or collapses', () => {
    const newcombe = newcombeDifference({ x: 10, n: 10 }, { x: 0, n: 10 });
    expect(newcombe.interval[1]).toBe(1);
    expect(newcombe.interval[0]).toBeGreaterThan(0.5);
    const wald = waldDifference({ x: 10, n: 10 }, { x: 0, n: 10 });
    expect(wald.interval).toEqual([1, 1]);
  });

  it('gives the Wald interval d ± 1.96·√(pa·qa/na + pb·qb/nb)', () => {
    const se = Math.sqrt((0.8 * 0.2) / 70 + (0.6 * 0.4) / 80);
    const r = waldDifference({ x: 56, n: 70 }, { x: 48, n: 80 });
    expect(r.interval[0]).toBeCloseTo(0.2 - 1.959963984540054 * se, 12);
    expect(r.interval[1]).toBeCloseTo(0.2 + 1.959963984540054 * se, 12);
    expect(round4(r.interval)).toEqual([0.0575, 0.3425]);
  });

  it.each([
    // Wilson score intervals, Newcombe (1998a, Statistics in Medicine 17:857–872) Table I, method 3.
    [81, 263, [0.2553, 0.3662]],
    [15, 148, [0.0624, 0.1605]],
    [0, 20, [0, 0.1611]],
    [1, 29, [0.0061, 0.1718]],
  ])('Wilson interval of %p/%p', (x, n, interval) => {
    expect(round4(wilsonInterval({ x, n }))).toEqual(interval);
  });

  it("pooled z-test: z² is Pearson's χ² of the 2×2 table, the p-value its two-sided normal tail", () => {
    const table = [
      [56, 14],
      [48, 32],
    ];
    const total = 150;
    const rows = table.map((r) => r[0] + r[1]);
    const cols = [table[0][0] + table[1][0], table[0][1] + table[1][1]];
    let chi2 = 0;
    for (const i of [0, 1])
      for (const j of [0, 1]) {
        const expected = (rows[i] * cols[j]) / total;
        chi2 += (table[i][j] - expected) ** 2 / expected;
      }
    const r = pooledZTest({ x: 56, n: 70 }, { x: 48, n: 80 });
    expect(r.z ** 2).toBeCloseTo(chi2, 10);
    expect(r.z).toBeGreaterThan(0);
    // χ²₁ = 7.0234 → p = 0.00805 (any χ² table: 6.63 ↔ 0.01, 7.88 ↔ 0.005).
    expect(r.pValue).toBeCloseTo(0.008045, 6);
    expect(pooledZTest({ x: 48, n: 80 }, { x: 56, n: 70 }).pValue).toBeCloseTo(r.pValue, 15);
  });

  it('pooled z-test without any (or with only) conversions: no difference, p = 1', () => {
    expect(pooledZTest({ x: 0, n: 100 }, { x: 0, n: 50 })).toEqual({ z: 0, pValue: 1 });
    expect(pooledZTest({ x: 100, n: 100 }, { x: 50, n: 50 })).toEqual({ z: 0, pValue: 1 });
  });

  it.each([[{ x: 1, n: 0 }], [{ x: 5, n: 4 }], [{ x: -1, n: 4 }], [{ x: 1.5, n: 4 }]])(
    'refuses %p',
    (bad) => {
      expect(() => newcombeDifference(bad, { x: 1, n: 2 })).toThrow(RangeError);
      expect(() => pooledZTest({ x: 1, n: 2 }, bad)).toThrow(RangeError);
    },
  );
});
