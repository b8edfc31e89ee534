import { truncate } from '../../../test/utils/db';
import {
  AudienceHarness,
  insertFixture,
  resetCompanyTables,
  startAudience,
} from '../../audience/test/audience-fixtures';

/**
 * wechat_push_attributions follows every order write through the triggers on order_buyers
 * (ATTRIBUTION_TRIGGERS): customer 1 was pushed at 2025-03-01 10:00 and accepted, customer 2
 * was in that batch's fail_list.
 */
describe('order attributions, kept by triggers', () => {
  let h: AudienceHarness;

  /** `order:customer+lag_seconds` of every attribution row. */
  const attributed = async () =>
    (
      (await h.db.query(
        `SELECT order_id AS o, customer_id AS c, lag_seconds AS lag
           FROM wechat_push_attributions ORDER BY order_id, customer_id`,
      )) as { o: number; c: number; lag: number }[]
    ).map((r) => `${r.o}:${r.c}+${r.lag}`);

  beforeAll(async () => {
    h = await startAudience();
  });
  beforeEach(async () => {
    await resetCompanyTables(h.db);
    await truncate(h.db, 'wechat_push_deliveries', 'wechat_push_attributions');
    await h.db.query(
      `INSERT INTO wechat_push_deliveries (batch_id, external_userid, run_id, push_id, run_day,
         recipient_key, customer_id, pushed_at, accepted, updated_at)
       VALUES (1, 'wm1', 1, 1, '2025-03-01', 1, 1, '2025-03-01 10:00:00', 1, NOW()),
              (1, 'wm2', 1, 1, '2025-03-01', 2, 2, '2025-03-01 10:00:00', 0, NOW())`,
    );
  });
  afterAll(() => h.close());

  it('an order its buyer places within 90 days after a push WeCom accepted for them is attributed to that push', async () => {
    await insertFixture(h.db, {
      orders: [
        { id: 1, userIds: '1', at: '2025-03-01 12:00:00' },
        { id: 2, userIds: '1', at: '2025-03-01 09:59:59' }, // before the push
        { id: 3, userIds: '1', at: '2025-05-30 10:00:00' }, // the last second of the window
        { id: 4, userIds: '1', at: '2025-05-30 10:00:01' },
        { id: 5, userIds: '2', at: '2025-03-02 00:00:00' }, // in the fail_list
        { id: 6, userIds: '2,1', at: '2025-03-03 10:00:00' },
      ],
    });
    expect(await attributed()).toEqual(['1:1+7200', `3:1+${90 * 86_400}`, `6:1+${2 * 86_400}`]);
  });

  it('an order whose time or buyer changes is attributed again from its new values', async () => {
    await insertFixture(h.db, {
      orders: [
        { id: 1, userIds: '1', at: '2025-03-01 12:00:00' },
        { id: 2, userIds: '1', at: '2025-02-01 00:00:00' },
        { id: 3, userIds: '2', at: '2025-03-02 10:00:00' },
      ],
    });
    await h.db.query(`UPDATE youzan_orders SET order_creation_time = '2025-02-01' WHERE id = 1`);
    await h.db.query(`UPDATE youzan_orders SET order_creation_time = '2025-03-02' WHERE id = 2`);
    await h.db.query(`UPDATE youzan_orders SET user_ids = '1' WHERE id = 3`);
    expect(await attributed()).toEqual([`2:1+${14 * 3600}`, `3:1+${86_400}`]);
    // order_buyers rows updated in place (the youzan_orders triggers replace them instead).
    await h.db.query(
      `UPDATE order_buyers SET order_creation_time = '2025-03-01 11:00:00' WHERE order_id = 2`,
    );
    await h.db.query(`UPDATE order_buyers SET customer_id = 2 WHERE order_id = 3`);
    expect(await attributed()).toEqual(['2:1+3600']);
  });

  it('an order that is deleted, or loses a buyer, is no longer attributed to them', async () => {
    await insertFixture(h.db, {
      orders: [
        { id: 1, userIds: '1', at: '2025-03-01 12:00:00' },
        { id: 2, userIds: '1,2', at: '2025-03-02 10:00:00' },
        { id: 3, userIds: '1', at: '2025-03-03 10:00:00' },
      ],
    });
    expect(await attributed()).toHaveLength(3);
    await h.db.query('DELETE FROM youzan_orders WHERE id = 1');
    await h.db.query(`UPDATE youzan_orders SET user_ids = '2' WHERE id = 2`);
    await h.db.query('DELETE FROM order_buyers WHERE order_id = 3');
    expect(await attributed()).toEqual([]);
  });
});
