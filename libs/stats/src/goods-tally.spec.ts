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
    t.add('A', 1, '11,12,20', 10); // two labels of group 1: one group; 0.10 yuan
    t.add('A', 2, '11,12,20', 10); // the order's second buyer: its revenue once
    t.add('B', 1, '20,99', 20);
    t.add('C', 3, '99', 0); // no label of the dimension; revenue unknown
    t.add('D', 4, '', 1999);
    t.add('E', 5, '30', 5); // two rows of one order number, one without a label
    t.add('E', 5, '', 5);
    const f = t.figures(10);
    expect(f.groups).toEqual([
      { group: 2, orders: 2, share: 1.5 },
      { group: 1, orders: 1, share: 0.5 },
      { group: 3, orders: 1, share: 0.5 },
      { group: 0, orders: 3, share: 2.5 },
    ]);
    expect(f.shareSum).toBeCloseTo(5, 12);
    expect([f.totalOrders, f.totalBuyers, f.totalRevenueFen]).toEqual([5, 5, 2034]);
    expect(f.top).toEqual([2, 1, 3]);
    expect(Object.fromEntries(f.buckets)).toEqual({
      1: { orders: 1, buyers: 2, revenueFen: 10 },
      2: { orders: 2, buyers: 2, revenueFen: 30 },
      3: { orders: 1, buyers: 1, revenueFen: 5 },
      0: { orders: 3, buyers: 3, revenueFen: 2004 },
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
    expect(f.buckets.get(-1)).toEqual({ orders: 2, buyers: 2, revenueFen: 0 });
    expect(f.buckets.get(2)).toEqual({ orders: 2, buyers: 2, revenueFen: 0 });
    expect(f.buckets.has(0)).toBe(false);
  });

  it('is empty without rows', () => {
    const f = new GoodsTally(groupOf).figures(10);
    expect(f).toMatchObject({
      groups: [],
      top: [],
      shareSum: 0,
      totalOrders: 0,
      totalBuyers: 0,
      totalRevenueFen: 0,
    });
    expect(f.buckets.size).toBe(0);
  });

  it('agrees with a plain set-based count on random rows, long label ids included', () => {
    const big = '12345678901234567890'; // beyond 2^53: looked up as text
    const groups = new Map<string, number>([[big, 7]]);
    for (let id = 1; id <= 30; id++) if (id % 5 !== 0) groups.set(String(id), 1 + (id % 6));
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const rows: [string, number | string, string, number][] = [];
    const revenueOf = (order: string) => (Number(order.slice(2)) * 37) % 1000; // fen, 0 = unknown
    for (let i = 0; i < 2000; i++) {
      const labels = Array.from({ length: rand(4) }, () =>
        rand(10) === 0 ? big : String(1 + rand(30)),
      );
      const order = `NO${rand(300)}`;
      rows.push([
        order,
        rand(3) === 0 ? `k${rand(40)}` : rand(60),
        labels.join(','),
        revenueOf(order),
      ]);
    }
    const t = new GoodsTally(groups);
    for (const r of rows) t.add(...r);
    const f = t.figures(3);

    // The same figures from sets of strings.
    const ofOrder = new Map<string, { groups: Set<number>; buyers: Set<string> }>();
    for (const [order, buyer, labels] of rows) {
      const e = ofOrder.get(order) ?? { groups: new Set<number>(), buyers: new Set<string>() };
      ofOrder.set(order, e);
      const gs = labels === '' ? [] : labels.split(',').flatMap((l) => groups.get(l) ?? []);
      if (gs.length === 0) e.groups.add(0);
      for (const g of gs) e.groups.add(g);
      e.buyers.add(String(buyer));
    }
    const count = new Map<number, number>();
    for (const e of ofOrder.values())
      for (const g of e.groups) count.set(g, (count.get(g) ?? 0) + 1);
    expect(f.groups.map((g) => [g.group, g.orders]).sort((a, b) => a[0] - b[0])).toEqual(
      [...count].sort((a, b) => a[0] - b[0]),
    );
    const top = new Set(f.top);
    const bucketOf = (g: number) => (top.has(g) ? g : g === 0 ? 0 : -1);
    const expected = new Map<number, { orders: Set<string>; buyers: Set<string> }>();
    for (const [order, e] of ofOrder) {
      for (const g of e.groups) {
        const b = bucketOf(g);
        const x = expected.get(b) ?? { orders: new Set<string>(), buyers: new Set<string>() };
        expected.set(b, x);
        x.orders.add(order);
        for (const buyer of e.buyers) x.buyers.add(buyer);
      }
    }
    expect(Object.fromEntries(f.buckets)).toEqual(
      Object.fromEntries(
        [...expected].map(([b, x]) => [
          b,
          {
            orders: x.orders.size,
            buyers: x.buyers.size,
            revenueFen: [...x.orders].reduce((sum, o) => sum + revenueOf(o), 0),
          },
        ]),
      ),
    );
    expect(f.totalOrders).toBe(ofOrder.size);
    expect(f.totalRevenueFen).toBe([...ofOrder.keys()].reduce((sum, o) => sum + revenueOf(o), 0));
    expect(f.totalBuyers).toBe(new Set(rows.map((r) => String(r[1]))).size);
    expect(f.shareSum).toBeCloseTo(ofOrder.size, 9);
    expect(f.buckets.get(7) ?? f.buckets.get(-1)).toBeDefined();
  });
});
