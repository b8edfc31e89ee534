import { backfillGoodsLabels, GOODS_LABELS_MAX_CHARS } from '@app/stats';
import { secondWaitsForFirst, truncate } from '../../../test/utils/db';
import { AudienceHarness, startAudience } from '../../audience/test/audience-fixtures';

/**
 * wechat_push_attributions.goods_labels must always equal the label ids of the row's order in
 * wechat_customers_labels — the goods breakdown counts from it — or be NULL when they do not
 * fit. Real MariaDB, GOODS_LABEL_TRIGGERS as the migrations installed them.
 */
describe('goods_labels on attribution rows, kept by triggers', () => {
  let h: AudienceHarness;

  beforeAll(async () => {
    h = await startAudience();
  });
  beforeEach(() => truncate(h.db, 'wechat_push_attributions', 'wechat_customers_labels'));
  afterAll(() => h.close());

  const link = (orderId: number, labelId: number) =>
    h.db.query(
      'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES (1, ?, ?)',
      [labelId, orderId],
    );
  const attribute = (orderId: number, batchId: number) =>
    h.db.query(
      `INSERT INTO wechat_push_attributions (order_id, customer_id, batch_id, run_id, run_day,
         recipient_key, order_number, order_time, pushed_at, lag_seconds)
       VALUES (?, 1, ?, 1, '2025-03-01', 1, ?, '2025-03-01 12:00:00', '2025-03-01 10:00:00', 7200)`,
      [orderId, batchId, `NO${orderId}`],
    );
  /** A list with its ids in ascending order (the column keeps them in no particular order). */
  const sorted = (l: string | null) =>
    l === null || l === ''
      ? l
      : l
          .split(',')
          .map(Number)
          .sort((x, y) => x - y)
          .join(',');
  /** [order_id, batch_id, goods_labels (ids sorted)] of every attribution row. */
  const stored = async () =>
    (
      (await h.db.query(
        'SELECT order_id AS o, batch_id AS b, goods_labels AS l FROM wechat_push_attributions ORDER BY o, b',
      )) as { o: number; b: number; l: string | null }[]
    ).map((r) => [Number(r.o), Number(r.b), sorted(r.l)]);
  /** The same rows with the list as the links say it must be. */
  const truth = async () =>
    (
      (await h.db.query(
        `SELECT a.order_id AS o, a.batch_id AS b,
                (SELECT IF(SUM(LENGTH(l.label_id) + 1) - 1 > ?, NULL,
                           IFNULL(GROUP_CONCAT(l.label_id ORDER BY l.label_id), ''))
                   FROM wechat_customers_labels l WHERE l.order_id = a.order_id) AS l
           FROM wechat_push_attributions a ORDER BY o, b`,
        [GOODS_LABELS_MAX_CHARS],
      )) as { o: number; b: number; l: string | null }[]
    ).map((r) => [Number(r.o), Number(r.b), r.l]);

  it("a new attribution row carries its order's label ids, NULL when they do not fit", async () => {
    await link(10, 30);
    await link(10, 4);
    await attribute(10, 1);
    await attribute(11, 1);
    await attribute(10, 2); // the same order pushed in another batch
    expect(await stored()).toEqual([
      [10, 1, '4,30'],
      [10, 2, '4,30'],
      [11, 1, ''],
    ]);
  });

  it('a new label link adds its label id to the attribution rows of its order', async () => {
    await link(10, 30);
    await attribute(10, 1);
    await attribute(10, 2);
    await attribute(11, 1);
    await link(10, 7);
    await link(11, 4);
    await link(12, 7); // an order nobody was attributed: nothing to rewrite
    expect(await stored()).toEqual([
      [10, 1, '7,30'],
      [10, 2, '7,30'],
      [11, 1, '4'],
    ]);
    expect(await stored()).toEqual(await truth());
  });

  it('a label link moved to another label or order rewrites the lists of both orders', async () => {
    await link(10, 30);
    await link(10, 4);
    await link(10, 7);
    await attribute(10, 1);
    await attribute(10, 2);
    await attribute(11, 1);
    await h.db.query(
      'UPDATE wechat_customers_labels SET label_id = 5 WHERE order_id = 10 AND label_id = 30',
    );
    await h.db.query(
      'UPDATE wechat_customers_labels SET order_id = 11 WHERE order_id = 10 AND label_id = 4',
    );
    expect(await stored()).toEqual([
      [10, 1, '5,7'],
      [10, 2, '5,7'],
      [11, 1, '4'],
    ]);
    expect(await stored()).toEqual(await truth());
  });

  it('a deleted label link leaves the lists of its order', async () => {
    await link(10, 5);
    await link(10, 7);
    await link(11, 4);
    await attribute(10, 1);
    await attribute(10, 2);
    await attribute(11, 1);
    await h.db.query('DELETE FROM wechat_customers_labels WHERE order_id = 10 AND label_id = 5');
    expect(await stored()).toEqual([
      [10, 1, '7'],
      [10, 2, '7'],
      [11, 1, '4'],
    ]);
    await h.db.query('DELETE FROM wechat_customers_labels WHERE order_id = 10');
    expect(await stored()).toEqual([
      [10, 1, ''],
      [10, 2, ''],
      [11, 1, '4'],
    ]);
    expect(await stored()).toEqual(await truth());
  });

  it('a list longer than GOODS_LABELS_MAX_CHARS is NULL (readers use the links), and comes back when it fits again', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => 1_000_001 + i); // 8 characters each
    await h.db.query(
      'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES ?',
      [ids.map((id) => [1, id, 20])],
    );
    await attribute(20, 1);
    expect(await stored()).toEqual([[20, 1, null]]);
    await h.db.query(
      'DELETE FROM wechat_customers_labels WHERE order_id = 20 AND label_id > ?',
      [1_000_003],
    );
    expect(await stored()).toEqual([[20, 1, '1000001,1000002,1000003']]);
    // Grown past the limit one appended link at a time: NULL again, and NULL stays.
    for (const id of ids.slice(3)) await link(20, id);
    expect(await stored()).toEqual([[20, 1, null]]);
    await link(20, 5);
    expect(await stored()).toEqual(await truth());
    expect(await stored()).toEqual([[20, 1, null]]);
  });

  it('the backfill writes exactly the lists of the links present', async () => {
    await link(1, 2);
    await link(1, 1);
    await link(3, 9);
    for (const o of [1, 2, 3, 4]) await attribute(o, 1);
    await h.db.query("UPDATE wechat_push_attributions SET goods_labels = 'stale'");
    await backfillGoodsLabels(h.db, 2);
    expect(await stored()).toEqual([
      [1, 1, '1,2'],
      [2, 1, ''],
      [3, 1, '9'],
      [4, 1, ''],
    ]);
  });

  it('two transactions adding labels to one attributed order at once: the later one waits and both are listed', async () => {
    await attribute(40, 1);
    await secondWaitsForFirst(
      h.db,
      'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES (1, 1, 40)',
      'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES (1, 2, 40)',
    );
    expect(await stored()).toEqual([[40, 1, '1,2']]);
  });
});
