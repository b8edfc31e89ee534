import { holmAdjust } from './multiple-comparisons';

describe("Holm's adjustment", () => {
  it('rejects hypotheses 1 and 4 of the Wikipedia example (p = 0.01, 0.04, 0.03, 0.005; α = 0.05)', () => {
    // Sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.04·1, 0.06) = 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 15));
    expect(adjusted.map((p) => p <= 0.05)).toEqual([true, false, false, true]);
  });

  it('keeps the adjusted p-values non-decreasing in the raw order and caps them at 1', () => {
    // R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") → 0.05 0.08 0.09 0.09 0.09
    const adjusted = holmAdjust([0.01, 0.02, 0.03, 0.04, 0.05]);
    [0.05, 0.08, 0.09, 0.09, 0.09].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 15));
    expect(holmAdjust([0.6, 0.5])).toEqual([1, 1]);
  });

  it('leaves a single comparison as it is, and nothing as nothing', () => {
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('refuses p-values outside [0, 1]', () => {
    expect(() => holmAdjust([0.2, 1.2])).toThrow(RangeError);
    expect(() => holmAdjust([NaN])).toThrow(RangeError);
  });
});
