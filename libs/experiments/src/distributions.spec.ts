import {
  incompleteBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from './distributions';

describe('distribution functions', () => {
  it.each([
    // Standard normal table values (Abramowitz & Stegun 26.2; Φ⁻¹ to 16 digits as in R's qnorm).
    [1.96, 0.9750021048517795],
    [-3, 0.0013498980316301],
    [0, 0.5],
    [1, 0.8413447460685429],
    [-6, 9.865876450376946e-10],
  ])('Φ(%p) = %p', (x, p) => {
    expect(normalCdf(x)).toBeCloseTo(p, 14);
    expect(Math.abs(normalCdf(x) - p) / p).toBeLessThan(1e-12);
  });

  it.each([
    [0.975, 1.959963984540054],
    [0.995, 2.5758293035489],
    [0.5, 0],
    [0.025, -1.959963984540054],
  ])('Φ⁻¹(%p) = %p', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 12);
  });

  it.each([
    // Two-sided 95 % critical values of Student's t (any t table; R: qt(0.975, df)).
    [1, 12.706204736174707],
    [2, 4.302652729749464],
    [10, 2.228138851986274],
    [30, 2.042272456301238],
    [120, 1.979930405082423],
  ])('t(0.975, %p) = %p', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 10);
    expect(studentTCdf(t, df)).toBeCloseTo(0.975, 12);
    expect(studentTQuantile(0.025, df)).toBeCloseTo(-t, 10);
  });

  it('approaches the normal distribution as the degrees of freedom grow (2M recipients)', () => {
    expect(studentTQuantile(0.975, 2_000_000)).toBeCloseTo(1.959963984540054, 5);
    expect(studentTQuantile(0.975, 2_000_000)).toBeGreaterThan(1.959963984540054);
    expect(studentTCdf(-1.96, 1e7)).toBeCloseTo(normalCdf(-1.96), 7);
  });

  it('agrees with closed forms: t with 1 df is Cauchy, with 2 df algebraic', () => {
    for (const t of [-20, -3, -0.5, 0, 0.7, 4])
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
    for (const t of [-5, -1, 0, 2.5])
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
  });

  it('computes ln Γ and the incomplete beta function', () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362_880), 12);
    expect(logGamma(1e6)).toBeCloseTo(
      1e6 * Math.log(1e6) - 1e6 - 0.5 * Math.log(1e6) + 0.5 * Math.log(2 * Math.PI) + 1 / 12e6,
      6,
    );
    // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b.
    expect(incompleteBeta(0.3, 2.5, 1)).toBeCloseTo(0.3 ** 2.5, 14);
    expect(incompleteBeta(0.3, 1, 4.5)).toBeCloseTo(1 - 0.7 ** 4.5, 14);
    expect(incompleteBeta(0.4, 3, 3) + incompleteBeta(0.6, 3, 3)).toBeCloseTo(1, 14);
  });

  it('refuses probabilities outside (0, 1) and degrees of freedom ≤ 0', () => {
    expect(() => normalQuantile(1)).toThrow(RangeError);
    expect(() => studentTQuantile(0, 5)).toThrow(RangeError);
    expect(() => studentTCdf(1, 0)).toThrow(RangeError);
  });
});
