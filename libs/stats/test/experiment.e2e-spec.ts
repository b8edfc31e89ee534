import { shanghaiInstant } from '@app/common';
import { conversionLift, revenueLift } from '@app/experiments';
import { experimentGroups, writeDeliveryRows } from '@app/stats';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';

/**
 * `POST /statistic/wechatpush/experiment` over a hand-built fixture where every figure is
 * known (docs/STATISTICS.md "Experiments"). Batches are sent 5 s after their run's slot;
 * holdout members are assigned at the slot.
 *
 *   rule 1 实验规则 (10 % holdout)
 *     R1 04-01 10:00  batch 1 (A): t1 t2 t3 t4 t5 (fail_list) tx (no customer row)
 *                     batch 2 (B): b1 b2
 *                     controls: c1 c2 c3 holdout, g1 global (not in the experiment)
 *     R2 04-03 10:00  batch 3 (A): t1            controls: c1 holdout
 *     R6 04-02 09:00  batch 6 (A): t4            no holdout members → not measured
 *   rule 5 无对照规则  R5 04-02 10:00  batch 5 (A): p1, batch 7 (B): p2 — no controls
 *   rules 3 and 4 (fairness) 05-01 10:00: R3 sends z and holds out x y; R4 sends x y, holds out z
 *
 * Orders (7-day window; ✓ counted for the assignment(s) named):
 *   O1  t1 04-01 12:00 100.00             ✓ R1 t1
 *   O2  t1 04-03 12:00  50.50 paid        ✓ R1 t1 and R2 t1 (one order, two assignments)
 *   O3  t1 03-31 09:00  20.00             before every push
 *   O4  t2 04-02 08:00  30.00 refunded    not counted (refunded in full)
 *   O5  t2 04-02 09:00  40.00 closed      not counted
 *   O17 t2 04-06 10:00   8.00 − 8.00      not counted (payment − refunds = 0)
 *   O6  t3 04-05 00:00   0.10             ✓ R1 t3
 *   O7  t3 04-05 00:01   0.20             ✓ R1 t3 (0.10 + 0.20 = 0.30 exactly)
 *   O16 t3+b2 04-02 12:00 10.00           ✓ R1 t3 and R1 b2 (two buyers)
 *   O8  t4 04-09 10:00  99.00             after R1's window (04-08 10:00:05)
 *   O18 t4 04-08 10:00:05 2.00            ✓ R1 t4: the window's last second
 *   O9  t5 04-02 10:00  12.34             ✓ R1 t5 (in the fail_list: intention to treat)
 *   O10 b1 04-01 11:00 200.00 − 50.00     ✓ R1 b1: 150.00
 *   O11 c1 04-01 10:30  25.00             ✓ R1 c1
 *   O12 c1 04-04 10:00   5.55             ✓ R1 c1 and R2 c1
 *   O13 c2 04-01 09:59:59 7.00            one second before c2's assignment
 *   O14 c3 04-08 10:00:00 1.00            ✓ R1 c3: exactly 7 days after its assignment
 *   O15 g1 04-01 11:00 300.00             global control: not in the experiment
 *
 *   A:       7 assignments (R1 ×6, R2 t1), buyers 5 (t1 t3 t4 t5, R2 t1), orders 8,
 *            revenue 150.50 + 10.30 + 2.00 + 12.34 + 50.50 = 225.64
 *   B:       2, buyers 2, orders 2, revenue 160.00
 *   control: 4 (R1 c1 c2 c3, R2 c1), buyers 3, orders 4, revenue 30.55 + 1.00 + 5.55 = 37.10
 *   incremental (treated 9 assignments): orders 10 − 4 × 9/4 = 1, buyers 7 − 3 × 9/4 = 0.25,
 *   revenue 385.64 − 37.10 × 9/4 = 302.165 → 302.17
 */
const at = (s: string) => shanghaiInstant(s.slice(0, 10), s.slice(11));
const APRIL = { startTime: '2025-04-01', endTime: '2025-04-30' };
const MAY = { startTime: '2025-05-01', endTime: '2025-05-31' };

const CUSTOMERS = ['t1', 't2', 't3', 't4', 't5', 'b1', 'b2', 'c1', 'c2', 'c3', 'g1', 'x', 'y', 'z'];
const cid = (name: string) => CUSTOMERS.indexOf(name) + 1;
const ext = (name: string) => `ext-${name}`;

type OrderRow = [number, string[], string, string | null, string | null, string | null];
const ORDERS: OrderRow[] = [
  [1, ['t1'], '2025-04-01 12:00:00', '100.00', null, 'completed'],
  [2, ['t1'], '2025-04-03 12:00:00', '50.50', null, 'paid'],
  [3, ['t1'], '2025-03-31 09:00:00', '20.00', null, 'completed'],
  [4, ['t2'], '2025-04-02 08:00:00', '30.00', '30.00', 'refunded'],
  [5, ['t2'], '2025-04-02 09:00:00', '40.00', null, 'closed'],
  [17, ['t2'], '2025-04-06 10:00:00', '8.00', '8.00', 'paid'],
  [6, ['t3'], '2025-04-05 00:00:00', '0.10', null, 'completed'],
  [7, ['t3'], '2025-04-05 00:01:00', '0.20', null, 'completed'],
  [16, ['t3', 'b2'], '2025-04-02 12:00:00', '10.00', null, 'completed'],
  [8, ['t4'], '2025-04-09 10:00:00', '99.00', null, 'completed'],
  [18, ['t4'], '2025-04-08 10:00:05', '2.00', null, 'completed'],
  [9, ['t5'], '2025-04-02 10:00:00', '12.34', null, 'completed'],
  [10, ['b1'], '2025-04-01 11:00:00', '200.00', '50.00', 'completed'],
  [11, ['c1'], '2025-04-01 10:30:00', '25.00', null, 'completed'],
  [12, ['c1'], '2025-04-04 10:00:00', '5.55', null, 'completed'],
  [13, ['c2'], '2025-04-01 09:59:59', '7.00', null, 'completed'],
  [14, ['c3'], '2025-04-08 10:00:00', '1.00', null, 'completed'],
  [15, ['g1'], '2025-04-01 11:00:00', '300.00', null, 'completed'],
  // Fairness: the same orders, whichever rule holds x, y, z as treated or control.
  [20, ['x'], '2025-05-01 10:00:00', '9.99', null, 'completed'],
  [21, ['x'], '2025-05-03 10:00:00', '7.01', '2.00', 'completed'],
  [22, ['y'], '2025-05-09 10:00:00', '1.00', null, 'completed'],
  [23, ['y'], '2025-05-02 10:00:00', '4.00', null, 'closed'],
  [24, ['z'], '2025-05-02 10:00:00', '3.33', null, 'paid'],
];

interface Run {
  id: number;
  pushId: number;
  name: string;
  slotAt: string;
  /** batch id → [variant, recipients, fail_list] */
  batches: [number, number, string[], string[]][];
  controls: [string, 'holdout' | 'global'][];
  /** The batches' send instant, when not 5 s after the slot. */
  sentAt?: string;
}

const RUNS: Run[] = [
  {
    id: 1,
    pushId: 1,
    name: '实验规则',
    slotAt: '2025-04-01 10:00:00',
    batches: [
      [1, 0, ['t1', 't2', 't3', 't4', 't5', 'tx'], ['t5']],
      [2, 1, ['b1', 'b2'], []],
    ],
    controls: [
      ['c1', 'holdout'],
      ['c2', 'holdout'],
      ['c3', 'holdout'],
      ['g1', 'global'],
    ],
  },
  {
    id: 2,
    pushId: 1,
    name: '实验规则',
    slotAt: '2025-04-03 10:00:00',
    batches: [[3, 0, ['t1'], []]],
    controls: [['c1', 'holdout']],
  },
  {
    id: 6,
    pushId: 1,
    name: '实验规则',
    slotAt: '2025-04-02 09:00:00',
    batches: [[6, 0, ['t4'], []]],
    controls: [],
  },
  {
    id: 5,
    pushId: 5,
    name: '无对照规则',
    slotAt: '2025-04-02 10:00:00',
    batches: [
      [5, 0, ['t1'], []],
      [7, 1, ['t3'], []],
    ],
    controls: [],
  },
  {
    id: 3,
    pushId: 3,
    name: '公平规则甲',
    slotAt: '2025-05-01 10:00:00',
    sentAt: '2025-05-01 10:00:00',
    batches: [[8, 0, ['z'], []]],
    controls: [
      ['x', 'holdout'],
      ['y', 'holdout'],
    ],
  },
  {
    id: 4,
    pushId: 4,
    name: '公平规则乙',
    slotAt: '2025-05-01 10:00:00',
    sentAt: '2025-05-01 10:00:00',
    batches: [[9, 0, ['x', 'y'], []]],
    controls: [['z', 'holdout']],
  },
];

describe('experiment: groups measured alike, lift over the holdout (issue 17)', () => {
  let api: ApiHarness;

  const post = async (path: string, body: Record<string, unknown>) => {
    const res = await api.post(`/statistic/wechatpush/${path}`, body);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  type Group = Record<string, unknown> & { group: string };
  const group = (data: { groups: Group[] }, name: string) =>
    data.groups.find((g) => g.group === name);

  beforeAll(async () => {
    api = await startApi();
    await resetPipelineTables(api.db);
    await api.db.query('DELETE FROM wechat_push_run_controls');
    await api.db.query('INSERT INTO customers (id, name, nickname, external_userid) VALUES ?', [
      CUSTOMERS.map((n) => [cid(n), n, n, ext(n)]),
    ]);
    await api.db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, fans_nickname, order_creation_time,
         payment, refunded_fee, status) VALUES ?`,
      [
        ORDERS.map(([id, users, t, pay, refunded, st]) => [
          id,
          `O${id}`,
          users.map(cid).join(','),
          'x',
          at(t),
          pay,
          refunded,
          st,
        ]),
      ],
    );
    for (const run of RUNS) {
      const slot = at(run.slotAt);
      const sent = run.sentAt ? at(run.sentAt) : new Date(slot.getTime() + 5_000);
      await api.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, experiment,
           control_count, created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, ?, ?, NOW(), NOW())`,
        [
          run.id,
          run.pushId,
          slot,
          run.name,
          JSON.stringify({ holdoutPercent: run.controls.length ? 10 : 0, globalControlPercent: 1 }),
          run.controls.length,
        ],
      );
      for (const [batchId, variant, to, failed] of run.batches) {
        await api.db.query(
          `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
             msgid, fail_list, fail_count, finished_at, variant, created_at, updated_at)
           VALUES (?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?, ?, NOW(), NOW())`,
          [
            batchId,
            run.id,
            batchId,
            to.length,
            JSON.stringify(to.map(ext)),
            `msg-${batchId}`,
            JSON.stringify(failed.map(ext)),
            failed.length,
            sent,
            variant,
          ],
        );
        await writeDeliveryRows(api.db, batchId, new Date());
      }
      if (run.controls.length) {
        await api.db.query(
          `INSERT INTO wechat_push_run_controls (run_id, external_userid, control_group, variant, assigned_at)
           VALUES ?`,
          [run.controls.map(([n, g]) => [run.id, ext(n), g, 0, slot])],
        );
      }
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  it('groups: intention to treat, the holdout from its assignment, refunds / closed / outside the window not counted, exact decimals', async () => {
    const data = await post('experiment', { id: 1, ...APRIL, attributionDays: 7 });
    expect(data).toMatchObject({
      pushId: 1,
      ruleName: '实验规则',
      runCount: 2, // R6 has no holdout members: nothing to compare its pushes with
      attributionDays: 7,
      baseline: 'control',
      significanceRule: { level: 0.95, alpha: 0.05, minRecipients: 100, minBuyers: 10 },
    });
    expect(data.groups).toEqual([
      {
        group: 'control',
        recipients: 4,
        buyers: 3,
        orders: 4,
        revenue: '37.10',
        userConversionRate: 0.75,
        revenuePerRecipient: 9.275,
      },
      {
        group: 'A',
        recipients: 7,
        buyers: 5,
        orders: 8,
        revenue: '225.64',
        userConversionRate: 0.7143,
        revenuePerRecipient: 32.2343,
      },
      {
        group: 'B',
        recipients: 2,
        buyers: 2,
        orders: 2,
        revenue: '160.00',
        userConversionRate: 1,
        revenuePerRecipient: 80,
      },
    ]);
    expect(data.incrementalOrders).toBe(1);
    expect(data.incrementalBuyers).toBe(0.25);
    expect(data.incrementalRevenue).toBe('302.17'); // 302.165, rounded once, in fen
  });

  it('lifts are those of libs/experiments on the hand-computed sums (Σ revenue² per assignment)', async () => {
    const data = await post('experiment', { id: 1, ...APRIL, attributionDays: 7 });
    const control = { group: 'control', customers: 4, buyers: 3, revenue: 37.1 };
    const a = { group: 'A', customers: 7, buyers: 5, revenue: 225.64 };
    const b = { group: 'B', customers: 2, buyers: 2, revenue: 160 };
    const squares = {
      control: 30.55 ** 2 + 1 ** 2 + 5.55 ** 2,
      A: 150.5 ** 2 + 10.3 ** 2 + 2 ** 2 + 12.34 ** 2 + 50.5 ** 2,
      B: 150 ** 2 + 10 ** 2,
    };
    const withSquares = (g: typeof a) => ({
      ...g,
      revenueSquares: squares[g.group as keyof typeof squares],
    });
    const expected = conversionLift(withSquares(control), [a, b].map(withSquares));
    const expectedRevenue = revenueLift(withSquares(control), [a, b].map(withSquares));
    expect(data.lift.map((l: { group: string }) => l.group)).toEqual(['A', 'B']);
    for (const [got, want] of [
      ...data.lift.map((l: unknown, i: number) => [l, expected[i]]),
      ...data.revenueLift.map((l: unknown, i: number) => [l, expectedRevenue[i]]),
    ]) {
      expect(got.absolute).toBeCloseTo(want.absolute, 10);
      expect(got.ci95[0]).toBeCloseTo(want.ci95[0], 8);
      expect(got.ci95[1]).toBeCloseTo(want.ci95[1], 8);
      expect(got.pValue).toBeCloseTo(want.pValue, 8);
      // Too few customers and buyers for a verdict, whatever the interval says.
      expect(got.significant).toBe(false);
    }
    expect(data.lift[0].absolute).toBeCloseTo(5 / 7 - 3 / 4, 12);
    expect(data.revenueLift[1].absolute).toBeCloseTo(80 - 9.275, 10);
  });

  it('reading the kept orders (control orders, attributions) changes nothing', async () => {
    // Kept: the control's orders from wechat_push_control_orders, the accepted recipients'
    // from their attributions, the fail_list recipients (t5) through the order definition;
    // exhaustive: every assignment through the order definition.
    for (const days of [0, 1, 2, 7, 30]) {
      const args: [string, number[], number] = ['r.push_id', [1, 2, 3, 4, 5, 6], days * 86_400];
      const kept = await experimentGroups(api.db, ...args);
      const exhaustive = await experimentGroups(api.db, ...args, { exhaustive: true });
      expect([days, [...kept]]).toEqual([days, [...exhaustive]]);
    }
    const all = await experimentGroups(api.db, 'r.push_id', [1, 2], 7 * 86_400);
    expect(all.get('1')?.map((g) => [g.group, g.revenue, g.revenueSquares])).toEqual([
      ['control', '37.10', '965.1050'],
      ['A', '225.64', '25462.8656'],
      ['B', '160.00', '22600.0000'],
    ]);
  });

  it('the window is inclusive at both ends and follows attributionDays', async () => {
    const data = await post('experiment', { id: 1, ...APRIL, attributionDays: 1 });
    const pick = (g: Group | undefined) => g && [g.recipients, g.buyers, g.orders, g.revenue];
    // A: O1 (R1 t1), O9 (R1 t5, 04-02 10:00:00 within 10:00:05), O2 (R2 t1)
    expect(pick(group(data, 'A'))).toEqual([7, 3, 3, '162.84']);
    expect(pick(group(data, 'B'))).toEqual([2, 1, 1, '150.00']);
    // control: O11 (R1 c1), O12 at exactly 1 day after R2's assignment
    expect(pick(group(data, 'control'))).toEqual([4, 2, 2, '30.55']);
  });

  it('the same orders give the same figures whichever group holds the customer', async () => {
    const three = await post('experiment', { id: 3, ...MAY, attributionDays: 7 });
    const four = await post('experiment', { id: 4, ...MAY, attributionDays: 7 });
    const strip = (g: Group | undefined) => g && { ...g, group: undefined };
    // x and y: held out by rule 3, sent by rule 4; z the other way round.
    expect(strip(group(three, 'control'))).toEqual(strip(group(four, 'A')));
    expect(strip(group(three, 'A'))).toEqual(strip(group(four, 'control')));
    // x: O20 at the push instant, O21 partly refunded (5.01); y: O22 too late, O23 closed.
    expect(group(four, 'A')).toMatchObject({
      recipients: 2,
      buyers: 1,
      orders: 2,
      revenue: '15.00',
    });
    expect(group(four, 'control')).toMatchObject({ recipients: 1, buyers: 1, revenue: '3.33' });
  });

  it('without holdout members the baseline is variant A, and nothing is incremental', async () => {
    const data = await post('experiment', { id: 5, ...APRIL, attributionDays: 7 });
    expect(data).toMatchObject({
      baseline: 'A',
      runCount: 1,
      incrementalOrders: null,
      incrementalBuyers: null,
      incrementalRevenue: null,
    });
    // t1 pushed 04-02 10:00:05: O2 (50.50); t3: O16, O6, O7 (10.30).
    expect(data.groups.map((g: Group) => [g.group, g.recipients, g.buyers, g.revenue])).toEqual([
      ['A', 1, 1, '50.50'],
      ['B', 1, 1, '10.30'],
    ]);
    expect(data.lift).toEqual([
      expect.objectContaining({ group: 'B', absolute: 0, significant: false }),
    ]);
  });

  it('a rule without runs in the range has no groups; a rule that never existed is 404', async () => {
    const empty = await post('experiment', {
      id: 1,
      startTime: '2024-01-01',
      endTime: '2024-01-31',
    });
    expect(empty).toMatchObject({ runCount: 0, baseline: null, groups: [], lift: [] });
    const res = await api.post('/statistic/wechatpush/experiment', { id: 999, ...APRIL });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['id']);
  });

  it('compare and the reports carry the conversion lift over the holdout (all variants pooled)', async () => {
    const compare = await post('compare', { ids: [1, 5], ...APRIL, attributionDays: 7 });
    const [lift] = conversionLift(
      { group: 'control', customers: 4, buyers: 3, revenue: 0, revenueSquares: 0 },
      [{ group: 'treated', customers: 9, buyers: 7, revenue: 0, revenueSquares: 0 }],
    );
    expect(compare[0].holdoutLift).toMatchObject({
      treatedRecipients: 9,
      treatedUserConversionRate: 0.7778,
      controlRecipients: 4,
      controlUserConversionRate: 0.75,
      significant: false,
    });
    expect(compare[0].holdoutLift.absolute).toBeCloseTo(7 / 9 - 3 / 4, 12);
    expect(compare[0].holdoutLift.ci95[0]).toBeCloseTo(lift.ci95?.[0] as number, 10);
    expect(compare[0].holdoutLift.ci95[1]).toBeCloseTo(lift.ci95?.[1] as number, 10);
    expect(compare[1].holdoutLift).toBeNull();

    const report = await post('report', {
      ...APRIL,
      attributionDays: 7,
      granularity: 'month',
      format: 'json',
    });
    expect(report.map((r: { pushId: number }) => r.pushId)).toEqual([1, 5]);
    expect(report[0].holdoutLift).toEqual(compare[0].holdoutLift);
    expect(report[1].holdoutLift).toBeNull();

    const csv = await api.post('/statistic/wechatpush/report', {
      ...APRIL,
      attributionDays: 7,
      granularity: 'month',
      format: 'csv',
    });
    const [header, rule1, rule5] = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const cells = (line: string[]) => header.slice(-6).map((_, i) => line[line.length - 6 + i]);
    expect(header.slice(-6)).toEqual([
      '对照组人数',
      '对照组用户转化率',
      '转化提升',
      '提升95%下限',
      '提升95%上限',
      '提升显著',
    ]);
    expect(cells(rule1)).toEqual([
      '4',
      '0.75',
      String(Math.round((7 / 9 - 3 / 4) * 10_000) / 10_000),
      String(Math.round((lift.ci95?.[0] as number) * 10_000) / 10_000),
      String(Math.round((lift.ci95?.[1] as number) * 10_000) / 10_000),
      '否',
    ]);
    expect(cells(rule5)).toEqual(['', '', '', '', '', '']);
  });

  describe('validation: 400 VALIDATION_FAILED naming the field', () => {
    it.each([
      [{ ...APRIL }, 'id'],
      [{ ...APRIL, id: 'x' }, 'id'],
      [{ ...APRIL, id: 0 }, 'id'],
      [{ ...APRIL, id: 1.5 }, 'id'],
      [{ id: 1, endTime: '2025-04-30' }, 'startTime'],
      [{ id: 1, startTime: '2025-02-30', endTime: '2025-04-30' }, 'startTime'],
      [{ id: 1, startTime: '2025-04-30', endTime: '2025-04-01' }, 'endTime'],
      [{ id: 1, ...APRIL, attributionDays: 91 }, 'attributionDays'],
      [{ id: 1, ...APRIL, attributionDays: -1 }, 'attributionDays'],
      [{ id: 1, ...APRIL, name: '实验' }, 'name'],
      [{ id: 1, ...APRIL, extra: 1 }, 'extra'],
    ])('%j → %s', async (body, field) => {
      const res = await api.post('/statistic/wechatpush/experiment', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    });
  });
});
