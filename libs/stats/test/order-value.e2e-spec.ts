import { shanghaiInstant } from '@app/common';
import { deriveBatchStatistics, writeDeliveryRows } from '@app/stats';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';

/**
 * Order value and status (issue 17) over a hand-built fixture where every figure is known:
 *
 *   R1 rule 1 营收规则 04-01 10:00  [a b c d]      R2 rule 2 对比规则 04-02 10:00  [a]
 *
 *   O1 a 04-01 12:00   0.10  paid                 counts
 *   O2 a 04-01 13:00   0.20  completed            counts (0.10 + 0.20 = 0.30 exactly)
 *   O3 b 04-01 14:00 100.00 − 30.55 completed     counts, 69.45 (partial refund); label S1
 *   O4 b 04-01 15:00  50.00 − 50.00 refunded      not counted
 *   O5 c 04-01 16:00  80.00  closed               not counted
 *   O6 d 04-01 17:00   NULL  (amounts unknown)    counts, revenue unknown (0)
 *   O7 a+c 04-02 11:00 10.01 completed            one order of two buyers: 10.01 once; R1 and R2; label S1
 *   O100…O1099 d 04-01 18:00  0.01 each           1,000 orders: 10.00, not 9.99999999999983
 *
 * R1: orders 1,005 (O1 O2 O3 O6 O7 + 1,000), buyers a b c d, revenue 89.76.
 * R2: O7 only (a), 10.01. Both runs: 1,005 orders, 89.76.
 */
const at = (s: string) => shanghaiInstant(s.slice(0, 10), s.slice(11));

type OrderRow = [number, string, string, string | null, string | null, string | null];
const ORDERS: OrderRow[] = [
  [1, '1', '2025-04-01 12:00:00', '0.10', null, 'paid'],
  [2, '1', '2025-04-01 13:00:00', '0.20', null, 'completed'],
  [3, '2', '2025-04-01 14:00:00', '100.00', '30.55', 'completed'],
  [4, '2', '2025-04-01 15:00:00', '50.00', '50.00', 'refunded'],
  [5, '3', '2025-04-01 16:00:00', '80.00', null, 'closed'],
  [6, '4', '2025-04-01 17:00:00', null, null, null],
  [7, '1,3', '2025-04-02 11:00:00', '10.01', null, 'completed'],
  ...Array.from({ length: 1000 }, (_, i): OrderRow => [
    100 + i,
    '4',
    '2025-04-01 18:00:00',
    '0.01',
    null,
    'completed',
  ]),
];
const APRIL = { startTime: '2025-04-01', endTime: '2025-04-07' };

describe('order value and status: revenue beside every order figure (issue 17)', () => {
  let api: ApiHarness;

  const post = async (path: string, body: Record<string, unknown>) => {
    const res = await api.post(`/statistic/wechatpush/${path}`, body);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  /** `order:customer=revenue` of every attribution row of the orders given. */
  const attributed = async (orderIds: number[]) =>
    (
      (await api.db.query(
        `SELECT order_id AS o, customer_id AS c, run_id AS r, revenue
           FROM wechat_push_attributions WHERE order_id IN (?) ORDER BY order_id, customer_id, run_id`,
        [orderIds],
      )) as { o: number; c: number; r: number; revenue: string | null }[]
    ).map((x) => `${x.o}:${x.c}@${x.r}=${x.revenue}`);

  beforeAll(async () => {
    api = await startApi();
    await resetPipelineTables(api.db);
    await api.db.query('INSERT INTO customers (id, name, nickname, external_userid) VALUES ?', [
      ['a', 'b', 'c', 'd'].map((n, i) => [i + 1, n, n, `ext-${n}`]),
    ]);
    const insertOrders = (rows: OrderRow[]) =>
      api.db.query(
        `INSERT INTO youzan_orders (id, order_number, user_ids, fans_nickname, order_creation_time,
           payment, refunded_fee, status) VALUES ?`,
        [
          rows.map(([id, users, t, pay, refunded, st]) => [
            id,
            `O${id}`,
            users,
            'x',
            at(t),
            pay,
            refunded,
            st,
          ]),
        ],
      );
    // O1, O4 and O5 before the deliveries' rows (attributed by writeDeliveryRows then), the
    // rest after (by the triggers): both paths apply the same rule.
    const early = new Set([1, 4, 5]);
    await insertOrders(ORDERS.filter((o) => early.has(o[0])));
    const runs = [
      {
        id: 1,
        pushId: 1,
        name: '营收规则',
        slotAt: '2025-04-01 10:00:00',
        to: ['a', 'b', 'c', 'd'],
      },
      { id: 2, pushId: 2, name: '对比规则', slotAt: '2025-04-02 10:00:00', to: ['a'] },
    ];
    for (const run of runs) {
      await api.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, NOW(), NOW())`,
        [run.id, run.pushId, at(run.slotAt), run.name],
      );
      await api.db.query(
        `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
           msgid, fail_list, fail_count, finished_at, created_at, updated_at)
         VALUES (?, ?, 1, 'sent', ?, ?, ?, '[]', 0, ?, NOW(), NOW())`,
        [
          run.id,
          run.id,
          run.to.length,
          JSON.stringify(run.to.map((n) => `ext-${n}`)),
          `msg-${run.id}`,
          at(run.slotAt),
        ],
      );
      await writeDeliveryRows(api.db, run.id, new Date());
      await api.db.transaction((em) => deriveBatchStatistics(em, run.id));
    }
    await insertOrders(ORDERS.filter((o) => !early.has(o[0])));
    await api.db.query(
      `INSERT INTO wechat_labels (id, bind_id, name, type) VALUES (1, 'S1', '猫砂', 4)`,
    );
    await api.db.query(
      `INSERT INTO wechat_customers_labels (customer_id, label_id, order_id)
       VALUES (2, 1, 3), (1, 1, 7), (3, 1, 7)`,
    );
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refunds and closed orders are not counted, partial refunds reduce revenue, unknown amounts count without revenue', async () => {
    expect(await post('result', APRIL)).toMatchObject({
      pushCount: 4,
      successCount: 4,
      orderCount: 1005,
      buyerCount: 4,
      revenue: '89.76',
      orderConversionRate: 251.25,
      userConversionRate: 1,
    });
    // b's refunded order O4 and c's closed O5 have no attribution rows; O7 has one per buyer
    // and push, each with the order's revenue.
    expect(await attributed([1, 3, 4, 5, 6, 7])).toEqual([
      '1:1@1=0.10',
      '3:2@1=69.45',
      '6:4@1=null',
      '7:1@1=10.01',
      '7:1@2=10.01',
      '7:3@1=10.01',
    ]);
  });

  it('revenue sums exactly: 0.10 + 0.20 is 0.30 and 1,000 × 0.01 is 10.00 (decimals, not floats)', async () => {
    const run1 = await post('runs', { id: 1, ...APRIL });
    expect(run1.data[0]).toMatchObject({ runId: 1, orderCount: 1005, revenue: '89.76' });
    // d alone: the unknown O6 plus 1,000 orders of 0.01.
    const floatSum = Array.from({ length: 1000 }, () => 0.01).reduce((s, x) => s + x, 0);
    expect(floatSum).not.toBe(10); // what a float sum would have shown
    expect(
      await api.db.query(
        `SELECT SUM(x.revenue) AS revenue FROM (SELECT a.order_number, MAX(a.revenue) AS revenue
           FROM wechat_push_attributions a WHERE a.recipient_key = 4 GROUP BY a.order_number) x`,
      ),
    ).toEqual([{ revenue: '10.00' }]);
    const small = await post('goods', { ...APRIL, dimension: 'sku' });
    expect(small.rows.find((r: { bucket: string }) => r.bucket === 'unlabelled')).toMatchObject({
      orderCount: 1003, // O1 O2 O6 + 1,000
      revenue: '10.30',
    });
  });

  it('every figure that counts orders has its revenue beside it: runs, daily, compare, report, goods', async () => {
    const runs = await post('runs', { name: '规则', ...APRIL });
    expect(
      runs.data.map((r: { runId: number; orderCount: number; revenue: string }) => [
        r.runId,
        r.orderCount,
        r.revenue,
      ]),
    ).toEqual([
      [2, 1, '10.01'],
      [1, 1005, '89.76'],
    ]);
    const daily = await post('daily', { startTime: '2025-04-01', endTime: '2025-04-03' });
    expect(daily.map((d: { day: string; revenue: string }) => [d.day, d.revenue])).toEqual([
      ['2025-04-01', '89.76'],
      ['2025-04-02', '10.01'],
      ['2025-04-03', '0.00'],
    ]);
    const compare = await post('compare', { ids: [2, 1], ...APRIL });
    expect(compare.map((r: { pushId: number; revenue: string }) => [r.pushId, r.revenue])).toEqual([
      [2, '10.01'],
      [1, '89.76'],
    ]);
    const report = await post('report', { ...APRIL, granularity: 'month', format: 'json' });
    expect(
      report.map((r: { period: string; pushId: number; revenue: string }) => [
        r.period,
        r.pushId,
        r.revenue,
      ]),
    ).toEqual([
      ['2025-04', 1, '89.76'],
      ['2025-04', 2, '10.01'],
    ]);
    const csv = await api.post('/statistic/wechatpush/report', {
      ...APRIL,
      granularity: 'month',
      format: 'csv',
    });
    const [header, first] = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    const column = header.split(',').indexOf('营收(元)');
    expect(column).toBeGreaterThan(0);
    expect(first.split(',')[column]).toBe('89.76');
    expect(await post('goods', { ...APRIL, dimension: 'sku' })).toMatchObject({
      totalOrders: 1005,
      totalRevenue: '89.76',
      rows: [
        { id: 'S1', orderCount: 2, revenue: '79.46' }, // O3 69.45 + O7 10.01 (two buyers, once)
        { bucket: 'unlabelled', orderCount: 1003, revenue: '10.30' },
      ],
    });
  });

  it('an order updated to refunded after attribution drops out of every figure', async () => {
    await api.db.query(
      `UPDATE youzan_orders SET refunded_fee = payment, status = 'refunded' WHERE id = 3`,
    );
    expect(await attributed([3])).toEqual([]);
    expect(await post('result', APRIL)).toMatchObject({
      orderCount: 1004,
      buyerCount: 3, // b's only counted order is gone
      revenue: '20.31',
    });
    const goods = await post('goods', { ...APRIL, dimension: 'sku' });
    expect(goods.rows[0]).toMatchObject({ id: 'S1', orderCount: 1, revenue: '10.01' });
    expect((await post('runs', { id: 1, ...APRIL })).data[0]).toMatchObject({
      orderCount: 1004,
      revenue: '20.31',
    });
  });

  it('an order closed or refunded in full is no longer attributed, one that counts again is attributed again, and a changed amount changes its revenue', async () => {
    expect(await attributed([5])).toEqual([]); // closed from the start
    await api.db.query(`UPDATE youzan_orders SET status = 'completed' WHERE id = 5`);
    expect(await attributed([5])).toEqual(['5:3@1=80.00']);
    await api.db.query(`UPDATE youzan_orders SET refunded_fee = 20.5 WHERE id = 5`);
    expect(await attributed([5])).toEqual(['5:3@1=59.50']);
    expect((await post('result', APRIL)).revenue).toBe('79.81'); // 20.31 + 59.50
    // Refunds reaching the payment: no longer a conversion, whatever the status says.
    await api.db.query(`UPDATE youzan_orders SET refunded_fee = 80 WHERE id = 5`);
    expect(await attributed([5])).toEqual([]);
    await api.db.query(`UPDATE youzan_orders SET refunded_fee = NULL WHERE id = 5`);
    expect(await attributed([5])).toEqual(['5:3@1=80.00']);
    await api.db.query(`UPDATE youzan_orders SET status = 'closed' WHERE id = 5`);
    expect(await attributed([5])).toEqual([]);
    // A change that is not about value leaves the rows alone; a buyer change moves them with
    // their revenue (the audience's trigger re-derives the buyers, the attribution follows).
    await api.db.query(`UPDATE youzan_orders SET fans_nickname = 'y' WHERE id = 7`);
    expect(await attributed([7])).toEqual(['7:1@1=10.01', '7:1@2=10.01', '7:3@1=10.01']);
    await api.db.query(`UPDATE youzan_orders SET user_ids = '3' WHERE id = 7`);
    expect(await attributed([7])).toEqual(['7:3@1=10.01']);
  });
});
