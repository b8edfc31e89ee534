import { GoodsTally } from './goods-tally';

describe('GoodsTally', () => {
  // Label ids 11, 12 → group 1 (one key), 20 → 2, 30 → 3, 40 → 4; 99 is another dimension's.
  const groupOf = new Map([
    ['11', 1],
    ['12', 1],
    ['20', 2],
    ['30', 3],
    ['40', 4],
  ]);

  it('counts distinct orders and buyers per group, 1/n shares, and the unlabelled', () => {
    const t = new GoodsTally(groupOf);
    t.add('A', 1, '11,12,20'); // two labels of group 1: one group
    t.add('A', 2, '11,12,20'); // the order's second buyer
    t.add('B', 1, '20,99');
    t.add('C', 3, '99'); // no label of the dimension
    t.add('D', 4, '');
    t.add('E', 5, '30'); // two rows of one order number, one without a label
    t.add('E', 5, '');
    const f = t.figures(10);
    expect(f.groups).toEqual([
      { group: 2, orders: 2, share: 1.5 },
      { group: 1, orders: 1, share: 0.5 },
      { group: 3, orders: 1, share: 0.5 },
      { group: 0, orders: 3, share: 2.5 },
    ]);
    expect(f.shareSum).toBeCloseTo(5, 12);
    expect([f.totalOrders, f.totalBuyers]).toEqual([5, 5]);
    expect(f.top).toEqual([2, 1, 3]);
    expect(Object.fromEntries(f.buckets)).toEqual({
      1: { orders: 1, buyers: 2 },
      2: { orders: 2, buyers: 2 },
      3: { orders: 1, buyers: 1 },
      0: { orders: 3, buyers: 3 },
    });
  });

  it('the groups past the limit form one bucket (-1) with distinct orders and buyers', () => {
    const t = new GoodsTally(groupOf);
    t.add('A', 1, '20');
    t.add('B', 2, '20');
    t.add('C', 1, '30,40'); // both beyond the top 1: one order in "other"
    t.add('D', 3, '40,11');
    const f = t.figures(1);
    expect(f.top).toEqual([2]);
    // Ties in orders (1, 3, 4 with one or two orders) sort by group index.
    expect(f.groups.map((g) => [g.group, g.orders])).toEqual([
      [2, 2],
      [4, 2],
      [1, 1],
      [3, 1],
    ]);
    expect(f.buckets.get(-1)).toEqual({ orders: 2, buyers: 2 });
    expect(f.buckets.get(2)).toEqual({ orders: 2, buyers: 2 });
    expect(f.buckets.has(0)).toBe(false);
  });

  it('is empty without rows', () => {
    const f = new GoodsTally(groupOf).figures(10);
    expect(f).toMatchObject({ groups: [], top: [], shareSum: 0, totalOrders: 0, totalBuyers: 0 });
    expect(f.buckets.size).toBe(0);
  });
});
