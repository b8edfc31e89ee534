import { shanghaiInstant } from '@app/common';
import { LabelType } from '@app/database';
import { AudienceRule, AudienceStrategy, LABEL_DRIVEN_MAX_ROWS, RfmService } from '@app/audience';
import {
  AudienceHarness,
  collect,
  Fixture,
  insertFixture,
  resetCompanyTables,
  startAudience,
} from './audience-fixtures';

/**
 * Issue 22's targeting, one table row per rule, on hand-built fixtures (docs/AUDIENCE.md):
 * windowBasis, labelMatch, exclusions, value tiers. "Now" is Saturday 2025-03-15 10:00 in
 * Shanghai; the window (d = 30, L = 45) is 2025-01-29 00:00:00 … 2025-02-13 23:59:59.
 */
const AT = shanghaiInstant('2025-03-15', '10:00:00');
const WINDOW = { lastOrderDay: 30, lastOrderDayLimit: 45 };
const IN = '2025-02-05 12:00:00';
const IN_EARLY = '2025-01-30 09:00:00';
const BEFORE = '2025-01-10 12:00:00';
const AFTER = '2025-03-01 12:00:00';
const YESTERDAY = '2025-03-14 18:00:00';

const L = {
  shanghai: { id: 1, type: LabelType.CITY, bindId: null, name: '上海' },
  beijing: { id: 2, type: LabelType.CITY, bindId: null, name: '北京' },
  warehouse: { id: 3, type: LabelType.WAREHOUSE, bindId: '1001', name: '上海仓' },
  litter: { id: 4, type: LabelType.CATEGORY, bindId: '2001', name: '猫砂' },
  food: { id: 5, type: LabelType.CATEGORY, bindId: '2002', name: '猫粮' },
  treats: { id: 6, type: LabelType.CATEGORY, bindId: '2003', name: '零食' },
  toys: { id: 7, type: LabelType.CATEGORY, bindId: '2004', name: '玩具' },
  lanshi: { id: 8, type: LabelType.BRAND, bindId: null, name: '蓝氏' },
  royal: { id: 9, type: LabelType.BRAND, bindId: null, name: '皇家' },
  sku: { id: 10, type: LabelType.SKU, bindId: 'SKU001', name: '豆腐猫砂 6L' },
};

interface OrderSpec {
  at: string;
  labels?: { id: number }[];
  payment?: number;
  refundedFee?: number;
  status?: 'paid' | 'completed' | 'closed' | 'refunded';
}

let nextOrderId = 1;
/** Customer n (external id `wm<n>`, unless `ext` says otherwise) with these orders. */
function customer(n: number, orders: OrderSpec[], ext: string = `wm${n}`): Fixture {
  const rows = orders.map((o) => ({ ...o, id: nextOrderId++ }));
  return {
    customers: [{ id: n, ext }],
    orders: rows.map((o) => ({
      id: o.id,
      userIds: String(n),
      at: o.at,
      payment: o.payment,
      refundedFee: o.refundedFee,
      status: o.status,
    })),
    links: rows.flatMap((o) =>
      (o.labels ?? []).map((l) => [n, l.id, o.id] as [number, number, number]),
    ),
  };
}

function merge(...parts: Fixture[]): Fixture {
  return {
    labels: Object.values(L),
    customers: parts.flatMap((p) => p.customers ?? []),
    orders: parts.flatMap((p) => p.orders ?? []),
    links: parts.flatMap((p) => p.links ?? []),
  };
}

interface Case {
  rule: string;
  fields: Partial<AudienceRule>;
  fixture: () => Fixture;
  expected: string[];
  /** Preview's steps: the audience after each condition the rule sets. */
  steps?: [string, number][];
}

/** Customers for the "last litter order vs last order" rows. */
const litterVsLast = () =>
  merge(
    // litter in the window, cat food yesterday: their litter is running out
    customer(1, [
      { at: IN, labels: [L.litter] },
      { at: YESTERDAY, labels: [L.food] },
    ]),
    // litter in the window and again after it: not due
    customer(2, [
      { at: IN, labels: [L.litter] },
      { at: AFTER, labels: [L.litter] },
    ]),
    // cat food only
    customer(3, [{ at: IN, labels: [L.food] }]),
    // litter before the window, nothing since
    customer(4, [{ at: BEFORE, labels: [L.litter] }]),
    // litter in the window, nothing since
    customer(5, [{ at: IN, labels: [L.litter] }]),
    // a mixed basket in the window (litter and food), then food only after it
    customer(6, [
      { at: IN, labels: [L.litter, L.food] },
      { at: AFTER, labels: [L.food] },
    ]),
    // a mixed basket after the window: its litter is recent
    customer(7, [
      { at: IN, labels: [L.litter] },
      { at: AFTER, labels: [L.food, L.litter] },
    ]),
    // the last litter order at the window's first second; another the second before it
    customer(8, [
      { at: '2025-01-28 23:59:59', labels: [L.litter] },
      { at: '2025-01-29 00:00:00', labels: [L.litter] },
    ]),
    // the last litter order one second after the window
    customer(9, [
      { at: IN, labels: [L.litter] },
      { at: '2025-02-14 00:00:00', labels: [L.litter] },
    ]),
  );

const cases: Case[] = [
  {
    rule: 'labelledGoods: the last litter purchase lies in the window, whatever was bought since',
    fields: { windowBasis: 'labelledGoods', cateLabels: '2001' },
    fixture: litterVsLast,
    expected: ['wm1', 'wm5', 'wm6', 'wm8'],
    steps: [['window', 4]],
  },
  {
    rule: 'lastOrder (the same labels): the last order of anything must lie in the window',
    fields: { cateLabels: '2001' },
    fixture: litterVsLast,
    expected: ['wm5', 'wm8'],
    steps: [
      ['window', 3],
      ['labels', 2],
    ],
  },
  {
    rule: 'labelledGoods with 3 categories: the last purchase of any of them',
    fields: { windowBasis: 'labelledGoods', cateLabels: '2001,2003,2004' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.litter] }]),
        // litter in the window, treats after it: the last of the three goods is recent
        customer(2, [
          { at: IN, labels: [L.litter] },
          { at: AFTER, labels: [L.treats] },
        ]),
        // toys in the window, food (not one of the three) after it
        customer(3, [
          { at: IN_EARLY, labels: [L.toys] },
          { at: AFTER, labels: [L.food] },
        ]),
        customer(4, [{ at: IN, labels: [L.food] }]),
      ),
    expected: ['wm1', 'wm3'],
  },
  {
    rule: 'labelledGoods with a city: the labelled purchase in the window was made there',
    fields: { windowBasis: 'labelledGoods', cateLabels: '2001', cityLabels: '上海' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.litter, L.shanghai] }]),
        customer(2, [{ at: IN, labels: [L.litter, L.beijing] }]),
        // litter without a city, and another order in Shanghai (food): not where the litter was bought
        customer(3, [
          { at: IN, labels: [L.litter] },
          { at: IN_EARLY, labels: [L.food, L.shanghai] },
        ]),
        // litter in Shanghai, food in Beijing yesterday
        customer(4, [
          { at: IN, labels: [L.litter, L.shanghai] },
          { at: YESTERDAY, labels: [L.food, L.beijing] },
        ]),
      ),
    expected: ['wm1', 'wm4'],
    steps: [
      ['window', 4],
      ['labels', 2],
    ],
  },
  {
    rule: 'labelledGoods, all: a category and a brand on the same order',
    fields: {
      windowBasis: 'labelledGoods',
      labelMatch: 'all',
      cateLabels: '2001',
      brandLabels: '蓝氏',
    },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.litter, L.lanshi] }]),
        // litter and 蓝氏 on different orders
        customer(2, [
          { at: IN, labels: [L.litter] },
          { at: IN_EARLY, labels: [L.food, L.lanshi] },
        ]),
        // 蓝氏 litter in the window, then plain litter after: the last 蓝氏 litter is still in it
        customer(3, [
          { at: IN, labels: [L.litter, L.lanshi] },
          { at: AFTER, labels: [L.litter, L.royal] },
        ]),
        customer(4, [
          { at: IN, labels: [L.litter, L.lanshi] },
          { at: AFTER, labels: [L.litter, L.lanshi] },
        ]),
      ),
    expected: ['wm1', 'wm3'],
  },
  {
    rule: 'all with a city and a category: litter bought in Shanghai, on one order',
    fields: { labelMatch: 'all', cityLabels: '上海', cateLabels: '2001' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.litter, L.shanghai] }]),
        // litter in Beijing, and food in Shanghai: both labels, never on one order
        customer(2, [
          { at: IN, labels: [L.litter, L.beijing] },
          { at: IN_EARLY, labels: [L.food, L.shanghai] },
        ]),
        // Shanghai litter before the window, last order in it
        customer(3, [
          { at: BEFORE, labels: [L.litter, L.shanghai] },
          { at: IN, labels: [L.food] },
        ]),
        customer(4, [{ at: IN, labels: [L.shanghai] }]),
      ),
    expected: ['wm1'],
    steps: [
      ['window', 4],
      ['labels', 1],
    ],
  },
  {
    rule: 'any (default) with the same labels: OR across every label',
    fields: { cityLabels: '上海', cateLabels: '2001' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.litter, L.shanghai] }]),
        customer(2, [{ at: IN, labels: [L.litter, L.beijing] }]),
        customer(4, [{ at: IN, labels: [L.shanghai] }]),
        customer(5, [{ at: IN, labels: [L.food] }]),
      ),
    expected: ['wm1', 'wm2', 'wm4'],
  },
  {
    rule: 'all: OR within a type, AND across types',
    fields: {
      labelMatch: 'all',
      cityLabels: '上海,北京',
      cateLabels: '2001,2002',
      brandLabels: '蓝氏',
    },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.food, L.beijing, L.lanshi] }]),
        customer(2, [{ at: IN, labels: [L.litter, L.shanghai, L.lanshi] }]),
        // no brand on the order
        customer(3, [{ at: IN, labels: [L.litter, L.shanghai] }]),
        // the brand on another order of the window
        customer(4, [
          { at: IN, labels: [L.litter, L.shanghai] },
          { at: IN_EARLY, labels: [L.lanshi] },
        ]),
      ),
    expected: ['wm1', 'wm2'],
  },
  {
    rule: 'all with a label type that exists nowhere: nobody',
    fields: { labelMatch: 'all', cityLabels: '上海', skuLabels: 'NO-SUCH-SKU' },
    fixture: () => merge(customer(1, [{ at: IN, labels: [L.shanghai, L.sku] }])),
    expected: [],
  },
  {
    rule: 'exclusion: cat food but not 皇家, bought in the window',
    fields: { cateLabels: '2002', excludeBrandLabels: '皇家' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.food, L.lanshi] }]),
        customer(2, [{ at: IN, labels: [L.food, L.royal] }]),
        // 皇家 on another order of the window
        customer(3, [
          { at: IN, labels: [L.food] },
          { at: IN_EARLY, labels: [L.treats, L.royal] },
        ]),
        // 皇家 before the window only: not excluded
        customer(4, [
          { at: BEFORE, labels: [L.food, L.royal] },
          { at: IN, labels: [L.food] },
        ]),
      ),
    expected: ['wm1', 'wm4'],
    steps: [
      ['window', 4],
      ['labels', 4],
      ['exclusions', 2],
    ],
  },
  {
    rule: 'exclusion by city: ordered in Beijing in the window',
    fields: { excludeCityLabels: '北京' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.shanghai] }]),
        customer(2, [{ at: IN, labels: [L.beijing] }]),
        customer(3, [
          { at: BEFORE, labels: [L.beijing] },
          { at: IN, labels: [L.shanghai] },
        ]),
        customer(4, [{ at: IN }]),
      ),
    expected: ['wm1', 'wm3', 'wm4'],
  },
  {
    rule: 'exclusion by warehouse, category and SKU together (any of them removes)',
    fields: { excludeStoreLabels: '1001', excludeCateLabels: '2003', excludeSkuLabels: 'SKU001' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.warehouse] }]),
        customer(2, [{ at: IN, labels: [L.treats] }]),
        customer(3, [{ at: IN, labels: [L.sku] }]),
        customer(4, [{ at: IN, labels: [L.food] }]),
      ),
    expected: ['wm4'],
  },
  {
    rule: 'exclusion labels that exist nowhere remove nobody',
    fields: { excludeBrandLabels: 'NO-SUCH-BRAND' },
    fixture: () => merge(customer(1, [{ at: IN, labels: [L.royal] }])),
    expected: ['wm1'],
  },
  {
    rule: 'exclusion with labelledGoods: the window is the goods window',
    fields: { windowBasis: 'labelledGoods', cateLabels: '2001', excludeBrandLabels: '皇家' },
    fixture: () =>
      merge(
        customer(1, [
          { at: IN, labels: [L.litter] },
          { at: YESTERDAY, labels: [L.food, L.royal] },
        ]),
        customer(2, [{ at: IN, labels: [L.litter, L.royal] }]),
        customer(3, [
          { at: BEFORE, labels: [L.food, L.royal] },
          { at: IN, labels: [L.litter] },
        ]),
      ),
    expected: ['wm1', 'wm3'],
  },
  {
    rule: 'minOrders 3 over 180 days: counted orders only, lookback from 00:00 of today − 180',
    fields: { minOrders: 3, valueLookbackDays: 180 },
    fixture: () =>
      merge(
        customer(1, [
          { at: '2024-09-16 00:00:00', payment: 10 },
          { at: BEFORE, payment: 10 },
          { at: IN, payment: 10 },
        ]),
        // the first of three orders one second before the lookback
        customer(2, [
          { at: '2024-09-15 23:59:59', payment: 10 },
          { at: BEFORE, payment: 10 },
          { at: IN, payment: 10 },
        ]),
        // three orders, one refunded in full and one closed
        customer(3, [
          { at: BEFORE, payment: 10, status: 'refunded' },
          { at: BEFORE, payment: 10, status: 'closed' },
          { at: IN, payment: 10 },
        ]),
        // three orders, one of them with its payment refunded to 0
        customer(4, [
          { at: BEFORE, payment: 10, refundedFee: 10 },
          { at: BEFORE, payment: 10 },
          { at: IN, payment: 10 },
        ]),
        // three orders with unknown amounts count as orders
        customer(5, [{ at: BEFORE }, { at: BEFORE }, { at: IN }]),
      ),
    expected: ['wm1', 'wm5'],
    steps: [
      ['window', 5],
      ['value', 2],
    ],
  },
  {
    rule: 'minSpend ¥300 over 180 days: payment less refunds, at the edge',
    fields: { minSpend: 300 },
    fixture: () =>
      merge(
        customer(1, [
          { at: BEFORE, payment: 200 },
          { at: IN, payment: 100 },
        ]),
        customer(2, [
          { at: BEFORE, payment: 200 },
          { at: IN, payment: 99.99 },
        ]),
        // 350 paid, 60 refunded: 290
        customer(3, [{ at: IN, payment: 350, refundedFee: 60 }]),
        // a closed order's amount does not count
        customer(4, [
          { at: BEFORE, payment: 500, status: 'closed' },
          { at: IN, payment: 10 },
        ]),
        // unknown amounts add nothing
        customer(5, [{ at: BEFORE }, { at: IN, payment: 300 }]),
      ),
    expected: ['wm1', 'wm5'],
  },
  {
    rule: 'minOrders and minSpend together (≥ 3 orders and ≥ ¥300)',
    fields: { minOrders: 3, minSpend: 300, valueLookbackDays: 180 },
    fixture: () =>
      merge(
        customer(1, [
          { at: BEFORE, payment: 100 },
          { at: BEFORE, payment: 100 },
          { at: IN, payment: 100 },
        ]),
        customer(2, [
          { at: BEFORE, payment: 100 },
          { at: IN, payment: 400 },
        ]),
        customer(3, [
          { at: BEFORE, payment: 10 },
          { at: BEFORE, payment: 10 },
          { at: IN, payment: 10 },
        ]),
      ),
    expected: ['wm1'],
  },
  {
    rule: 'labels, exclusion and value in one rule (AND/NOT with a value tier)',
    fields: {
      labelMatch: 'all',
      cityLabels: '上海',
      cateLabels: '2002',
      excludeBrandLabels: '皇家',
      minOrders: 2,
    },
    fixture: () =>
      merge(
        customer(1, [
          { at: BEFORE, payment: 10 },
          { at: IN, labels: [L.food, L.shanghai, L.lanshi], payment: 10 },
        ]),
        customer(2, [{ at: IN, labels: [L.food, L.shanghai], payment: 10 }]),
        customer(3, [
          { at: BEFORE, payment: 10 },
          { at: IN, labels: [L.food, L.shanghai, L.royal], payment: 10 },
        ]),
        customer(4, [
          { at: BEFORE, payment: 10 },
          { at: IN, labels: [L.food, L.beijing], payment: 10 },
        ]),
        customer(5, [{ at: IN, payment: 10 }]),
      ),
    expected: ['wm1'],
    steps: [
      ['window', 5],
      ['labels', 3],
      ['exclusions', 2],
      ['value', 1],
    ],
  },
  {
    rule: 'labelledGoods: a shared external id is given once, by its smallest qualifying customer',
    fields: { windowBasis: 'labelledGoods', cateLabels: '2001' },
    fixture: () =>
      merge(
        // customer 1 shares wmS but its litter is recent: customer 2 gives wmS
        customer(1, [{ at: AFTER, labels: [L.litter] }], 'wmS'),
        customer(2, [{ at: IN, labels: [L.litter] }], 'wmS'),
        // both qualify: once
        customer(3, [{ at: IN, labels: [L.litter] }], 'wmT'),
        customer(4, [{ at: IN_EARLY, labels: [L.litter] }], 'wmT'),
      ),
    expected: ['wmS', 'wmT'],
  },
  {
    rule: 'exclusion: a shared external id stays when its excluded customer is not the only one',
    fields: { excludeBrandLabels: '皇家' },
    fixture: () =>
      merge(
        customer(1, [{ at: IN, labels: [L.royal] }], 'wmS'),
        customer(2, [{ at: IN }], 'wmS'),
        customer(3, [{ at: IN, labels: [L.royal] }]),
      ),
    expected: ['wmS'],
  },
];

describe('precise targeting (issue 22): windowBasis, labelMatch, exclusions, value tiers', () => {
  let h: AudienceHarness;

  beforeAll(async () => {
    h = await startAudience();
  });
  afterAll(() => h.close());

  describe.each(cases)('$rule', ({ fields, fixture, expected, steps }) => {
    const rule: AudienceRule = { ...WINDOW, ...fields };
    const labelled = fields.windowBasis === 'labelledGoods';
    const hasLabels = ['cityLabels', 'storeLabels', 'brandLabels', 'cateLabels', 'skuLabels'].some(
      (f) => !!fields[f as keyof AudienceRule],
    );
    const strategies: AudienceStrategy[] = labelled
      ? ['goods']
      : hasLabels
        ? ['labels', 'probe']
        : ['window'];

    beforeAll(async () => {
      nextOrderId = 1;
      await resetCompanyTables(h.db);
      await insertFixture(h.db, fixture());
    });
    afterEach(() => {
      h.audience.labelDrivenMaxRows = LABEL_DRIVEN_MAX_ROWS;
    });

    const use = async (strategy: AudienceStrategy) => {
      h.audience.labelDrivenMaxRows = strategy === 'probe' ? -1 : LABEL_DRIVEN_MAX_ROWS;
      if (expected.length) expect(await h.audience.strategy(rule, AT)).toBe(strategy);
    };

    it.each(strategies)('%s: select yields exactly the expected ids, each once', async (s) => {
      await use(s);
      const ids = (await collect(h.audience.select(rule, AT))).flat();
      expect([...ids].sort()).toEqual([...expected].sort());
      expect(new Set(ids).size).toBe(ids.length);
    });

    it.each(strategies)('%s: count, sample and pages of one agree with select', async (s) => {
      await use(s);
      const all = (await collect(h.audience.select(rule, AT))).flat();
      expect(await h.audience.count(rule, AT)).toBe(expected.length);
      expect(await h.audience.sample(rule, AT, 2)).toEqual(all.slice(0, 2));
      // Keyset pages of one give the same ids in the same order.
      expect((await collect(h.audience.select(rule, AT, 1))).flat()).toEqual(all);
    });

    if (steps)
      it('preview steps: the audience after each condition, in order', async () => {
        const got = await h.audience.steps(rule, AT);
        expect(got.map((s) => [s.condition, s.remaining])).toEqual(steps);
        expect(got[got.length - 1].remaining).toBe(expected.length);
      });
  });

  it('labelledGoods without a goods label is refused by the engine', async () => {
    await expect(
      h.audience.count({ ...WINDOW, windowBasis: 'labelledGoods', cityLabels: '上海' }, AT),
    ).rejects.toThrow(RangeError);
  });

  describe('labelledGoods pages in (last labelled purchase, customer id) order', () => {
    beforeAll(async () => {
      nextOrderId = 1;
      await resetCompanyTables(h.db);
      await insertFixture(
        h.db,
        merge(
          customer(1, [{ at: IN, labels: [L.litter] }, { at: YESTERDAY }]),
          customer(2, [{ at: IN_EARLY, labels: [L.litter] }]),
          customer(3, [{ at: IN, labels: [L.litter] }]),
          customer(4, [{ at: IN_EARLY, labels: [L.litter] }, { at: AFTER }]),
        ),
      );
    });

    it('a page cursor carries the last labelled purchase and resumes after it', async () => {
      const rule = { ...WINDOW, windowBasis: 'labelledGoods' as const, cateLabels: '2001' };
      const first = await h.audience.page(rule, AT, null, 2);
      expect(first).toEqual({
        externalUserids: ['wm2', 'wm4'],
        next: { lastOrderAt: IN_EARLY, customerId: '4' },
      });
      const rest = await h.audience.page(rule, AT, first.next, 10);
      expect(rest).toEqual({ externalUserids: ['wm1', 'wm3'], next: null });
    });
  });

  describe('RFM tiers', () => {
    let rfm: RfmService;

    beforeAll(async () => {
      rfm = h.ctx.get(RfmService);
      nextOrderId = 1;
      await resetCompanyTables(h.db);
      // Ten customers; customer n: n orders of ¥100, the last n days before 2025-02-14.
      const parts: Fixture[] = [];
      for (let n = 1; n <= 10; n++) {
        const orders: OrderSpec[] = Array.from({ length: n - 1 }, (_, i) => ({
          at: `2025-01-${String(1 + i).padStart(2, '0')} 10:00:00`,
          payment: 100,
        }));
        orders.push({ at: `2025-02-${String(14 - n).padStart(2, '0')} 10:00:00`, payment: 100 });
        parts.push(customer(n, orders));
      }
      // an order refunded in full counts for nothing; one outside the 365-day lookback neither
      parts.push(customer(11, [{ at: IN, payment: 100, status: 'refunded' }]));
      parts.push(customer(12, [{ at: '2024-03-14 23:59:59', payment: 100 }]));
      await insertFixture(h.db, merge(...parts));
      await h.db.query(
        `INSERT INTO customer_rfm (customer_id, last_order_at, frequency, monetary, r_score,
           f_score, m_score, tier, computed_at) VALUES (99, NOW(), 1, 1, 1, 1, 1, 'general_retain', NOW())`,
      );
    });

    it('scores recency, frequency and monetary 1–5 by quintile and names the tier', async () => {
      const result = await rfm.compute(AT);
      expect(result.customers).toBe(10);
      const rows = (await h.db.query(
        'SELECT customer_id AS id, frequency, monetary, r_score AS r, f_score AS f, m_score AS m, tier FROM customer_rfm ORDER BY customer_id',
      )) as {
        id: string;
        frequency: number;
        monetary: string;
        r: number;
        f: number;
        m: number;
        tier: string;
      }[];
      // The stale row (99) and the customers without a counted order in the lookback are gone.
      expect(rows.map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // Customer n: frequency n, monetary 100·n; the most recent (1) has the highest recency.
      expect(rows.map((r) => [r.frequency, Number(r.monetary)])).toEqual(
        rows.map((_, i) => [i + 1, 100 * (i + 1)]),
      );
      // percent rank (n-1)/9 → score 1 + ⌊5 · rank⌋ capped at 5: 1,1,2,2,3,3,4,4,5,5
      expect(rows.map((r) => r.f)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
      expect(rows.map((r) => r.m)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
      expect(rows.map((r) => r.r)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
      // high = 4 or 5: R high only → 一般发展; all middling → 一般挽留; F and M high → 重要保持
      expect(rows.map((r) => r.tier)).toEqual([
        ...Array(4).fill('general_develop'),
        ...Array(2).fill('general_retain'),
        ...Array(4).fill('important_keep'),
      ]);
    });

    it('a rule selecting tiers reaches exactly their customers in its window', async () => {
      await rfm.compute(AT);
      const rule: AudienceRule = {
        lastOrderDay: 0,
        lastOrderDayLimit: 400,
        rfmTiers: ['important_keep'],
      };
      const ids = (await collect(h.audience.select(rule, AT))).flat();
      expect(ids.sort()).toEqual(['wm10', 'wm7', 'wm8', 'wm9']);
      expect(await h.audience.count(rule, AT)).toBe(4);
      const steps = await h.audience.steps(rule, AT);
      expect(steps.map((s) => [s.condition, s.remaining])).toEqual([
        ['window', 12],
        ['value', 4],
      ]);
    });
  });
});
