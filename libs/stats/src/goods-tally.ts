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

interface GoodsTallyFigures {
  /** Every group present, labelled ones by orders (descending) then index, 0 last. */
  groups: GoodsTallyGroup[];
  /** The top `limit` labelled groups. */
  top: number[];
  /**
   * Distinct orders, buyers and the orders' revenue (integer fen, each order once) per bucket:
   * a top group's index, -1 the rest, 0 no label.
   */
  buckets: Map<number, { orders: number; buyers: number; revenueFen: number }>;
  /** Σ of every group's share (the orders, up to rounding): the shares' denominator. */
  shareSum: number;
  totalOrders: number;
  totalBuyers: number;
  totalRevenueFen: number;
}

/** Pairs are packed as `a · 2^26 + b` in doubles (exact below 2^53). */
const SHIFT = 2 ** 26;
const COMMA = 44;
const ZERO = 48;

/** A growable array of doubles indexed by order, holding the largest value set. */
class OrderValues {
  private data = new Float64Array(4096);

  max(i: number, x: number): void {
    while (i >= this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    if (x > this.data[i]) this.data[i] = x;
  }

  get(i: number): number {
    return i < this.data.length ? this.data[i] : 0;
  }

  /** Σ of the first `n` values. */
  sum(n: number): number {
    let total = 0;
    for (let i = 0; i < Math.min(n, this.data.length); i++) total += this.data[i];
    return total;
  }
}

/** A growable array of doubles, sorted and de-duplicated in place at the end. */
class PairList {
  private data = new Float64Array(4096);
  private length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }

  sortedUnique(): Float64Array {
    const a = this.data.subarray(0, this.length).sort();
    let k = 0;
    for (let i = 0; i < a.length; i++) if (k === 0 || a[i] !== a[k - 1]) a[k++] = a[i];
    return a.subarray(0, k);
  }
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
 * Rows become (order, group) and (order, buyer) pairs of small integers packed into doubles;
 * the counting sorts and de-duplicates those arrays. Memory: an index entry per distinct
 * order and buyer and 8 bytes per pair, no object per row or order (the whole goods call
 * over 250,000 orders: 0.39–0.42 s in bench:stats, 0.82 s there with two arrays per order).
 */
export class GoodsTally {
  private readonly orderIndex = new Map<string, number>();
  private readonly buyerIndex = new Map<BuyerKey, number>();
  private readonly orderGroups = new PairList();
  private readonly orderBuyers = new PairList();
  /** Revenue per order index, integer fen (every row of an order carries the same). */
  private readonly orderRevenue = new OrderValues();
  /** Label id → group, for ids that are safe integers (parsed without a string). */
  private readonly groupOfId = new Map<number, number>();
  /** One past the largest group index. */
  private readonly groupLimit: number;

  /** `groupOf`: label id (as text) → group index ≥ 1, for the dimension's labels only. */
  constructor(private readonly groupOf: ReadonlyMap<string, number>) {
    let max = 0;
    for (const [id, g] of groupOf) {
      const n = Number(id);
      if (Number.isSafeInteger(n) && String(n) === id) this.groupOfId.set(n, g);
      max = Math.max(max, g);
    }
    this.groupLimit = max + 1;
  }

  /**
   * One attribution row: its order number, buyer, label ids (comma separated, or '') and its
   * order's revenue in integer fen (0 when unknown).
   */
  add(orderNumber: string, buyer: BuyerKey, labelIds: string, revenueFen = 0): void {
    let o = this.orderIndex.get(orderNumber);
    if (o === undefined) this.orderIndex.set(orderNumber, (o = this.orderIndex.size));
    if (revenueFen > 0) this.orderRevenue.max(o, revenueFen);
    let b = this.buyerIndex.get(buyer);
    if (b === undefined) {
      b = this.buyerIndex.size;
      if (b >= SHIFT) throw new Error('goods: more buyers in scope than the tally can pack');
      this.buyerIndex.set(buyer, b);
    }
    this.orderBuyers.push(o * SHIFT + b);
    const base = o * this.groupLimit;
    let labelled = false;
    let value = 0;
    let digits = 0;
    let start = 0;
    for (let i = 0; i <= labelIds.length; i++) {
      const c = i < labelIds.length ? labelIds.charCodeAt(i) : COMMA;
      if (c !== COMMA) {
        value = value * 10 + (c - ZERO);
        digits++;
        continue;
      }
      if (digits > 0) {
        const g =
          digits <= 15 ? this.groupOfId.get(value) : this.groupOf.get(labelIds.slice(start, i));
        if (g !== undefined) {
          labelled = true;
          this.orderGroups.push(base + g);
        }
      }
      value = 0;
      digits = 0;
      start = i + 1;
    }
    if (!labelled) this.orderGroups.push(base);
  }

  figures(limit: number): GoodsTallyFigures {
    const G = this.groupLimit;
    const og = this.orderGroups.sortedUnique(); // by order, then group
    const ob = this.orderBuyers.sortedUnique(); // by order, then buyer
    const orders = new Float64Array(G);
    const share = new Float64Array(G);
    for (let i = 0; i < og.length;) {
      const o = Math.floor(og[i] / G);
      let j = i;
      while (j < og.length && Math.floor(og[j] / G) === o) j++;
      const w = 1 / (j - i);
      for (let k = i; k < j; k++) {
        const g = og[k] - o * G;
        orders[g]++;
        share[g] += w;
      }
      i = j;
    }
    const labelled: number[] = [];
    for (let g = 1; g < G; g++) if (orders[g] > 0) labelled.push(g);
    labelled.sort((a, b) => orders[b] - orders[a] || a - b);
    const top = labelled.slice(0, limit);
    const groups: GoodsTallyGroup[] = [...labelled, ...(orders[0] > 0 ? [0] : [])].map((g) => ({
      group: g,
      orders: orders[g],
      share: share[g],
    }));

    // Buckets: a top group's own index, 0 for no label, G for the rest (reported as -1).
    const bucketOf = new Int32Array(G).fill(G);
    bucketOf[0] = 0;
    for (const g of top) bucketOf[g] = g;
    const bucketOrders = new Float64Array(G + 1);
    const bucketRevenue = new Float64Array(G + 1);
    const bucketBuyers = new PairList();
    const seen: number[] = [];
    for (let i = 0, p = 0; i < og.length;) {
      const o = Math.floor(og[i] / G);
      seen.length = 0;
      for (; i < og.length && Math.floor(og[i] / G) === o; i++) {
        const bucket = bucketOf[og[i] - o * G];
        if (!seen.includes(bucket)) seen.push(bucket);
      }
      while (p < ob.length && Math.floor(ob[p] / SHIFT) < o) p++;
      let q = p;
      while (q < ob.length && Math.floor(ob[q] / SHIFT) === o) q++;
      const revenue = this.orderRevenue.get(o);
      for (const bucket of seen) {
        bucketOrders[bucket]++;
        bucketRevenue[bucket] += revenue;
        for (let k = p; k < q; k++) bucketBuyers.push(bucket * SHIFT + (ob[k] - o * SHIFT));
      }
      p = q;
    }
    const buyersPerBucket = new Float64Array(G + 1);
    for (const x of bucketBuyers.sortedUnique()) buyersPerBucket[Math.floor(x / SHIFT)]++;
    const buckets = new Map<number, { orders: number; buyers: number; revenueFen: number }>();
    for (let bucket = 0; bucket <= G; bucket++) {
      if (bucketOrders[bucket] === 0) continue;
      buckets.set(bucket === G ? -1 : bucket, {
        orders: bucketOrders[bucket],
        buyers: buyersPerBucket[bucket],
        revenueFen: bucketRevenue[bucket],
      });
    }
    return {
      groups,
      top,
      buckets,
      shareSum: groups.reduce((s, g) => s + g.share, 0),
      totalOrders: this.orderIndex.size,
      totalBuyers: this.buyerIndex.size,
      totalRevenueFen: this.orderRevenue.sum(this.orderIndex.size),
    };
  }
}
