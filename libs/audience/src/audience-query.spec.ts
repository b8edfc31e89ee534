import {
  audienceCountQuery,
  audiencePageQuery,
  labelIdsQuery,
  LabelPlan,
  labelRowsEstimateQuery,
} from './audience-query';
import { audienceCriteria } from './audience-rule';

const at = new Date('2025-03-15T02:00:00Z');
/** A rule's labels as one group (lastOrder, any), or none. */
const one = (ids: string[]): LabelPlan => ({
  groups: ids.length ? [ids] : [],
  goods: [],
  exclude: [],
  empty: false,
});

describe('audience SQL', () => {
  it('binds operator values as parameters, never as SQL text', () => {
    const evil = "x') OR 1=1 --";
    const q = labelIdsQuery(
      audienceCriteria({ lastOrderDay: 30, lastOrderDayLimit: 45, brandLabels: evil }, at),
    );
    expect(q.sql).not.toContain(evil);
    expect(q.sql).not.toContain('OR 1=1');
    expect(q.params).toEqual([evil]);
  });

  it.each([
    ['cityLabels', 'wl.type = 0 AND wl.name IN'],
    ['storeLabels', 'wl.type = 1 AND wl.bind_id IN'],
    ['cateLabels', 'wl.type = 2 AND wl.bind_id IN'],
    ['brandLabels', 'wl.type = 3 AND wl.name IN'],
    ['skuLabels', 'wl.type = 4 AND wl.bind_id IN'],
  ])('%s matches on %s', (field, condition) => {
    const q = labelIdsQuery(
      audienceCriteria({ lastOrderDay: 0, lastOrderDayLimit: 1, [field]: 'a,b' }, at),
    );
    expect(q.sql).toContain(`${condition} (?, ?)`);
    expect(q.sql.match(/wl\.type = /g)).toHaveLength(1);
    expect(q.params).toEqual(['a', 'b']);
  });

  it('labelledGoods: "none since" and exclusions probe the orders the customer bought (order_buyers), not every link of the labels', () => {
    const c = audienceCriteria(
      {
        lastOrderDay: 30,
        lastOrderDayLimit: 45,
        windowBasis: 'labelledGoods',
        cateLabels: 'A,B',
        excludeBrandLabels: 'X',
      },
      at,
    );
    const plan: LabelPlan = {
      groups: [['1', '2']],
      goods: [['1', '2']],
      exclude: ['9'],
      empty: false,
    };
    const q = audiencePageQuery(c, plan, null, 100, 'goods');
    // The candidate: later purchase, exclusion; a shared id's duplicate: those and "bought".
    expect(q.sql.match(/FROM order_buyers b/g)).toHaveLength(5);
    expect(q.sql).not.toContain('JOIN youzan_orders o ON o.id = l.order_id');
    expect((q.sql.match(/\?/g) ?? []).length).toBe(q.params.length);
  });

  it('probe plan: checks resolved label ids for the candidate and for its duplicates, as parameters', () => {
    const c = audienceCriteria({ lastOrderDay: 30, lastOrderDayLimit: 45, skuLabels: 'S' }, at);
    const q = audiencePageQuery(c, one(['7', '9']), null, 100, 'probe');
    expect(q.sql.match(/l\.label_id IN \(\?, \?\)/g)).toHaveLength(2);
    expect(q.sql).not.toContain('customer_label_orders');
    expect(q.params.filter((p) => p === '7')).toHaveLength(2);
    expect((q.sql.match(/\?/g) ?? []).length).toBe(q.params.length);
    expect(() => audiencePageQuery(c, one([]), null, 100, 'probe')).toThrow(RangeError);
  });

  it('label plan: drives from the label ranges of customer_label_orders, labels first', () => {
    const c = audienceCriteria({ lastOrderDay: 30, lastOrderDayLimit: 45, skuLabels: 'S' }, at);
    const q = audiencePageQuery(c, one(['7', '9']), null, 100, 'labels');
    expect(q.sql).toMatch(/^SELECT STRAIGHT_JOIN /);
    expect(q.sql).toContain('FROM (SELECT DISTINCT p.customer_id FROM customer_label_orders p');
    expect(q.sql.match(/p\.label_id IN \(\?, \?\)/g)).toHaveLength(1);
    // The duplicate of a shared external id is still checked for a label.
    expect(q.sql.match(/l\.label_id IN \(\?, \?\)/g)).toHaveLength(1);
    expect((q.sql.match(/\?/g) ?? []).length).toBe(q.params.length);
    expect(q.params.slice(0, 4)).toEqual(['7', '9', '2025-01-29 00:00:00', '2025-02-13 23:59:59']);
    expect(() => audiencePageQuery(c, one(['7']), null, 100, 'window')).toThrow(RangeError);
  });

  it('count counts the rows the page keeps: the same anti-join, no DISTINCT, no sort', () => {
    const c = audienceCriteria({ lastOrderDay: 30, lastOrderDayLimit: 45, skuLabels: 'S' }, at);
    for (const strategy of ['labels', 'probe'] as const) {
      const q = audienceCountQuery(c, one(['7']), strategy);
      expect(q.sql).toContain('COUNT(*)');
      expect(q.sql).not.toContain('DISTINCT CAST');
      expect(q.sql).toContain('c2.id IS NULL');
      expect(q.sql).not.toContain('ORDER BY');
      expect((q.sql.match(/\?/g) ?? []).length).toBe(q.params.length);
    }
  });

  it('reads the external id from customer_last_order, joining customers only for labelledGoods', () => {
    const c = audienceCriteria({ lastOrderDay: 30, lastOrderDayLimit: 45 }, at);
    const page = audiencePageQuery(c, one([]), null, 10);
    expect(page.sql).toContain('s.external_userid AS externalUserid');
    expect(page.sql).not.toMatch(/JOIN customers c ON/);
    const goods = audienceCriteria(
      { lastOrderDay: 30, lastOrderDayLimit: 45, skuLabels: 'S', windowBasis: 'labelledGoods' },
      at,
    );
    const g = audiencePageQuery(goods, { ...one(['7']), goods: [['7']] }, null, 10, 'goods');
    expect(g.sql).toContain('JOIN customers c ON c.id = s.customer_id');
    expect(g.sql).toContain('c.external_userid AS externalUserid');
  });

  it('estimates the label rows with EXPLAIN, reading none', () => {
    const c = audienceCriteria({ lastOrderDay: 30, lastOrderDayLimit: 45, skuLabels: 'S' }, at);
    const q = labelRowsEstimateQuery(c, ['7', '9']);
    expect(q.sql.startsWith('EXPLAIN SELECT')).toBe(true);
    expect(q.params).toEqual(['7', '9', '2025-01-29 00:00:00', '2025-02-13 23:59:59']);
  });

  it('without labels, only the window, reachability and duplicates are checked', () => {
    const c = audienceCriteria({ lastOrderDay: 0, lastOrderDayLimit: 1 }, at);
    const count = audienceCountQuery(c, one([]));
    expect(count.sql).not.toContain('wechat_customers_labels');
    expect(count.sql).not.toContain('customer_label_orders');
    expect(count.params).toEqual([
      '2025-03-14 00:00:00',
      '2025-03-15 23:59:59',
      '2025-03-14 00:00:00',
      '2025-03-15 23:59:59',
    ]);
    const page = audiencePageQuery(c, one([]), null, 10);
    expect(page.sql).not.toContain('wechat_customers_labels');
    expect(page.sql).toContain('c2.id IS NULL');
    expect(page.params).toEqual([
      '2025-03-14 00:00:00',
      '2025-03-15 23:59:59',
      '2025-03-14 00:00:00',
      '2025-03-15 23:59:59',
      10,
    ]);
    expect(() => audienceCountQuery(c, one([]), 'labels')).toThrow(RangeError);
  });

  it('a page after a cursor continues strictly after it, in keyset order', () => {
    const q = audiencePageQuery(
      audienceCriteria({ lastOrderDay: 0, lastOrderDayLimit: 1 }, at),
      one([]),
      { lastOrderAt: '2025-03-14 08:00:00', customerId: '42' },
      500,
    );
    expect(q.sql).toContain('(s.last_order_at > ? OR (s.last_order_at = ? AND s.customer_id > ?))');
    expect(q.sql).toContain('ORDER BY s.last_order_at, s.customer_id');
    expect(q.params.slice(-4)).toEqual(['2025-03-14 08:00:00', '2025-03-14 08:00:00', '42', 500]);
  });
});
