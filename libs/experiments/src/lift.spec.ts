import { conversionLift, GroupOutcome, incremental, revenueLift, SIGNIFICANCE_RULE } from './lift';
import { welchDifference } from './means';
import { newcombeDifference, pooledZTest } from './proportions';

/** A group whose buyers each spent `amount` yuan. */
const group = (name: string, customers: number, buyers: number, amount = 100): GroupOutcome => ({
  group: name,
  customers,
  buyers,
  revenue: buyers * amount,
  revenueSquares: buyers * amount * amount,
});

describe('lift and the significance rule', () => {
  const control = group('control', 10_000, 500);

  it('compares buyer conversion with Newcombe’s interval and the pooled z-test', () => {
    const [b] = conversionLift(control, [group('B', 10_000, 600)]);
    expect(b.group).toBe('B');
    expect(b.absolute).toBeCloseTo(0.01, 15);
    expect(b.relative).toBeCloseTo(0.2, 12);
    const expected = newcombeDifference({ n: 10_000, x: 600 }, { n: 10_000, x: 500 });
    expect(b.ci95).toEqual(expected.interval);
    expect(b.unadjustedPValue).toBe(
      pooledZTest({ n: 10_000, x: 600 }, { n: 10_000, x: 500 }).pValue,
    );
    expect(b.pValue).toBe(b.unadjustedPValue);
    expect(b.significant).toBe(true);
  });

  it('is not significant while the interval includes 0', () => {
    const [b] = conversionLift(control, [group('B', 10_000, 530)]);
    expect(b.ci95![0]).toBeLessThan(0);
    expect(b.significant).toBe(false);
  });

  it.each([
    ['the control group has fewer than 10 buyers', group('control', 2000, 9), group('B', 2000, 40)],
    ['the variant has fewer than 100 customers', group('control', 20_000, 200), group('B', 99, 40)],
  ])('is not significant when %s, even though the interval excludes 0', (_name, base, variant) => {
    const [lift] = conversionLift(base, [variant]);
    expect(lift.ci95![0]).toBeGreaterThan(0);
    expect(lift.pValue!).toBeLessThan(0.05);
    expect(lift.significant).toBe(false);
  });

  it('applies the minimums at their bounds: 100 customers and 10 buyers suffice', () => {
    expect(SIGNIFICANCE_RULE).toMatchObject({ minCustomers: 100, minBuyers: 10 });
    const [lift] = conversionLift(group('control', 100, 10), [group('B', 100, 40)]);
    expect(lift.significant).toBe(true);
  });

  it("adjusts the p-values of several variants with Holm's method", () => {
    // Alone, B (5.7 % vs 5 %) is significant at p ≈ 0.028; compared alongside C, both adjust to ≈ 0.056.
    const [alone] = conversionLift(control, [group('B', 10_000, 570)]);
    expect(alone.pValue!).toBeLessThan(0.05);
    expect(alone.significant).toBe(true);
    const [b, c] = conversionLift(control, [group('B', 10_000, 570), group('C', 10_000, 570)]);
    expect(b.unadjustedPValue).toBe(alone.pValue);
    expect(b.pValue!).toBeCloseTo(2 * alone.pValue!, 12);
    expect(b.ci95![0]).toBeGreaterThan(0);
    expect([b.significant, c.significant]).toEqual([false, false]);
  });

  it('compares revenue per customer with Welch’s interval from the sums', () => {
    const variant = group('B', 10_000, 600, 120);
    const [b] = revenueLift(control, [variant]);
    const welch = welchDifference(
      { n: 10_000, sum: variant.revenue, sumOfSquares: variant.revenueSquares },
      { n: 10_000, sum: control.revenue, sumOfSquares: control.revenueSquares },
    );
    expect(b.absolute).toBeCloseTo(7.2 - 5, 12);
    expect(b.relative).toBeCloseTo(2.2 / 5, 12);
    expect(b.ci95).toEqual(welch.interval);
    expect(b.pValue).toBe(welch.pValue);
    expect(b.significant).toBe(true);
  });

  it('has no interval, p-value or relative lift where there is nothing to compare', () => {
    const empty = group('control', 0, 0);
    const [conversion] = conversionLift(empty, [group('B', 500, 20)]);
    expect(conversion).toMatchObject({
      ci95: null,
      pValue: null,
      relative: null,
      significant: false,
    });
    const [revenue] = revenueLift(group('control', 1, 0), [group('B', 500, 20)]);
    expect(revenue).toMatchObject({ ci95: null, pValue: null, relative: null, significant: false });
    // The comparison without data does not count among those Holm adjusts for.
    const [, b] = conversionLift(control, [group('A', 0, 0), group('B', 10_000, 570)]);
    expect(b.pValue).toBe(b.unadjustedPValue);
  });

  it('estimates the incremental total from the control group’s rate', () => {
    // 9,000 treated customers placed 540 orders; 1,000 control customers placed 50 (→ 450 expected).
    expect(incremental({ customers: 9000, total: 540 }, { customers: 1000, total: 50 })).toBe(90);
    expect(incremental({ customers: 9000, total: 540 }, { customers: 0, total: 0 })).toBeNull();
  });
});
