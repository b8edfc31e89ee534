import { ContactLedger } from '@app/contact-policy';
import { shanghaiInstant } from '@app/common';
import { noExclusions } from '@app/contracts';
import { DeliveryRepository } from '@app/pipeline';
import { StatsIngest, writeDeliveryRows } from '@app/stats';
import type { GroupMsgSendResult } from '@app/wecom';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';

/**
 * A hand-built history where every figure is known in advance (SPEC §7). Recipients a…h are
 * customers 1…8; customers 1 and 2 share the nickname 小明 with customer 99, who was never
 * pushed but bought — the seed's nickname match would count that order.
 *
 *   R1 猫砂召回  03-03 10:00  [a b c g] fail g  + [d]   a=1 b=2 c=3 d=0
 *   R2 猫砂召回  03-05 14:00  [a e g h] fail h          a=1 e=1 g=3
 *   R3 狗粮_100% 03-05 09:00  [b f]                     b=1 f=2
 *   R4 其他      03-10 10:00  [c]                       c=1
 */
const at = (s: string) => shanghaiInstant(s.slice(0, 10), s.slice(11));

interface BatchSpec {
  recipients: string[];
  failList: string[];
  sentAt: string;
  results: { id: string; status: 0 | 1 | 2 | 3; sender: string }[];
}

const RUNS: { id: number; pushId: number; name: string; slotAt: string; batches: BatchSpec[] }[] = [
  {
    id: 1,
    pushId: 1,
    name: '猫砂召回',
    slotAt: '2025-03-03 10:00:00',
    batches: [
      {
        recipients: ['ext-a', 'ext-b', 'ext-c', 'ext-g'],
        failList: ['ext-g'],
        sentAt: '2025-03-03 10:00:05',
        results: [
          { id: 'ext-a', status: 1, sender: 'zhangsan' },
          { id: 'ext-b', status: 2, sender: 'lisi' },
          { id: 'ext-c', status: 3, sender: 'lisi' },
        ],
      },
      {
        recipients: ['ext-d'],
        failList: [],
        sentAt: '2025-03-03 10:00:06',
        results: [{ id: 'ext-d', status: 0, sender: 'zhangsan' }],
      },
    ],
  },
  {
    id: 2,
    pushId: 1,
    name: '猫砂召回',
    slotAt: '2025-03-05 14:00:00',
    batches: [
      {
        recipients: ['ext-a', 'ext-e', 'ext-g', 'ext-h'],
        failList: ['ext-h'],
        sentAt: '2025-03-05 14:00:03',
        results: [
          { id: 'ext-a', status: 1, sender: 'zhangsan' },
          { id: 'ext-e', status: 1, sender: 'wangwu' },
          { id: 'ext-g', status: 3, sender: 'wangwu' },
        ],
      },
    ],
  },
  {
    id: 3,
    pushId: 2,
    name: '狗粮_100%',
    slotAt: '2025-03-05 09:00:00',
    batches: [
      {
        recipients: ['ext-b', 'ext-f'],
        failList: [],
        sentAt: '2025-03-05 09:00:02',
        results: [
          { id: 'ext-b', status: 1, sender: 'lisi' },
          { id: 'ext-f', status: 2, sender: 'lisi' },
        ],
      },
    ],
  },
  {
    id: 4,
    pushId: 3,
    name: '其他',
    slotAt: '2025-03-10 10:00:00',
    batches: [
      {
        recipients: ['ext-c'],
        failList: [],
        sentAt: '2025-03-10 10:00:02',
        results: [{ id: 'ext-c', status: 1, sender: 'lisi' }],
      },
    ],
  },
];

/** [id, order_number, user_ids, fans_nickname, created] — see the expectations for each. */
type OrderRow = [number, string, string, string, string];
const ORDERS_BEFORE_DELIVERY_ROWS: OrderRow[] = [
  [1, 'NO1', '1', '小明', '2025-03-02 12:00:00'], // A before any push
  [2, 'NO2', '1', '小明', '2025-03-04 09:00:00'], // A, 1 day after R1
  [8, 'NO8', '99', '小明', '2025-03-04 10:00:00'], // nickname twin, never pushed
];
const ORDERS_AFTER_DELIVERY_ROWS: OrderRow[] = [
  [3, 'NO3', '2,3', 'B', '2025-03-06 10:00:00'], // B and C: one order, two buyers
  [9, 'NO3', '3', 'C', '2025-03-06 11:00:00'], // a second row of order NO3
  [4, 'NO4', '4', 'D', '2025-03-20 10:00:00'], // D, 17 days after R1: only with a 30-day window
  [5, 'NO5', '7', 'G', '2025-03-06 10:00:00'], // G: failed in R1, accepted in R2
  [6, 'NO6', '5', 'E', '2025-03-05 13:00:00'], // E, before its R2 push
  [7, 'NO7', '5', 'E', '2025-03-05 15:00:00'], // E, after R2
];

const figures = (f: Record<string, number>) => ({
  pushCount: f.push,
  failCount: f.fail,
  successCount: f.push - f.fail,
  successRate: f.successRate,
  executedCount: f.executed,
  deliveredCount: f.delivered,
  notFriendCount: f.notFriend,
  overCapCount: f.overCap,
  orderCount: f.orders,
  buyerCount: f.buyers,
  // The fixture's orders carry no amounts (payment NULL, as before amounts were stored): they
  // count as orders, their revenue is unknown (0.00). Revenue: order-value.e2e-spec.ts.
  revenue: '0.00',
  orderConversionRate: f.orderRate,
  userConversionRate: f.userRate,
  // The fixture's runs predate the contact policy (excluded NULL): nobody kept out.
  excluded: noExclusions(),
});
const ZERO = figures({
  push: 0,
  fail: 0,
  successRate: 0,
  executed: 0,
  delivered: 0,
  notFriend: 0,
  overCap: 0,
  orders: 0,
  buyers: 0,
  orderRate: 0,
  userRate: 0,
});

describe('effect statistics over a hand-built fixture (SPEC §7)', () => {
  let api: ApiHarness;

  const insertOrders = (rows: OrderRow[]) =>
    api.db.query(
      'INSERT INTO youzan_orders (id, order_number, user_ids, fans_nickname, order_creation_time) VALUES ?',
      [rows.map(([id, no, users, nick, t]) => [id, no, users, nick, at(t)])],
    );

  beforeAll(async () => {
    api = await startApi();
    await resetPipelineTables(api.db);
    const names = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    await api.db.query('INSERT INTO customers (id, name, nickname, external_userid) VALUES ?', [
      [
        ...names.map((n, i) => [i + 1, n, i < 2 ? '小明' : n, `ext-${n.toLowerCase()}`]),
        [99, '小明', '小明', null],
      ],
    ]);
    await insertOrders(ORDERS_BEFORE_DELIVERY_ROWS);
    const repo = new DeliveryRepository(api.db, new StatsIngest(api.db), new ContactLedger(api.db));
    let batchId = 0;
    for (const run of RUNS) {
      await api.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, NOW(), NOW())`,
        [run.id, run.pushId, at(run.slotAt), run.name],
      );
      for (const [no, b] of run.batches.entries()) {
        batchId++;
        await api.db.query(
          `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
             msgid, fail_list, fail_count, finished_at, created_at, updated_at)
           VALUES (?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?, NOW(), NOW())`,
          [
            batchId,
            run.id,
            no + 1,
            b.recipients.length,
            JSON.stringify(b.recipients),
            `msg-${batchId}`,
            JSON.stringify(b.failList),
            b.failList.length,
            at(b.sentAt),
          ],
        );
        await writeDeliveryRows(api.db, batchId, new Date());
        const page: GroupMsgSendResult[] = b.results.map((r) => ({
          external_userid: r.id,
          userid: r.sender,
          status: r.status,
          ...(r.status === 1 ? { send_time: Math.floor(at(b.sentAt).getTime() / 1000) + 60 } : {}),
        }));
        expect(await repo.applyResults(batchId, page, new Date())).toBe(page.length);
        // Polling the same answer again changes nothing; writing the rows again adds none.
        expect(await repo.applyResults(batchId, page, new Date())).toBe(0);
        expect(await writeDeliveryRows(api.db, batchId, new Date())).toBe(0);
        await repo.refreshOutcomes(batchId);
      }
    }
    await insertOrders(ORDERS_AFTER_DELIVERY_ROWS);
  });
  afterAll(async () => {
    await api?.close();
  });

  const result = async (body: Record<string, unknown>) => {
    const res = await api.post('/statistic/wechatpush/result', body);
    expect(res.status).toBe(200);
    return res.body.data;
  };

  it('stores one row per recipient per batch, fail_list as not accepted, each status once', async () => {
    const rows = await api.db.query(
      `SELECT batch_id, external_userid, accepted, status, sender_userid, customer_id,
              send_time IS NOT NULL AS has_time
         FROM wechat_push_deliveries ORDER BY batch_id, external_userid`,
    );
    expect(rows).toHaveLength(12);
    expect(
      rows.map((r: Record<string, unknown>) => [
        Number(r.batch_id),
        r.external_userid,
        Number(r.accepted),
        r.status === null ? null : Number(r.status),
        Number(r.has_time),
      ]),
    ).toEqual([
      [1, 'ext-a', 1, 1, 1],
      [1, 'ext-b', 1, 2, 0],
      [1, 'ext-c', 1, 3, 0],
      [1, 'ext-g', 0, null, 0],
      [2, 'ext-d', 1, 0, 0],
      [3, 'ext-a', 1, 1, 1],
      [3, 'ext-e', 1, 1, 1],
      [3, 'ext-g', 1, 3, 0],
      [3, 'ext-h', 0, null, 0],
      [4, 'ext-b', 1, 1, 1],
      [4, 'ext-f', 1, 2, 0],
      [5, 'ext-c', 1, 1, 1],
    ]);
    expect(rows.every((r: { customer_id: unknown }) => r.customer_id !== null)).toBe(true);
  });

  it.each([
    [
      'all runs of 03-01…03-07, default 7-day window',
      { startTime: '2025-03-01', endTime: '2025-03-07' },
      // a b c d e f g h; g (R1) and h fail — g too although R2 accepted it (fail wins, as the
      // seed); a b e delivered, c over cap, f not a friend, d not sent. Orders: NO2 (a), NO3
      // (b+c, two rows, one number), NO7 (e). Not: NO1/NO6 before the push, NO4 17 days
      // later, NO5 by failed g, NO8 by the nickname twin.
      {
        push: 8,
        fail: 2,
        successRate: 0.75,
        executed: 5,
        delivered: 3,
        notFriend: 1,
        overCap: 1,
        orders: 3,
        buyers: 4,
        orderRate: 0.5,
        userRate: 0.6667,
      },
    ],
    [
      'a 30-day window adds NO4',
      { startTime: '2025-03-01', endTime: '2025-03-07', attributionDays: 30 },
      {
        push: 8,
        fail: 2,
        successRate: 0.75,
        executed: 5,
        delivered: 3,
        notFriend: 1,
        overCap: 1,
        orders: 4,
        buyers: 5,
        orderRate: 0.6667,
        userRate: 0.8333,
      },
    ],
    [
      'name 猫砂: R1 and R2 (b only not a friend there)',
      { name: '猫砂', startTime: '2025-03-01', endTime: '2025-03-31' },
      {
        push: 7,
        fail: 2,
        successRate: 0.7143,
        executed: 4,
        delivered: 2,
        notFriend: 1,
        overCap: 1,
        orders: 3,
        buyers: 4,
        orderRate: 0.6,
        userRate: 0.8,
      },
    ],
    [
      'name "%" is literal: only 狗粮_100%',
      { name: '%', startTime: '2025-03-01', endTime: '2025-03-31' },
      {
        push: 2,
        fail: 0,
        successRate: 1,
        executed: 2,
        delivered: 1,
        notFriend: 1,
        overCap: 0,
        orders: 1,
        buyers: 1,
        orderRate: 0.5,
        userRate: 0.5,
      },
    ],
    [
      'a time of day: from 03-05 10:00 only R2, where g succeeded and bought (NO5)',
      { startTime: '2025-03-05 10:00:00', endTime: '2025-03-07' },
      {
        push: 4,
        fail: 1,
        successRate: 0.75,
        executed: 3,
        delivered: 2,
        notFriend: 0,
        overCap: 1,
        orders: 2,
        buyers: 2,
        orderRate: 0.6667,
        userRate: 0.6667,
      },
    ],
  ])('result: %s', async (_what, body, expected) => {
    expect(await result(body)).toEqual(figures(expected));
  });

  it('result: a range without runs, or a name nothing has, is all zeros (no NaN)', async () => {
    expect(await result({ startTime: '2024-01-01', endTime: '2024-12-31' })).toEqual(ZERO);
    expect(await result({ name: '_', startTime: '2025-03-01', endTime: '2025-03-04' })).toEqual(
      ZERO,
    );
  });

  it('runs: per run, newest first, with each member’s execution', async () => {
    const res = await api.post('/statistic/wechatpush/runs', {
      id: 1,
      startTime: '2025-03-01',
      endTime: '2025-03-31',
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ total: 2, page: 1, pagesize: 20, pages: 1 });
    const [r2, r1] = res.body.data.data;
    expect(r2).toEqual({
      runId: 2,
      pushId: 1,
      ruleName: '猫砂召回',
      kind: 'scheduled',
      slotAt: '2025-03-05 14:00:00',
      state: 'completed',
      // Within R2 g was accepted, so its order NO5 counts here.
      ...figures({
        push: 4,
        fail: 1,
        successRate: 0.75,
        executed: 3,
        delivered: 2,
        notFriend: 0,
        overCap: 1,
        orders: 2,
        buyers: 2,
        orderRate: 0.6667,
        userRate: 0.6667,
      }),
      senders: [
        sender('wangwu', { assigned: 2, executed: 2, delivered: 1, notFriend: 0, overCap: 1 }),
        sender('zhangsan', { assigned: 1, executed: 1, delivered: 1, notFriend: 0, overCap: 0 }),
      ],
    });
    expect(r1).toMatchObject({
      runId: 1,
      slotAt: '2025-03-03 10:00:00',
      ...figures({
        push: 5,
        fail: 1,
        successRate: 0.8,
        executed: 3,
        delivered: 1,
        notFriend: 1,
        overCap: 1,
        orders: 2,
        buyers: 3,
        orderRate: 0.5,
        userRate: 0.75,
      }),
      senders: [
        sender('lisi', { assigned: 2, executed: 2, delivered: 0, notFriend: 1, overCap: 1 }),
        sender('zhangsan', { assigned: 2, executed: 1, delivered: 1, notFriend: 0, overCap: 0 }),
      ],
    });
    const byName = await api.post('/statistic/wechatpush/runs', {
      name: '_100',
      startTime: '2025-03-01',
      endTime: '2025-03-31',
      pagesize: 1,
    });
    expect(byName.body.data).toMatchObject({ total: 1, pages: 1 });
    expect(byName.body.data.data.map((r: { runId: number }) => r.runId)).toEqual([3]);
  });

  it('daily: every day of the range, distinct within the day', async () => {
    const res = await api.post('/statistic/wechatpush/daily', {
      startTime: '2025-03-03',
      endTime: '2025-03-06',
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        day: '2025-03-03',
        ...figures({
          push: 5,
          fail: 1,
          successRate: 0.8,
          executed: 3,
          delivered: 1,
          notFriend: 1,
          overCap: 1,
          orders: 2,
          buyers: 3,
          orderRate: 0.5,
          userRate: 0.75,
        }),
      },
      { day: '2025-03-04', ...ZERO },
      {
        // R2 + R3: a e g h b f, h failed; a e b delivered, g over cap, f not a friend.
        day: '2025-03-05',
        ...figures({
          push: 6,
          fail: 1,
          successRate: 0.8333,
          executed: 5,
          delivered: 3,
          notFriend: 1,
          overCap: 1,
          orders: 3,
          buyers: 3,
          orderRate: 0.6,
          userRate: 0.6,
        }),
      },
      { day: '2025-03-06', ...ZERO },
    ]);
  });

  it('follows orders written after the push through the triggers, and drops deleted ones', async () => {
    const before = await result({ startTime: '2025-03-01', endTime: '2025-03-07' });
    await api.db.query('DELETE FROM youzan_orders WHERE id = 7'); // NO7 by e
    const after = await result({ startTime: '2025-03-01', endTime: '2025-03-07' });
    expect([after.orderCount, after.buyerCount]).toEqual([
      before.orderCount - 1,
      before.buyerCount - 1,
    ]);
    await insertOrders([[7, 'NO7', '5', 'E', '2025-03-05 15:00:00']]);
    expect(await result({ startTime: '2025-03-01', endTime: '2025-03-07' })).toEqual(before);
  });

  describe('validation: 400 VALIDATION_FAILED naming the field', () => {
    it.each([
      ['result', { endTime: '2025-03-07' }, 'startTime'],
      ['result', { startTime: '2025-02-30', endTime: '2025-03-07' }, 'startTime'],
      ['result', { startTime: '2025-03-01', endTime: '2025-03-07 25:00:00' }, 'endTime'],
      ['result', { startTime: '2025-03-07', endTime: '2025-03-01' }, 'endTime'],
      [
        'result',
        { startTime: '2025-03-01', endTime: '2025-03-07', attributionDays: 91 },
        'attributionDays',
      ],
      [
        'result',
        { startTime: '2025-03-01', endTime: '2025-03-07', attributionDays: 1.5 },
        'attributionDays',
      ],
      ['result', { startTime: '2025-03-01', endTime: '2025-03-07', name: 7 }, 'name'],
      ['result', { startTime: '2025-03-01', endTime: '2025-03-07', extra: 1 }, 'extra'],
      ['runs', { startTime: '2025-03-01', endTime: '2025-03-07' }, 'id'],
      ['runs', { id: 0, startTime: '2025-03-01', endTime: '2025-03-07' }, 'id'],
      [
        'runs',
        { id: 1, startTime: '2025-03-01', endTime: '2025-03-07', pagesize: 101 },
        'pagesize',
      ],
      ['daily', { startTime: '2024-01-01', endTime: '2025-03-07' }, 'endTime'],
    ])('%s %j → %s', async (route, body, field) => {
      const res = await api.post(`/statistic/wechatpush/${route}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('needs a token', async () => {
      const res = await api.post(
        '/statistic/wechatpush/result',
        { startTime: '2025-03-01', endTime: '2025-03-07' },
        null,
      );
      expect(res.status).toBe(401);
    });
  });
});

function sender(
  userid: string,
  c: { assigned: number; executed: number; delivered: number; notFriend: number; overCap: number },
) {
  const r = (a: number, b: number) => (b ? Math.round((a / b) * 10_000) / 10_000 : 0);
  return {
    userid,
    assignedCount: c.assigned,
    executedCount: c.executed,
    deliveredCount: c.delivered,
    notFriendCount: c.notFriend,
    overCapCount: c.overCap,
    executionRate: r(c.executed, c.assigned),
    deliveryRate: r(c.delivered, c.assigned),
    // Tasks per member (issue 22) come from wechat_push_member_tasks, which delivery tracking
    // fills; this hand-built fixture has none.
    sentTasks: 0,
    remindedTasks: 0,
    cancelledTasks: 0,
  };
}
