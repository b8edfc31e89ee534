import { backfillLabelOrders } from '@app/audience';
import { shanghaiInstant } from '@app/common';
import { LabelType } from '@app/database';
import {
  AudienceHarness,
  insertFixture,
  resetCompanyTables,
  startAudience,
} from './audience-fixtures';

/**
 * customer_label_orders is derived from wechat_customers_labels and youzan_orders by
 * triggers; every kind of write to either must leave it exactly as a fresh derivation
 * (the join of the two tables) would.
 */
describe('customer_label_orders kept in step with label links and orders', () => {
  let h: AudienceHarness;

  /** The projection as `link:label/customer@time`, in link order. */
  const projection = async () =>
    (
      (await h.db.query(
        `SELECT CAST(link_id AS CHAR) AS k, CAST(label_id AS CHAR) AS l,
                CAST(customer_id AS CHAR) AS c,
                DATE_FORMAT(order_creation_time, '%Y-%m-%d %H:%i:%s') AS t
           FROM customer_label_orders ORDER BY link_id`,
      )) as { k: string; l: string; c: string; t: string }[]
    ).map((r) => `${r.k}:${r.l}/${r.c}@${r.t}`);
  /** What the projection must be: every link whose order exists, with that order's time. */
  const derived = async () =>
    (
      (await h.db.query(
        `SELECT CAST(l.id AS CHAR) AS k, CAST(l.label_id AS CHAR) AS l,
                CAST(l.customer_id AS CHAR) AS c,
                DATE_FORMAT(o.order_creation_time, '%Y-%m-%d %H:%i:%s') AS t
           FROM wechat_customers_labels l JOIN youzan_orders o ON o.id = l.order_id
          ORDER BY l.id`,
      )) as { k: string; l: string; c: string; t: string }[]
    ).map((r) => `${r.k}:${r.l}/${r.c}@${r.t}`);
  const linkId = async (customerId: number, labelId: number, orderId: number) => {
    const [row] = (await h.db.query(
      `SELECT CAST(id AS CHAR) AS id FROM wechat_customers_labels
        WHERE customer_id = ? AND label_id = ? AND order_id = ?`,
      [customerId, labelId, orderId],
    )) as { id: string }[];
    return row.id;
  };

  beforeAll(async () => {
    h = await startAudience();
    await resetCompanyTables(h.db);
  });
  afterAll(() => h.close());

  it("a label link is projected with its order's time once that order exists", async () => {
    await insertFixture(h.db, {
      orders: [
        { id: 1, userIds: '1', at: '2025-01-01 10:00:00' },
        { id: 2, userIds: '2,3', at: '2025-02-01 00:00:00' },
      ],
      links: [
        [1, 10, 1],
        [1, 11, 1],
        [2, 10, 2],
        [3, 12, 2],
        [4, 10, 3],
      ],
    });
    const l = await Promise.all([
      linkId(1, 10, 1),
      linkId(1, 11, 1),
      linkId(2, 10, 2),
      linkId(3, 12, 2),
    ]);
    expect(await projection()).toEqual([
      `${l[0]}:10/1@2025-01-01 10:00:00`,
      `${l[1]}:11/1@2025-01-01 10:00:00`,
      `${l[2]}:10/2@2025-02-01 00:00:00`,
      `${l[3]}:12/3@2025-02-01 00:00:00`,
    ]);
  });

  it('an order arriving after its label links projects them', async () => {
    await insertFixture(h.db, { orders: [{ id: 3, userIds: '4', at: '2025-03-01 08:00:00' }] });
    const l = await linkId(4, 10, 3);
    expect(await projection()).toContain(`${l}:10/4@2025-03-01 08:00:00`);
    expect(await projection()).toEqual(await derived());
  });

  it('a label link whose label, customer or order changes moves its projection row', async () => {
    const l = await linkId(1, 11, 1);
    await h.db.query(`UPDATE wechat_customers_labels SET label_id = 13 WHERE id = ?`, [l]);
    expect(await projection()).toContain(`${l}:13/1@2025-01-01 10:00:00`);
    await h.db.query(`UPDATE wechat_customers_labels SET customer_id = 5 WHERE id = ?`, [l]);
    expect(await projection()).toContain(`${l}:13/5@2025-01-01 10:00:00`);
    await h.db.query(`UPDATE wechat_customers_labels SET order_id = 3 WHERE id = ?`, [l]);
    expect(await projection()).toContain(`${l}:13/5@2025-03-01 08:00:00`);
    await h.db.query(`UPDATE wechat_customers_labels SET order_id = 99 WHERE id = ?`, [l]);
    expect((await projection()).filter((r) => r.startsWith(`${l}:`))).toEqual([]);
    await h.db.query(`UPDATE wechat_customers_labels SET order_id = 1 WHERE id = ?`, [l]);
    expect(await projection()).toContain(`${l}:13/5@2025-01-01 10:00:00`);
    expect(await projection()).toEqual(await derived());
  });

  it("an order whose id or time changes moves its links' projection rows: a new time, back as well as forward; other columns do not matter", async () => {
    await h.db.query(
      `UPDATE youzan_orders SET order_creation_time = '2024-12-01 00:00:00' WHERE id = 2`,
    );
    const l = await linkId(3, 12, 2);
    expect(await projection()).toContain(`${l}:12/3@2024-12-01 00:00:00`);
    await h.db.query(
      `UPDATE youzan_orders SET order_creation_time = '2025-04-01 00:00:00' WHERE id = 2`,
    );
    expect(await projection()).toContain(`${l}:12/3@2025-04-01 00:00:00`);
    await h.db.query(`UPDATE youzan_orders SET payment = 9.9, user_ids = '7' WHERE id = 2`);
    expect(await projection()).toContain(`${l}:12/3@2025-04-01 00:00:00`);
    expect(await projection()).toEqual(await derived());
  });

  it("an order whose id or time changes moves its links' projection rows: the links of the old id lose theirs, those of the new id gain them", async () => {
    await insertFixture(h.db, { links: [[6, 14, 50]] });
    await h.db.query(`UPDATE youzan_orders SET id = 50 WHERE id = 3`);
    const l = await linkId(6, 14, 50);
    const p = await projection();
    expect(p).toContain(`${l}:14/6@2025-03-01 08:00:00`);
    expect(p.filter((r) => r.includes('/4@'))).toEqual([]);
    expect(p).toEqual(await derived());
  });

  it('a deleted label link leaves the projection', async () => {
    const l = await linkId(2, 10, 2);
    await h.db.query(`DELETE FROM wechat_customers_labels WHERE id = ?`, [l]);
    expect((await projection()).filter((r) => r.startsWith(`${l}:`))).toEqual([]);
    expect(await projection()).toEqual(await derived());
  });

  it('a deleted order takes the projection rows of its links with it', async () => {
    expect((await projection()).some((r) => r.endsWith('@2025-01-01 10:00:00'))).toBe(true);
    await h.db.query(`DELETE FROM youzan_orders WHERE id = 1`);
    const p = await projection();
    expect(p.filter((r) => r.endsWith('@2025-01-01 10:00:00'))).toEqual([]);
    expect(p).toEqual(await derived());
    expect(p.length).toBe(2);
  });

  it('the backfill derives exactly what the triggers maintain', async () => {
    await insertFixture(h.db, {
      orders: Array.from({ length: 40 }, (_, i) => ({
        id: 100 + i,
        userIds: String(i % 9),
        at: `2025-03-${String(1 + (i % 28)).padStart(2, '0')} 0${i % 10}:00:00`,
      })),
      links: Array.from(
        { length: 120 },
        (_, i) => [i % 9, 20 + (i % 5), 100 + (i % 45)] as [number, number, number],
      ),
    });
    await h.db.query(`DELETE FROM youzan_orders WHERE id BETWEEN 110 AND 113`);
    await h.db.query(`DELETE FROM wechat_customers_labels WHERE label_id = 21 AND order_id < 120`);
    const maintained = await projection();
    expect(maintained).toEqual(await derived());
    expect(maintained.length).toBeGreaterThan(80);
    await h.db.query('DELETE FROM customer_label_orders');
    await backfillLabelOrders(h.db, 7); // chunks of one label (each holds more than 7 links)
    expect(await projection()).toEqual(maintained);
    await h.db.query('DELETE FROM customer_label_orders');
    await backfillLabelOrders(h.db, 50); // chunks of several labels
    expect(await projection()).toEqual(maintained);
    await backfillLabelOrders(h.db, 1000); // idempotent
    expect(await projection()).toEqual(maintained);
  });

  it('the audience follows label and order writes at once', async () => {
    await resetCompanyTables(h.db);
    const at = shanghaiInstant('2025-03-15', '10:00:00');
    const rule = { lastOrderDay: 30, lastOrderDayLimit: 45, brandLabels: '蓝氏' };
    await insertFixture(h.db, {
      labels: [{ id: 5, type: LabelType.BRAND, bindId: 'B7', name: '蓝氏' }],
      customers: [{ id: 1, ext: 'wm1' }],
      orders: [
        { id: 1, userIds: '1', at: '2025-02-05 12:00:00' },
        { id: 2, userIds: '1', at: '2025-01-05 12:00:00' },
      ],
      links: [[1, 5, 2]],
    });
    expect(await h.audience.strategy(rule, at)).toBe('labels');
    expect(await h.audience.count(rule, at)).toBe(0);
    await h.db.query(`UPDATE wechat_customers_labels SET order_id = 1`);
    expect(await h.audience.count(rule, at)).toBe(1);
    await h.db.query(
      `UPDATE youzan_orders SET order_creation_time = '2025-01-06 00:00:00' WHERE id = 1`,
    );
    expect(await h.audience.count(rule, at)).toBe(0);
    await h.db.query(
      `UPDATE youzan_orders SET order_creation_time = '2025-02-06 00:00:00' WHERE id = 1`,
    );
    expect(await h.audience.count(rule, at)).toBe(1);
    await h.db.query(`DELETE FROM wechat_customers_labels`);
    expect(await h.audience.count(rule, at)).toBe(0);
  });
});
