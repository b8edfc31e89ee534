import { audienceCountQuery, audiencePageQuery, labelIdsQuery } from './audience-query';
import { audienceCriteria } from './audience-rule';

const at = new Date('2025-03-15T02:00:00Z');

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

  it('checks resolved label ids for the candidate and for its duplicates, as parameters', () => {
    const c = audienceCriteria({ lastOrderDay: 30, lastOrderDayLimit: 45, skuLabels: 'S' }, at);
    const q = audienceCountQuery(c, ['7', '9']);
    expect(q.sql.match(/l\.label_id IN \(\?, \?\)/g)).toHaveLength(2);
    expect(q.params.filter((p) => p === '7')).toHaveLength(2);
    expect((q.sql.match(/\?/g) ?? []).length).toBe(q.params.length);
    expect(() => audienceCountQuery(c, [])).toThrow(RangeError);
  });

  it('without labels, only the window, reachability and duplicates are checked', () => {
    const q = audienceCountQuery(
      audienceCriteria({ lastOrderDay: 0, lastOrderDayLimit: 1 }, at),
      [],
    );
    expect(q.sql).not.toContain('wechat_customers_labels');
    expect(q.params).toEqual([
      '2025-03-14 00:00:00',
      '2025-03-15 23:59:59',
      '2025-03-14 00:00:00',
      '2025-03-15 23:59:59',
    ]);
  });

  it('a page after a cursor continues strictly after it, in keyset order', () => {
    const q = audiencePageQuery(
      audienceCriteria({ lastOrderDay: 0, lastOrderDayLimit: 1 }, at),
      [],
      { lastOrderAt: '2025-03-14 08:00:00', customerId: '42' },
      500,
    );
    expect(q.sql).toContain('(s.last_order_at > ? OR (s.last_order_at = ? AND s.customer_id > ?))');
    expect(q.sql).toContain('ORDER BY s.last_order_at, s.customer_id');
    expect(q.params.slice(-4)).toEqual(['2025-03-14 08:00:00', '2025-03-14 08:00:00', '42', 500]);
  });
});
