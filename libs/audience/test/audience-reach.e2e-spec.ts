import { backfillBuyerProjection } from '@app/audience';
import { shanghaiInstant } from '@app/common';
import {
  AudienceHarness,
  insertFixture,
  resetCompanyTables,
  startAudience,
} from './audience-fixtures';

/**
 * customer_last_order.external_userid (issue 21) is the buyer's customers.external_userid,
 * NULL without a customers row: the window index covers it, so the audience reads no
 * customers row per candidate. Every write to either side must leave it as a fresh
 * derivation would.
 */
describe('reach projection: customer_last_order carries the customer external id', () => {
  let h: AudienceHarness;

  const reach = async () =>
    (
      (await h.db.query(
        `SELECT CAST(customer_id AS CHAR) AS c, external_userid AS e
           FROM customer_last_order ORDER BY customer_id`,
      )) as { c: string; e: string | null }[]
    ).map((r) => `${r.c}:${r.e ?? '-'}`);

  /** What a fresh derivation gives: each row's customer's id, byte for byte. */
  const derived = async () =>
    (
      (await h.db.query(
        `SELECT CAST(s.customer_id AS CHAR) AS c, c.external_userid AS e
           FROM customer_last_order s LEFT JOIN customers c ON c.id = s.customer_id
          ORDER BY s.customer_id`,
      )) as { c: string; e: string | null }[]
    ).map((r) => `${r.c}:${r.e ?? '-'}`);

  beforeAll(async () => {
    h = await startAudience();
  });
  beforeEach(() => resetCompanyTables(h.db));
  afterAll(() => h.close());

  it("a buyer's last order carries the customer's external id, none without a customers row", async () => {
    await insertFixture(h.db, {
      customers: [
        { id: 1, ext: 'wmOne' },
        { id: 2, ext: null },
      ],
      orders: [
        { id: 1, userIds: '1,2,3', at: '2025-01-01 10:00:00' },
        { id: 2, userIds: '1', at: '2025-02-01 10:00:00' },
      ],
    });
    expect(await reach()).toEqual(['1:wmOne', '2:-', '3:-']);
    // A recomputed last order (the later order deleted) keeps the id.
    await h.db.query('DELETE FROM youzan_orders WHERE id = 2');
    expect(await reach()).toEqual(['1:wmOne', '2:-', '3:-']);
  });

  it("a customer inserted after their orders gives their last order the customer's external id", async () => {
    await insertFixture(h.db, { orders: [{ id: 1, userIds: '5,6', at: '2025-01-01 10:00:00' }] });
    expect(await reach()).toEqual(['5:-', '6:-']);
    await insertFixture(h.db, { customers: [{ id: 5, ext: 'wmFive' }] });
    expect(await reach()).toEqual(['5:wmFive', '6:-']);
  });

  it("a customer's changed external id or key moves to their last order", async () => {
    await insertFixture(h.db, {
      customers: [{ id: 1, ext: 'wmA' }],
      orders: [{ id: 1, userIds: '1,2', at: '2025-01-01 10:00:00' }],
    });
    // Byte-exact: 'wmA' → 'wma' is another WeCom id although the collation calls them equal.
    await h.db.query(`UPDATE customers SET external_userid = 'wma' WHERE id = 1`);
    expect(await reach()).toEqual(['1:wma', '2:-']);
    await h.db.query(`UPDATE customers SET external_userid = '' WHERE id = 1`);
    expect(await reach()).toEqual(['1:', '2:-']);
    await h.db.query(`UPDATE customers SET external_userid = 'wmB', id = 2 WHERE id = 1`);
    expect(await reach()).toEqual(['1:-', '2:wmB']);
    expect(await reach()).toEqual(await derived());
  });

  it("a deleted customer's last order is unreachable", async () => {
    await insertFixture(h.db, {
      customers: [{ id: 1, ext: 'wm1' }],
      orders: [{ id: 1, userIds: '1', at: '2025-01-01 10:00:00' }],
    });
    await h.db.query('DELETE FROM customers WHERE id = 1');
    expect(await reach()).toEqual(['1:-']);
  });

  it('an order written while the customer is being inserted waits for it and carries its id', async () => {
    const other = h.db.createQueryRunner();
    await other.connect();
    try {
      await other.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await other.startTransaction();
      await other.query(
        `INSERT INTO customers (id, name, external_userid) VALUES (7, 'customer 7', 'wmSeven')`,
      );
      // The order's buyer row reads customer 7 with a locking read: it waits for the insert.
      const order = insertFixture(h.db, {
        orders: [{ id: 1, userIds: '7', at: '2025-01-01 10:00:00' }],
      });
      let settled = false;
      void order.finally(() => (settled = true));
      const deadline = Date.now() + 30_000;
      // The trigger's statement is seen waiting (MariaDB shows the locking read of the
      // const table under "Statistics"), not finishing.
      for (;;) {
        const [w] = (await h.db.query(
          `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
            WHERE DB = DATABASE() AND INFO LIKE 'INSERT INTO customer\\_last\\_order%'`,
        )) as { n: string }[];
        if (Number(w.n) > 0) break;
        if (settled || Date.now() > deadline)
          throw new Error('the order did not wait for the customer being inserted');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(settled).toBe(false);
      await other.commitTransaction();
      await order;
    } finally {
      await other.release();
    }
    expect(await reach()).toEqual(['7:wmSeven']);
  });

  it('the backfill derives the external ids exactly as the triggers keep them', async () => {
    await insertFixture(h.db, {
      customers: Array.from({ length: 30 }, (_, i) => ({
        id: i + 1,
        ext: i % 4 === 0 ? null : i % 4 === 1 ? '' : `wm${i}`,
      })),
      orders: Array.from({ length: 40 }, (_, i) => ({
        id: 100 + i,
        userIds: `${1 + (i % 37)},${1 + ((i * 7) % 41)}`,
        at: `2025-03-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00`,
      })),
    });
    await h.db.query(`UPDATE customers SET external_userid = CONCAT('x', id) WHERE id % 5 = 2`);
    const maintained = await reach();
    expect(maintained).toEqual(await derived());
    expect(maintained.filter((r) => r.endsWith(':-')).length).toBeGreaterThan(5);
    await h.db.query('DELETE FROM customer_last_order');
    await backfillBuyerProjection(h.db, 7);
    expect(await reach()).toEqual(maintained);
  });

  it('the audience follows external id writes at once', async () => {
    const at = shanghaiInstant('2025-03-15', '10:00:00');
    const rule = { lastOrderDay: 30, lastOrderDayLimit: 45 };
    await insertFixture(h.db, {
      customers: [{ id: 1, ext: null }],
      orders: [{ id: 1, userIds: '1,2', at: '2025-02-05 12:00:00' }],
    });
    expect(await h.audience.count(rule, at)).toBe(0);
    await h.db.query(`UPDATE customers SET external_userid = 'wm1' WHERE id = 1`);
    expect(await h.audience.count(rule, at)).toBe(1);
    await insertFixture(h.db, { customers: [{ id: 2, ext: 'wm2' }] });
    expect(await h.audience.count(rule, at)).toBe(2);
    expect(await h.audience.sample(rule, at, 10)).toEqual(['wm1', 'wm2']);
  });
});
