import { ContactLedger } from '@app/contact-policy';
import { shanghaiInstant } from '@app/common';
import { DeliveryRepository } from '@app/pipeline';
import { EffectAnalysisService, StatsIngest, writeDeliveryRows } from '@app/stats';
import type { GroupMsgSendResult } from '@app/wecom';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';

/**
 * Effect analysis (issue 9) over a hand-built history where every group is known. Recipients
 * a…h are customers 1…8 (the history of statistics-fixture.e2e-spec.ts):
 *
 *   R1 rule 1  03-03 10:00  [a b c g] fail g  + [d]
 *   R2 rule 1  03-05 14:00  [a e g h] fail h
 *   R3 rule 2  03-05 09:00  [b f]
 *   R4 rule 3  03-10 10:00  [c]
 *
 * Rule 1 is in wechat_push under a newer name, rule 2 is deleted there, rule 3 has no row (its
 * name comes from its run, with a comma and quotes for the CSV), rule 4 exists without runs.
 *
 * Orders and their label links (SKU by bind_id; city by name):
 *
 *   NO1  a 03-02           S3          before any push              never counts
 *   NO2  a 03-04           S1 S2       上海
 *   NO3  b+c 03-06 (2 rows) S1          北京 (both rows)
 *   NO4  d 03-20           S1                                      only with 30 days
 *   NO5  g 03-06           S2                                      g failed in R1
 *   NO6  e 03-05 13:00     S1          before e's push (R2)        never counts
 *   NO7  e 03-05 15:00     S1 S2 S3    上海 (another 上海 label)   S1 twice (two label rows)
 *   NO8  99 (nickname twin)                                        never pushed
 *   NO10 a 03-06           S3          —
 *   NO11 f 03-06           —           — (a store label only)
 *   NO12 b 03-07           (an SKU label without bind_id)  上海
 */
const at = (s: string) => shanghaiInstant(s.slice(0, 10), s.slice(11));

interface BatchSpec {
  recipients: string[];
  failList: string[];
  sentAt: string;
  results: { id: string; status: 0 | 1 | 2 | 3; sender: string }[];
}

const RULE3_NAME = '其他, "测试"';
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
    name: RULE3_NAME,
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

type OrderRow = [number, string, string, string];
const ORDERS_BEFORE_DELIVERY_ROWS: OrderRow[] = [
  [1, 'NO1', '1', '2025-03-02 12:00:00'],
  [2, 'NO2', '1', '2025-03-04 09:00:00'],
  [8, 'NO8', '99', '2025-03-04 10:00:00'],
];
const ORDERS_AFTER_DELIVERY_ROWS: OrderRow[] = [
  [3, 'NO3', '2,3', '2025-03-06 10:00:00'],
  [9, 'NO3', '3', '2025-03-06 11:00:00'],
  [4, 'NO4', '4', '2025-03-20 10:00:00'],
  [5, 'NO5', '7', '2025-03-06 10:00:00'],
  [6, 'NO6', '5', '2025-03-05 13:00:00'],
  [7, 'NO7', '5', '2025-03-05 15:00:00'],
  [10, 'NO10', '1', '2025-03-06 12:00:00'],
  [11, 'NO11', '6', '2025-03-06 13:00:00'],
  [12, 'NO12', '2', '2025-03-07 10:00:00'],
];

/** [id, bind_id, name, type] */
const LABELS: [number, string | null, string, number][] = [
  [1, 'S1', '猫砂A', 4],
  [2, 'S2', '猫粮B', 4],
  [3, 'S3', '', 4], // no name: shown as its bind_id
  [4, 'S1', '猫砂A(旧)', 4], // a second label row of S1: the same group
  [5, null, '上海', 0],
  [6, null, '北京', 0],
  [7, '9', '上海', 0], // a second 上海 row: cities group by name
  [8, 'W1', '一号仓', 1],
  [9, null, 'NoBind', 4], // an SKU label without bind_id: no rule can match it
];
/** [customer_id, label_id, order_id (youzan_orders.id)] */
const LINKS: [number, number, number][] = [
  [1, 3, 1],
  [1, 1, 2],
  [1, 2, 2],
  [1, 5, 2],
  [2, 1, 3],
  [3, 1, 3],
  [2, 6, 3],
  [3, 6, 3],
  [3, 1, 9],
  [3, 6, 9],
  [4, 1, 4],
  [7, 2, 5],
  [5, 1, 6],
  [5, 2, 7],
  [5, 3, 7],
  [5, 4, 7],
  [5, 7, 7],
  [1, 3, 10],
  [6, 8, 11],
  [2, 9, 12],
  [2, 5, 12],
];

const MARCH = { startTime: '2025-03-01', endTime: '2025-03-07' };
/** The fixture's orders carry no amounts (payment NULL): revenue 0.00 (order-value.e2e-spec.ts sums real ones). */
const UNKNOWN_AMOUNTS = '0.00';
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const label = (
  id: string,
  name: string,
  orderCount: number,
  buyerCount: number,
  share: number,
) => ({
  id,
  name,
  bucket: 'label',
  orderCount,
  buyerCount,
  revenue: UNKNOWN_AMOUNTS,
  share: r4(share),
});
const other = (orderCount: number, buyerCount: number, share: number) => ({
  id: null,
  name: '其他',
  bucket: 'other',
  orderCount,
  buyerCount,
  revenue: UNKNOWN_AMOUNTS,
  share: r4(share),
});
const unlabelled = (orderCount: number, buyerCount: number, share: number) => ({
  id: null,
  name: '无标签',
  bucket: 'unlabelled',
  orderCount,
  buyerCount,
  revenue: UNKNOWN_AMOUNTS,
  share: r4(share),
});

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF), for reading the CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

describe('effect analysis: goods, rules compared, reports (issue 9)', () => {
  let api: ApiHarness;

  const insertOrders = (rows: OrderRow[]) =>
    api.db.query(
      'INSERT INTO youzan_orders (id, order_number, user_ids, fans_nickname, order_creation_time) VALUES ?',
      [rows.map(([id, no, users, t]) => [id, no, users, 'x', at(t)])],
    );
  const post = async (route: string, body: Record<string, unknown>) => {
    const res = await api.post(`/statistic/wechatpush/${route}`, body);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  /** result's funnel: compare and report rows carry no contact policy exclusions. */
  const funnel = async (body: Record<string, unknown>) => {
    const { excluded: _excluded, ...figures } = await post('result', body);
    return figures;
  };

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
    const rule = (id: number, name: string, deleted: number) => [
      id,
      name,
      0,
      '2025-01-01',
      '2025-12-31',
      '',
      '',
      '',
      '',
      '',
      30,
      1,
      deleted,
      new Date(),
      new Date(),
    ];
    await api.db.query(
      `INSERT INTO wechat_push (id, name, status, start_date, end_date, city_labels, store_labels,
         brand_labels, cate_labels, sku_labels, last_order_day, last_order_day_limit, is_deleted,
         created_at, updated_at) VALUES ?`,
      [[rule(1, '猫砂召回（新）', 0), rule(2, '狗粮_100%', 1), rule(4, '没有执行', 0)]],
    );
    await api.db.query('INSERT INTO wechat_labels (id, bind_id, name, type) VALUES ?', [LABELS]);
    await api.db.query(
      'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES ?',
      [LINKS],
    );
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
        }));
        await repo.applyResults(batchId, page, new Date());
        await repo.refreshOutcomes(batchId);
      }
    }
    await insertOrders(ORDERS_AFTER_DELIVERY_ROWS);
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('goods', () => {
    it('sku: every group exact, an order with several SKUs in each, shares add up to 1', async () => {
      // Attributed: NO2 (S1 S2), NO3 (S1), NO7 (S1 S2 S3), NO10 (S3), NO11 and NO12 (none of
      // this dimension) — 6 orders by a b c e f. Not: NO1 / NO6 (before the push), NO4
      // (17 days later), NO5 (g failed in R1), NO8 (never pushed).
      const data = await post('goods', { ...MARCH, dimension: 'sku' });
      expect(data).toEqual({
        dimension: 'sku',
        totalOrders: 6,
        totalBuyers: 5,
        totalRevenue: UNKNOWN_AMOUNTS,
        rows: [
          label('S1', '猫砂A', 3, 4, (1 / 2 + 1 + 1 / 3) / 6), // a b c e; b and a elsewhere too
          label('S2', '猫粮B', 2, 2, (1 / 2 + 1 / 3) / 6), // tie with S3 at 2: by id
          label('S3', 'S3', 2, 2, (1 / 3 + 1) / 6),
          unlabelled(2, 2, 2 / 6), // NO11 (f), NO12 (b: its SKU label has no bind_id)
        ],
      });
      const sum = data.rows.reduce((s: number, r: { share: number }) => s + r.share, 0);
      expect(Math.abs(sum - 1)).toBeLessThanOrEqual(0.0001 * data.rows.length);
      const result = await post('result', MARCH);
      expect([data.totalOrders, data.totalBuyers]).toEqual([result.orderCount, result.buyerCount]);
    });

    it('sku, limit 1: the rest as one "other" row of distinct orders and buyers', async () => {
      const data = await post('goods', { ...MARCH, dimension: 'sku', limit: 1 });
      expect(data.rows).toEqual([
        label('S1', '猫砂A', 3, 4, (1 / 2 + 1 + 1 / 3) / 6),
        other(3, 2, (1 / 2 + 1 / 3 + 1 / 3 + 1) / 6), // NO2 NO7 NO10 by a e
        unlabelled(2, 2, 2 / 6),
      ]);
      const all = await post('goods', { ...MARCH, dimension: 'sku', limit: 3 });
      expect(all.rows.map((r: { bucket: string }) => r.bucket)).toEqual([
        'label',
        'label',
        'label',
        'unlabelled',
      ]);
    });

    it('city: grouped by name across label rows; an order without a city is unlabelled', async () => {
      expect(await post('goods', { ...MARCH, dimension: 'city' })).toEqual({
        dimension: 'city',
        totalOrders: 6,
        totalBuyers: 5,
        totalRevenue: UNKNOWN_AMOUNTS,
        rows: [
          label('上海', '上海', 3, 3, 3 / 6), // NO2 (a), NO7 (e, the other 上海 row), NO12 (b)
          label('北京', '北京', 1, 2, 1 / 6), // NO3: two buyers
          unlabelled(2, 2, 2 / 6), // NO10 (a), NO11 (f)
        ],
      });
    });

    it('store: only NO11 has one; a 30-day window adds NO4 (out of the 7-day window)', async () => {
      const store = await post('goods', { ...MARCH, dimension: 'store' });
      expect(store.rows).toEqual([label('W1', '一号仓', 1, 1, 1 / 6), unlabelled(5, 4, 5 / 6)]);
      const month = await post('goods', { ...MARCH, dimension: 'sku', attributionDays: 30 });
      expect(month).toMatchObject({ totalOrders: 7, totalBuyers: 6 });
      expect(month.rows[0]).toEqual(label('S1', '猫砂A', 4, 5, (1 / 2 + 1 + 1 / 3 + 1) / 7));
    });

    it('a failed recipient’s order counts only where it succeeded (R2 alone)', async () => {
      // From 03-05 10:00 only R2: g accepted there, so NO5 (S2) counts; NO2 was before R2.
      const data = await post('goods', {
        startTime: '2025-03-05 10:00:00',
        endTime: '2025-03-07',
        dimension: 'sku',
      });
      expect(data).toEqual({
        dimension: 'sku',
        totalOrders: 3,
        totalBuyers: 3,
        totalRevenue: UNKNOWN_AMOUNTS,
        rows: [
          label('S2', '猫粮B', 2, 2, (1 / 3 + 1) / 3), // NO7 (e), NO5 (g)
          label('S3', 'S3', 2, 2, (1 / 3 + 1) / 3), // NO7 (e), NO10 (a)
          label('S1', '猫砂A', 1, 1, 1 / 3 / 3),
          unlabelled(0, 0, 0),
        ],
      });
    });

    it('by rule id or name; a scope without orders is one zero row', async () => {
      // Rule 1 (R1 + R2): b's NO12 via R1, f (rule 2 only) is out.
      const byId = await post('goods', { ...MARCH, id: 1, dimension: 'city' });
      const result = await post('result', { ...MARCH, name: '猫砂' });
      expect([byId.totalOrders, byId.totalBuyers]).toEqual([result.orderCount, result.buyerCount]);
      expect(byId.rows).toEqual([
        label('上海', '上海', 3, 3, 3 / 5),
        label('北京', '北京', 1, 2, 1 / 5),
        unlabelled(1, 1, 1 / 5), // NO10 (a)
      ]);
      // Rule 2 (R3: b f): NO3 counts for b only (c was not pushed by it), NO11 (f), NO12 (b).
      expect(await post('goods', { ...MARCH, name: '狗粮', dimension: 'sku' })).toEqual({
        dimension: 'sku',
        totalOrders: 3,
        totalBuyers: 2,
        totalRevenue: UNKNOWN_AMOUNTS,
        rows: [label('S1', '猫砂A', 1, 1, 1 / 3), unlabelled(2, 2, 2 / 3)],
      });
      expect(
        await post('goods', { startTime: '2025-03-10', endTime: '2025-03-31', dimension: 'brand' }),
      ).toEqual({
        dimension: 'brand',
        totalOrders: 0,
        totalBuyers: 0,
        totalRevenue: UNKNOWN_AMOUNTS,
        rows: [unlabelled(0, 0, 0)],
      });
    });

    it('an order row whose label list does not fit on its attribution row is counted from its links', async () => {
      // Run 900 in June 2024, outside every other test's range. BIG1 carries 300 SKU label rows
      // of one bind_id (ids of 6 digits: a list longer than GOODS_LABELS_MAX_CHARS), BIG2 S1,
      // BIG3 none.
      const RUN = 900;
      await api.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
         VALUES (?, 4, 'scheduled', '2024-06-01 10:00:00', 'completed', '没有执行', NOW(), NOW())`,
        [RUN],
      );
      const bulk = Array.from({ length: 300 }, (_, i) => [100_001 + i, 'BULK', i ? '' : '整箱', 4]);
      await api.db.query('INSERT INTO wechat_labels (id, bind_id, name, type) VALUES ?', [bulk]);
      await api.db.query(
        'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES ?',
        [[...bulk.map((l) => [20_001, l[0], 2_000_001]), [20_002, 1, 2_000_002]]],
      );
      const row = (n: number) => [
        2_000_000 + n,
        20_000 + n,
        90_000,
        RUN,
        '2024-06-01',
        20_000 + n,
        `BIG${n}`,
        '2024-06-01 12:00:00',
        '2024-06-01 10:00:00',
        7200,
      ];
      await api.db.query(
        `INSERT INTO wechat_push_attributions (order_id, customer_id, batch_id, run_id, run_day,
           recipient_key, order_number, order_time, pushed_at, lag_seconds) VALUES ?`,
        [[row(1), row(2), row(3)]],
      );
      const lists: { o: string; l: string | null }[] = await api.db.query(
        `SELECT order_number AS o, goods_labels AS l FROM wechat_push_attributions
          WHERE run_id = ? ORDER BY order_number`,
        [RUN],
      );
      expect(lists.map((r) => [r.o, r.l])).toEqual([
        ['BIG1', null],
        ['BIG2', '1'],
        ['BIG3', ''],
      ]);
      const june = { startTime: '2024-06-01', endTime: '2024-06-01', dimension: 'sku' as const };
      expect(await api.app.get(EffectAnalysisService).goods(june)).toEqual({
        dimension: 'sku',
        totalOrders: 3,
        totalBuyers: 3,
        totalRevenue: UNKNOWN_AMOUNTS,
        rows: [
          label('BULK', '整箱', 1, 1, 1 / 3),
          label('S1', '猫砂A', 1, 1, 1 / 3),
          unlabelled(1, 1, 1 / 3),
        ],
      });
    });
  });

  describe('compare', () => {
    it('one row per rule in the order asked, each equal to result over that rule alone', async () => {
      const range = { startTime: '2025-03-01', endTime: '2025-03-31' };
      const rows = await post('compare', { ids: [2, 1, 3, 4], ...range });
      expect(rows.map((r: { pushId: number; ruleName: string }) => [r.pushId, r.ruleName])).toEqual(
        [
          [2, '狗粮_100%'], // deleted, still there
          [1, '猫砂召回（新）'], // the rule's current name
          [3, RULE3_NAME], // no rule row: the name of its last run
          [4, '没有执行'],
        ],
      );
      const byName = ['%', '猫砂', '其他', '没有执行'];
      for (const [i, name] of byName.entries()) {
        const { pushId: _p, ruleName: _n, holdoutLift, ...figures } = rows[i];
        expect(holdoutLift).toBeNull(); // no holdout members in this fixture
        expect(figures).toEqual(await funnel({ ...range, name }));
      }
      expect(rows[1]).toMatchObject({ pushCount: 7, failCount: 2, orderCount: 5, buyerCount: 4 });
      expect(rows[3]).toMatchObject({ pushCount: 0, orderCount: 0, successRate: 0 });
      const month = await post('compare', { ids: [1], ...range, attributionDays: 30 });
      expect(month[0].orderCount).toBe(6); // + NO4 by d
    });

    it('runs holding a small share of their rule are read by run, a large share by rule: same figures', async () => {
      // The path is chosen from the runs' counters: R1 made large, only R2 in the range.
      const fromR2 = { startTime: '2025-03-05 10:00:00', endTime: '2025-03-07' };
      const queries = jest.spyOn(api.db, 'query');
      await api.db.query('UPDATE wechat_push_runs SET accepted_count = 1000 WHERE id = ?', [
        RUNS[0].id,
      ]);
      try {
        const [small] = await post('compare', { ids: [1], ...fromR2 });
        const [large] = await post('compare', { ids: [1], ...MARCH });
        const funnels = queries.mock.calls
          .map((c) => String(c[0]))
          .filter((sql) => sql.includes('MAX(o.outcome) AS best'))
          .map((sql) => /FORCE INDEX \((\w+)\)/.exec(sql)?.[1]);
        expect(funnels).toEqual(['idx_outcomes_run', 'idx_outcomes_push']);
        const { pushId: _p, ruleName: _n, holdoutLift: _l, ...smallFigures } = small;
        expect(smallFigures).toEqual(await funnel({ ...fromR2, name: '猫砂' }));
        const { pushId: _q, ruleName: _m, holdoutLift: _k, ...largeFigures } = large;
        expect(largeFigures).toEqual(await funnel({ ...MARCH, name: '猫砂' }));
      } finally {
        queries.mockRestore();
        await api.db.query('UPDATE wechat_push_runs SET accepted_count = 0 WHERE id = ?', [
          RUNS[0].id,
        ]);
      }
    });

    it('a rule id that never existed is 404 naming ids', async () => {
      const res = await api.post('/statistic/wechatpush/compare', { ids: [1, 999], ...MARCH });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['ids']);
    });
  });

  describe('report', () => {
    type Row = Record<string, unknown> & { period: string; pushId: number };

    it('weekly: per rule and ISO week, clipped to the range, each equal to result', async () => {
      const rows: Row[] = await post('report', {
        startTime: '2025-03-04',
        endTime: '2025-03-12',
        granularity: 'week',
        format: 'json',
      });
      expect(rows.map((r) => [r.period, r.from, r.to, r.pushId])).toEqual([
        ['2025-W10', '2025-03-04', '2025-03-09', 1], // R2 only (R1 is on 03-03)
        ['2025-W10', '2025-03-04', '2025-03-09', 2],
        ['2025-W11', '2025-03-10', '2025-03-12', 3],
      ]);
      const expected = [
        { name: '猫砂', startTime: '2025-03-04', endTime: '2025-03-09' },
        { name: '%', startTime: '2025-03-04', endTime: '2025-03-09' },
        { name: '其他', startTime: '2025-03-10', endTime: '2025-03-12' },
      ];
      for (const [i, scope] of expected.entries()) {
        const {
          period: _p,
          from: _f,
          to: _t,
          pushId: _i,
          ruleName: _n,
          holdoutLift: _l,
          ...figures
        } = rows[i];
        expect(figures).toEqual(await funnel(scope));
      }
    });

    it('monthly: one period, rules in id order; CSV parses back to the JSON', async () => {
      const body = { startTime: '2025-03-01', endTime: '2025-03-31', granularity: 'month' };
      const rows: Row[] = await post('report', { ...body, format: 'json' });
      expect(rows.map((r) => [r.period, r.from, r.to, r.pushId, r.ruleName])).toEqual([
        ['2025-03', '2025-03-01', '2025-03-31', 1, '猫砂召回（新）'],
        ['2025-03', '2025-03-01', '2025-03-31', 2, '狗粮_100%'],
        ['2025-03', '2025-03-01', '2025-03-31', 3, RULE3_NAME],
      ]);
      expect(rows[0]).toMatchObject({ pushCount: 7, orderCount: 5, orderConversionRate: 1 });

      const res = await api
        .post('/statistic/wechatpush/report', { ...body, format: 'csv' })
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => done(null, Buffer.concat(chunks)));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename="wechatpush-report-month-2025-03-01-2025-03-31.csv"',
      );
      const bytes = res.body as Buffer;
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      expect(text).toContain(`"其他, ""测试"""`);
      const [header, ...lines] = parseCsv(text);
      expect(header.join(',')).toBe(
        '周期,开始日期,结束日期,规则ID,规则名称,推送人数,失败人数,成功人数,成功率,员工执行人数,送达人数,非好友人数,超上限人数,下单数,下单人数,营收(元),订单转化率,用户转化率,对照组人数,对照组用户转化率,转化提升,提升95%下限,提升95%上限,提升显著',
      );
      const fields = [
        'period',
        'from',
        'to',
        'pushId',
        'ruleName',
        'pushCount',
        'failCount',
        'successCount',
        'successRate',
        'executedCount',
        'deliveredCount',
        'notFriendCount',
        'overCapCount',
        'orderCount',
        'buyerCount',
        'revenue',
        'orderConversionRate',
        'userConversionRate',
      ];
      const text_ = new Set(['period', 'from', 'to', 'ruleName', 'revenue']);
      const parsed = lines.map((line) =>
        Object.fromEntries(
          line
            .slice(0, fields.length)
            .map((v, i) => [fields[i], text_.has(fields[i]) ? v : Number(v)]),
        ),
      );
      expect(parsed).toEqual(rows.map(({ holdoutLift: _l, ...figures }) => figures));
      // No holdout members in this fixture: the lift columns are empty.
      expect(lines.map((line) => line.slice(fields.length))).toEqual(
        rows.map(() => ['', '', '', '', '', '']),
      );
    });

    it('a range without runs: empty JSON, a CSV of the header only', async () => {
      const body = { startTime: '2024-01-01', endTime: '2024-01-31', granularity: 'week' };
      expect(await post('report', { ...body, format: 'json' })).toEqual([]);
      const res = await api.post('/statistic/wechatpush/report', { ...body, format: 'csv' });
      expect(res.status).toBe(200);
      expect(parseCsv(res.text.replace(/^\uFEFF/, ''))).toHaveLength(1);
    });
  });

  it('OpenAPI documents the three routes and explains every figure', async () => {
    const request = (await import('supertest')).default;
    const res = await request(api.app.getHttpServer())
      .get('/docs-json')
      .auth('operator', 'test-token-operator-1');
    expect(res.status).toBe(200);
    for (const route of ['goods', 'compare', 'report']) {
      expect(res.body.paths[`/statistic/wechatpush/${route}`]?.post).toBeDefined();
    }
    const schemas = res.body.components.schemas;
    for (const name of ['GoodsRowView', 'GoodsBreakdownView', 'RuleFiguresView', 'ReportRowView']) {
      for (const [field, prop] of Object.entries(schemas[name].properties)) {
        expect([name, field, (prop as { description?: string }).description]).toEqual([
          name,
          field,
          expect.any(String),
        ]);
      }
    }
    expect(schemas.GoodsRowView.properties.share.description).toContain('1/k');
    expect(schemas.GoodsQueryDto.required).toEqual(
      expect.arrayContaining(['startTime', 'endTime', 'dimension']),
    );
  });

  describe('validation: 400 VALIDATION_FAILED naming the field', () => {
    it.each([
      ['goods', { ...MARCH }, 'dimension'],
      ['goods', { ...MARCH, dimension: 'color' }, 'dimension'],
      ['goods', { ...MARCH, dimension: 'sku', limit: 0 }, 'limit'],
      ['goods', { ...MARCH, dimension: 'sku', limit: 101 }, 'limit'],
      ['goods', { ...MARCH, dimension: 'sku', id: 1, name: '猫砂' }, 'id'],
      ['goods', { ...MARCH, dimension: 'sku', id: 'x' }, 'id'],
      ['goods', { endTime: '2025-03-07', dimension: 'sku' }, 'startTime'],
      ['goods', { ...MARCH, dimension: 'sku', attributionDays: 91 }, 'attributionDays'],
      ['goods', { ...MARCH, dimension: 'sku', extra: 1 }, 'extra'],
      ['compare', { ...MARCH }, 'ids'],
      ['compare', { ...MARCH, ids: [] }, 'ids'],
      ['compare', { ...MARCH, ids: [1, 1] }, 'ids'],
      ['compare', { ...MARCH, ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, 'ids'],
      ['compare', { ...MARCH, ids: [1.5] }, 'ids'],
      ['compare', { ...MARCH, ids: [1], name: '猫砂' }, 'name'],
      ['compare', { startTime: '2025-03-07', endTime: '2025-03-01', ids: [1] }, 'endTime'],
      ['report', { ...MARCH, format: 'json' }, 'granularity'],
      ['report', { ...MARCH, granularity: 'day', format: 'json' }, 'granularity'],
      ['report', { ...MARCH, granularity: 'week', format: 'xlsx' }, 'format'],
      [
        'report',
        { startTime: '2025-02-30', endTime: '2025-03-07', granularity: 'week', format: 'csv' },
        'startTime',
      ],
    ])('%s %j → %s', async (route, body, field) => {
      const res = await api.post(`/statistic/wechatpush/${route}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('needs a token', async () => {
      for (const route of ['goods', 'compare', 'report']) {
        const res = await api.post(`/statistic/wechatpush/${route}`, MARCH, null);
        expect(res.status).toBe(401);
      }
    });
  });
});
