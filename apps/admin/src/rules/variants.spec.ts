import { listVariantKey, recipientsByVariant, shareText, variantShares } from './variants';

describe('content variants in the console', () => {
  it.each([
    [1, [], [100]],
    [1, [1], [50, 50]],
    [2, [1, 1], [50, 25, 25]],
    [1, [1, 1], [100 / 3, 100 / 3, 100 / 3]],
    [100, [1], [(100 / 101) * 100, (1 / 101) * 100]],
  ])('A weighted %s beside %j → shares %j', (a, others, shares) => {
    const got = variantShares(a, others) as number[];
    expect(got).toHaveLength(shares.length);
    got.forEach((s, i) => expect(s).toBeCloseTo(shares[i], 10));
  });

  it.each([
    [null, [1]],
    [1, [null]],
    [1, [0]],
    [1, [101]],
    [1.5, [1]],
    [1, [Number.NaN]],
    [undefined, [1]],
  ])('has no shares while a weight is not accepted (A %s, others %j)', (a, others) => {
    expect(variantShares(a, others)).toBeNull();
  });

  it('words shares with one decimal', () => {
    expect(shareText(100 / 3)).toBe('33.3%');
    expect(shareText(50)).toBe('50.0%');
    expect(shareText(undefined)).toBe('—');
  });

  it('names the form list entries B, C, …', () => {
    expect([0, 1, 2, 3].map(listVariantKey)).toEqual(['B', 'C', 'D', 'E']);
  });

  it('sums a run’s recipients and batches per variant, in letter order', () => {
    expect(
      recipientsByVariant([
        { variant: 'B', recipientCount: 10_000 },
        { variant: 'A', recipientCount: 10_000 },
        { variant: 'B', recipientCount: 20 },
        { variant: 'A', recipientCount: 5 },
        { variant: 'C', recipientCount: 7 },
      ]),
    ).toEqual([
      { variant: 'A', recipients: 10_005, batches: 2 },
      { variant: 'B', recipients: 10_020, batches: 2 },
      { variant: 'C', recipients: 7, batches: 1 },
    ]);
    expect(recipientsByVariant([])).toEqual([]);
  });
});
