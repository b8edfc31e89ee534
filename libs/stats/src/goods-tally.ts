/** A recipient key as the driver returns it (a number, or a string beyond 2^53). */
export type BuyerKey = number | string;

export interface GoodsTallyGroup {
  /** Group index (≥ 1: a label group, in its key's collation order; 0: no label). */
  group: number;
  /** Distinct orders carrying the group. */
  orders: number;
  /** Σ 1/n over those orders, n = the order's number of groups. */
  share: number;
}

export interface GoodsTallyFigures {
  /** Every group present, labelled ones by orders (descending) then index, 0 last. */
  groups: GoodsTallyGroup[];
  /** The top `limit` labelled groups. */
  top: number[];
  /** Distinct orders and buyers per bucket: a top group's index, -1 the rest, 0 no label. */
  buckets: Map<number, { orders: number; buyers: number }>;
  /** Σ of every group's share (the orders, up to rounding): the shares' denominator. */
  shareSum: number;
  totalOrders: number;
  totalBuyers: number;
}

/**
 * The goods breakdown's arithmetic over attributed order rows (docs/STATISTICS.md, "goods"),
 * fed one attribution row at a time as the scope's rows stream from MySQL:
 *
 * - an order is its order number; its groups are the union over its rows of the groups of
 *   the row's labels, or "no label" (0) for a row with no label of the dimension;
 * - its buyers are the recipients of all its rows, and a buyer counts in every group of
 *   the order;
 * - a group's orders are distinct orders, its share Σ 1/n (n = the order's groups), so the
 *   shares of all groups add up to the orders.
 *
 * Memory: one entry per distinct order (its few groups and buyers), nothing per row.
 */
export class GoodsTally {
  private readonly index = new Map<string, number>();
  private readonly groupsOf: number[][] = [];
  private readonly buyersOf: BuyerKey[][] = [];

  /** `groupOf`: label id (as text) → group index ≥ 1, for the dimension's labels only. */
  constructor(private readonly groupOf: ReadonlyMap<string, number>) {}

  /** One attribution row: its order number, buyer and label ids (comma separated, or ''). */
  add(orderNumber: string, buyer: BuyerKey, labelIds: string): void {
    let i = this.index.get(orderNumber);
    if (i === undefined) {
      i = this.groupsOf.length;
      this.index.set(orderNumber, i);
      this.groupsOf.push([]);
      this.buyersOf.push([]);
    }
    const groups = this.groupsOf[i];
    let labelled = false;
    if (labelIds !== '') {
      for (const id of labelIds.split(',')) {
        const g = this.groupOf.get(id);
        if (g === undefined) continue;
        labelled = true;
        if (!groups.includes(g)) groups.push(g);
      }
    }
    if (!labelled && !groups.includes(0)) groups.push(0);
    const buyers = this.buyersOf[i];
    if (!buyers.includes(buyer)) buyers.push(buyer);
  }

  figures(limit: number): GoodsTallyFigures {
    const orders = new Map<number, number>();
    const share = new Map<number, number>();
    for (const groups of this.groupsOf) {
      const w = 1 / groups.length;
      for (const g of groups) {
        orders.set(g, (orders.get(g) ?? 0) + 1);
        share.set(g, (share.get(g) ?? 0) + w);
      }
    }
    const labelled = [...orders.keys()]
      .filter((g) => g !== 0)
      .sort((a, b) => (orders.get(b) as number) - (orders.get(a) as number) || a - b);
    const top = labelled.slice(0, limit);
    const topSet = new Set(top);
    const groups: GoodsTallyGroup[] = [...labelled, ...(orders.has(0) ? [0] : [])].map((g) => ({
      group: g,
      orders: orders.get(g) as number,
      share: share.get(g) as number,
    }));

    const bucketOrders = new Map<number, number>();
    const bucketBuyers = new Map<number, Set<BuyerKey>>();
    const allBuyers = new Set<BuyerKey>();
    const seen: number[] = [];
    this.groupsOf.forEach((gs, i) => {
      seen.length = 0;
      for (const g of gs) {
        const b = topSet.has(g) ? g : g === 0 ? 0 : -1;
        if (seen.includes(b)) continue;
        seen.push(b);
        bucketOrders.set(b, (bucketOrders.get(b) ?? 0) + 1);
        let set = bucketBuyers.get(b);
        if (!set) bucketBuyers.set(b, (set = new Set()));
        for (const buyer of this.buyersOf[i]) set.add(buyer);
      }
      for (const buyer of this.buyersOf[i]) allBuyers.add(buyer);
    });
    const buckets = new Map<number, { orders: number; buyers: number }>();
    for (const [b, n] of bucketOrders) {
      buckets.set(b, { orders: n, buyers: (bucketBuyers.get(b) as Set<BuyerKey>).size });
    }
    return {
      groups,
      top,
      buckets,
      shareSum: groups.reduce((s, g) => s + g.share, 0),
      totalOrders: this.groupsOf.length,
      totalBuyers: allBuyers.size,
    };
  }
}
