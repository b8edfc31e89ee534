import { rate, toFigures } from './push-figures';

describe('figures (SPEC §7)', () => {
  it.each([
    [1, 3, 0.3333],
    [2, 3, 0.6667],
    [3, 3, 1],
    [0, 5, 0],
    [5, 0, 0],
    [0, 0, 0],
  ])('rate(%i, %i) = %d (4 decimals, 0 for an empty denominator)', (a, b, r) => {
    expect(rate(a, b)).toBe(r);
  });

  it('derives success from push − fail and conversions from success, from SQL strings', () => {
    expect(
      toFigures(
        { push: '10', fail: '2', executed: '7', delivered: '5', not_friend: '1', over_cap: '1' },
        { orders: '3', buyers: '2', revenue: '300.3' },
      ),
    ).toEqual({
      pushCount: 10,
      failCount: 2,
      successCount: 8,
      successRate: 0.8,
      executedCount: 7,
      deliveredCount: 5,
      notFriendCount: 1,
      overCapCount: 1,
      orderCount: 3,
      buyerCount: 2,
      revenue: '300.30',
      orderConversionRate: 0.375,
      userConversionRate: 0.25,
    });
    expect(toFigures(undefined, { orders: null, buyers: null }).orderConversionRate).toBe(0);
    // No orders, or only orders whose amounts are unknown: SUM is NULL.
    expect(toFigures(undefined, { orders: '1', buyers: '1', revenue: null }).revenue).toBe('0.00');
  });
});
