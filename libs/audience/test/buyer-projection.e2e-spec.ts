import { backfillBuyerProjection } from '@app/audience';
import { shanghaiInstant } from '@app/common';
import {
  AudienceHarness,
  insertFixture,
  resetCompanyTables,
  startAudience,
} from './audience-fixtures';

/**
 * order_buyers and customer_last_order are derived from youzan_orders by triggers; every
 * kind of write to an order must leave them exactly as a fresh derivation would.
 */
describe('buyer projection kept in step with youzan_orders', () => {
  let h: AudienceHarness;

  const buyers = async () =>
    (
      (await h.db.query(
        `SELECT CAST(customer_id AS CHAR) AS c, CAST(order_id AS CHAR) AS o,
                DATE_FORMAT(order_creation_time, '%Y-%m-%d %H:%i:%s') AS t
           FROM order_buyers ORDER BY order_id, customer_id`,
      )) as { c: string; o: string; t: string }[]
    ).map((r) => `${r.o}:${r.c}@${r.t}`);
  const lastOrders = async () =>
    (
      (await h.db.query(
        `SELECT CAST(customer_id AS CHAR) AS c,
                DATE_FORMAT(last_order_at, '%Y-%m-%d %H:%i:%s') AS t
           FROM customer_last_order ORDER BY customer_id`,
      )) as { c: string; t: string }[]
    ).map((r) => `${r.c}@${r.t}`);

  beforeAll(async () => {
    h = await startAudience();
    await resetCompanyTables(h.db);
  });
  afterAll(() => h.close());

  it('every valid buyer id of a new order is one of its buyers (junk and repeats ignored), and its time raises their last order', async () => {
    await insertFixture(h.db, {
      orders: [
        { id: 1, userIds: ' 1, 2,2,x,,-3,3 ', at: '2025-01-01 10:00:00' },
        { id: 2, userIds: '2', at: '2025-02-01 00:00:00' },
        { id: 3, userIds: null, at: '2025-02-01 00:00:00' },
        { id: 4, userIds: '', at: '2025-02-01 00:00:00' },
      ],
    });
    expect(await buyers()).toEqual([
      '1:1@2025-01-01 10:00:00',
      '1:2@2025-01-01 10:00:00',
      '1:3@2025-01-01 10:00:00',
      '2:2@2025-02-01 00:00:00',
    ]);
    expect(await lastOrders()).toEqual([
      '1@2025-01-01 10:00:00',
      '2@2025-02-01 00:00:00',
      '3@2025-01-01 10:00:00',
    ]);
  });

  it('an order whose buyers or time change moves between buyers, and each affected last order is recomputed: new user_ids', async () => {
    await h.db.query(`UPDATE youzan_orders SET user_ids = '3,4' WHERE id = 2`);
    expect(await buyers()).toContain('2:4@2025-02-01 00:00:00');
    expect(await buyers()).not.toContain('2:2@2025-02-01 00:00:00');
    expect(await lastOrders()).toEqual([
      '1@2025-01-01 10:00:00',
      '2@2025-01-01 10:00:00',
      '3@2025-02-01 00:00:00',
      '4@2025-02-01 00:00:00',
    ]);
  });

  it('an order whose buyers or time change moves between buyers, and each affected last order is recomputed: a new time, back as well as forward', async () => {
    await h.db.query(
      `UPDATE youzan_orders SET order_creation_time = '2024-12-01 00:00:00' WHERE id = 2`,
    );
    expect(await lastOrders()).toEqual([
      '1@2025-01-01 10:00:00',
      '2@2025-01-01 10:00:00',
      '3@2025-01-01 10:00:00',
      '4@2024-12-01 00:00:00',
    ]);
    await h.db.query(`UPDATE youzan_orders SET payment = 9.9 WHERE id = 2`);
    expect(await lastOrders()).toContain('4@2024-12-01 00:00:00');
  });

  it("a deleted order is no one's order any more, and a buyer left without orders has no last order", async () => {
    await h.db.query(`DELETE FROM youzan_orders WHERE id = 1`);
    expect(await buyers()).toEqual(['2:3@2024-12-01 00:00:00', '2:4@2024-12-01 00:00:00']);
    expect(await lastOrders()).toEqual(['3@2024-12-01 00:00:00', '4@2024-12-01 00:00:00']);
  });

  it('the backfill derives exactly what the triggers maintain', async () => {
    await insertFixture(h.db, {
      orders: Array.from({ length: 50 }, (_, i) => ({
        id: 100 + i,
        userIds: i % 7 === 0 ? `${i % 5}, ${i % 3},${i}` : String(i % 11),
        at: `2025-03-${String(1 + (i % 28)).padStart(2, '0')} 0${i % 10}:00:00`,
      })),
    });
    await h.db.query(`DELETE FROM youzan_orders WHERE id BETWEEN 110 AND 115`);
    const maintained = { buyers: await buyers(), last: await lastOrders() };
    await h.db.query('DELETE FROM order_buyers');
    await h.db.query('DELETE FROM customer_last_order');
    await backfillBuyerProjection(h.db, 7);
    expect({ buyers: await buyers(), last: await lastOrders() }).toEqual(maintained);
    expect(maintained.buyers.length).toBeGreaterThan(40);
  });

  it('the audience follows order writes at once', async () => {
    await resetCompanyTables(h.db);
    const at = shanghaiInstant('2025-03-15', '10:00:00');
    const rule = { lastOrderDay: 30, lastOrderDayLimit: 45 };
    await insertFixture(h.db, {
      customers: [{ id: 1, ext: 'wm1' }],
      orders: [
        { id: 1, userIds: '1', at: '2025-02-05 12:00:00' },
        { id: 2, userIds: '1', at: '2025-03-10 12:00:00' },
      ],
    });
    expect(await h.audience.count(rule, at)).toBe(0);
    await h.db.query(`DELETE FROM youzan_orders WHERE id = 2`);
    expect(await h.audience.count(rule, at)).toBe(1);
    await h.db.query(`UPDATE youzan_orders SET user_ids = '2' WHERE id = 1`);
    expect(await h.audience.count(rule, at)).toBe(0);
  });
});
