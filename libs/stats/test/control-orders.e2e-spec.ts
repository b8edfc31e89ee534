import { deriveBatchStatistics, experimentGroups, writeDeliveryRows } from '@app/stats';
import { truncate } from '../../../test/utils/db';
import {
  AudienceHarness,
  resetCompanyTables,
  startAudience,
} from '../../audience/test/audience-fixtures';

/**
 * wechat_push_control_orders: each holdout member's converting orders up to 90 days after its
 * assignment, kept by triggers on the control rows, order_buyers and youzan_orders
 * (CONTROL_ORDER_TRIGGERS, docs/STATISTICS.md "Experiments"), and the experiment groups read
 * from them equal the groups of the order definition applied to every assignment.
 */
describe('control orders, kept by triggers', () => {
  let h: AudienceHarness;
  const DAY = 86_400;

  /** `run:external id:order+lag=revenue` of every kept row. */
  const kept = async () =>
    (
      (await h.db.query(
        `SELECT run_id AS r, external_userid AS e, order_id AS o, lag_seconds AS lag, revenue
           FROM wechat_push_control_orders ORDER BY run_id, external_userid, order_id`,
      )) as { r: number; e: string; o: number; lag: number; revenue: string | null }[]
    ).map((x) => `${x.r}:${x.e}:${x.o}+${x.lag}=${x.revenue}`);

  const customers = (rows: [number, string | null][]) =>
    h.db.query('INSERT INTO customers (id, name, nickname, external_userid) VALUES ?', [
      rows.map(([id, ext]) => [id, `c${id}`, `c${id}`, ext]),
    ]);

  /** [id, user_ids, time, payment, refunded_fee, status] */
  type Order = [number, string, string, string | null, string | null, string | null];
  const orders = (rows: Order[]) =>
    h.db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time, payment,
         refunded_fee, status) VALUES ?`,
      [
        rows.map(([id, users, at, pay, refunded, st]) => [
          id,
          `E${id}`,
          users,
          at,
          pay,
          refunded,
          st,
        ]),
      ],
    );

  /** [run, external id, group, assigned_at, customer_id (undefined: not written)] */
  const controls = async (rows: [number, string, string, string, number?][]) => {
    for (const [run, ext, group, at, customerId] of rows) {
      await h.db.query(
        customerId === undefined
          ? `INSERT INTO wechat_push_run_controls (run_id, external_userid, control_group, variant, assigned_at)
             VALUES (?, ?, ?, 0, ?)`
          : `INSERT INTO wechat_push_run_controls (run_id, external_userid, control_group, variant, assigned_at, customer_id)
             VALUES (?, ?, ?, 0, ?, ?)`,
        [run, ext, group, at, ...(customerId === undefined ? [] : [customerId])],
      );
    }
  };

  beforeAll(async () => {
    h = await startAudience();
  });
  beforeEach(async () => {
    await resetCompanyTables(h.db);
    await truncate(
      h.db,
      'wechat_push_run_controls',
      'wechat_push_control_orders',
      'wechat_push_runs',
      'wechat_push_batches',
      'wechat_push_deliveries',
      'wechat_push_attributions',
    );
  });
  afterAll(() => h.close());

  it('a control member recorded without its customer id gets the lowest customers.id of its external id', async () => {
    await customers([
      [7, 'wm-a'],
      [3, 'wm-a'],
      [4, 'wm-b'],
    ]);
    await controls([
      [1, 'wm-a', 'holdout', '2025-03-01 10:00:00'],
      [1, 'wm-b', 'holdout', '2025-03-01 10:00:00', 4],
      [1, 'wm-none', 'holdout', '2025-03-01 10:00:00'], // no customer row
      [2, 'wm-a', 'global', '2025-03-01 10:00:00'],
    ]);
    expect(
      await h.db.query(
        'SELECT run_id AS r, external_userid AS e, customer_id AS c FROM wechat_push_run_controls ORDER BY run_id, external_userid',
      ),
    ).toEqual([
      { r: 1, e: 'wm-a', c: 3 },
      { r: 1, e: 'wm-b', c: 4 },
      { r: 1, e: 'wm-none', c: null },
      { r: 2, e: 'wm-a', c: 3 },
    ]);
  });

  it("a holdout member recorded after its customer's orders is kept with the converting ones within 90 days after its assignment", async () => {
    await customers([
      [1, 'wm1'],
      [2, 'wm2'],
    ]);
    await orders([
      [1, '1', '2025-03-01 12:00:00', '10.00', null, 'completed'],
      [2, '1', '2025-03-01 09:59:59', '10.00', null, 'completed'], // before the assignment
      [3, '1', '2025-05-30 10:00:00', '3.00', '1.00', 'paid'], // the window's last second
      [4, '1', '2025-05-30 10:00:01', '10.00', null, 'completed'],
      [5, '1', '2025-03-02 10:00:00', '10.00', null, 'closed'],
      [6, '1', '2025-03-02 11:00:00', '10.00', '10.00', 'refunded'],
      [7, '2,1', '2025-03-03 10:00:00', null, null, null], // two buyers, amounts unknown
    ]);
    await controls([
      [1, 'wm1', 'holdout', '2025-03-01 10:00:00'],
      [1, 'wm2', 'global', '2025-03-01 10:00:00'], // the global control group is not kept
      [2, 'wm2', 'holdout', '2025-03-03 10:00:00'],
    ]);
    expect(await kept()).toEqual([
      '1:wm1:1+7200=10.00',
      `1:wm1:3+${90 * DAY}=2.00`,
      `1:wm1:7+${2 * DAY}=null`,
      '2:wm2:7+0=null',
    ]);
  });

  it('a control member whose customer, assignment time or group changes is kept again from its new values', async () => {
    await customers([
      [1, 'wm1'],
      [2, 'wm2'],
    ]);
    await orders([
      [1, '1', '2025-03-01 12:00:00', '10.00', null, null],
      [2, '2', '2025-03-05 12:00:00', '20.00', null, null],
    ]);
    await controls([[1, 'wm1', 'holdout', '2025-03-01 10:00:00']]);
    expect(await kept()).toEqual(['1:wm1:1+7200=10.00']);
    await h.db.query(`UPDATE wechat_push_run_controls SET assigned_at = '2025-03-01 11:00:00'`);
    expect(await kept()).toEqual(['1:wm1:1+3600=10.00']);
    await h.db.query('UPDATE wechat_push_run_controls SET customer_id = 2');
    expect(await kept()).toEqual([`1:wm1:2+${4 * DAY + 3600}=20.00`]);
    await h.db.query(`UPDATE wechat_push_run_controls SET control_group = 'global'`);
    expect(await kept()).toEqual([]);
    await h.db.query(`UPDATE wechat_push_run_controls SET control_group = 'holdout', run_id = 5`);
    expect(await kept()).toEqual([`5:wm1:2+${4 * DAY + 3600}=20.00`]);
  });

  it('a deleted control member loses its kept orders', async () => {
    await customers([
      [1, 'wm1'],
      [2, 'wm2'],
    ]);
    await orders([[1, '1,2', '2025-03-01 12:00:00', '10.00', null, null]]);
    await controls([
      [1, 'wm1', 'holdout', '2025-03-01 10:00:00'],
      [1, 'wm2', 'holdout', '2025-03-01 10:00:00'],
      [2, 'wm1', 'holdout', '2025-03-01 11:00:00'],
    ]);
    expect(await kept()).toHaveLength(3);
    await h.db.query(
      `DELETE FROM wechat_push_run_controls WHERE run_id = 1 AND external_userid = 'wm1'`,
    );
    expect(await kept()).toEqual(['1:wm2:1+7200=10.00', '2:wm1:1+3600=10.00']);
  });

  it('an order its buyer places within 90 days after being held out of a run is kept for that holdout member', async () => {
    await customers([
      [1, 'wm1'],
      [2, 'wm2'],
      [3, 'wm3'],
    ]);
    await controls([
      [1, 'wm1', 'holdout', '2025-03-01 10:00:00'],
      [2, 'wm1', 'holdout', '2025-03-03 10:00:00'],
      [1, 'wm2', 'holdout', '2025-03-01 10:00:00'],
      [1, 'wm3', 'global', '2025-03-01 10:00:00'],
    ]);
    await orders([
      [1, '1', '2025-03-04 10:00:00', '5.50', null, 'paid'], // after both assignments
      [2, '1', '2025-03-02 10:00:00', '1.00', null, 'paid'], // after run 1's only
      [3, '1', '2025-05-30 10:00:01', '1.00', null, 'paid'], // run 1: one second late
      [4, '2,3', '2025-03-01 10:00:00', '8.00', '0.50', 'paid'], // two buyers; wm3 is global
      [5, '2', '2025-02-28 10:00:00', '8.00', null, 'paid'], // before
      [6, '2', '2025-03-01 11:00:00', '0.00', null, 'paid'], // payment 0 does not convert
    ]);
    expect(await kept()).toEqual([
      `1:wm1:1+${3 * DAY}=5.50`,
      `1:wm1:2+${DAY}=1.00`,
      '1:wm2:4+0=7.50',
      `2:wm1:1+${DAY}=5.50`,
      `2:wm1:3+${88 * DAY + 1}=1.00`,
    ]);
  });

  it('an order whose time or buyer changes is kept again for the holdout from its new values', async () => {
    await customers([
      [1, 'wm1'],
      [2, 'wm2'],
    ]);
    await controls([[1, 'wm1', 'holdout', '2025-03-01 10:00:00']]);
    await orders([
      [1, '1', '2025-03-01 12:00:00', '1.00', null, null],
      [2, '1', '2025-02-01 00:00:00', '2.00', null, null],
      [3, '2', '2025-03-02 10:00:00', '3.00', null, null],
    ]);
    await h.db.query(`UPDATE youzan_orders SET order_creation_time = '2025-02-01' WHERE id = 1`);
    await h.db.query(`UPDATE youzan_orders SET order_creation_time = '2025-03-02' WHERE id = 2`);
    await h.db.query(`UPDATE youzan_orders SET user_ids = '1' WHERE id = 3`);
    expect(await kept()).toEqual([`1:wm1:2+${14 * 3600}=2.00`, `1:wm1:3+${DAY}=3.00`]);
    // order_buyers rows updated in place (the youzan_orders triggers replace them instead).
    await h.db.query(
      `UPDATE order_buyers SET order_creation_time = '2025-03-01 11:00:00' WHERE order_id = 2`,
    );
    await h.db.query('UPDATE order_buyers SET customer_id = 2 WHERE order_id = 3');
    expect(await kept()).toEqual(['1:wm1:2+3600=2.00']);
  });

  it('an order that is deleted, or loses a buyer, is no longer kept for their holdout memberships', async () => {
    await customers([
      [1, 'wm1'],
      [2, 'wm2'],
    ]);
    await controls([
      [1, 'wm1', 'holdout', '2025-03-01 10:00:00'],
      [1, 'wm2', 'holdout', '2025-03-01 10:00:00'],
    ]);
    await orders([
      [1, '1', '2025-03-01 12:00:00', '1.00', null, null],
      [2, '1,2', '2025-03-02 10:00:00', '2.00', null, null],
    ]);
    expect(await kept()).toHaveLength(3);
    await h.db.query('DELETE FROM youzan_orders WHERE id = 1');
    await h.db.query(`UPDATE youzan_orders SET user_ids = '2' WHERE id = 2`);
    expect(await kept()).toEqual([`1:wm2:2+${DAY}=2.00`]);
  });

  it("a held-out customer's order closed or refunded in full is no longer kept, one that counts again is kept again, and a changed amount changes its revenue", async () => {
    await customers([
      [1, 'wm1'],
      [2, 'wm2'],
    ]);
    await controls([
      [1, 'wm1', 'holdout', '2025-03-01 10:00:00'],
      [2, 'wm1', 'holdout', '2025-03-02 10:00:00'],
      [1, 'wm2', 'holdout', '2025-03-01 10:00:00'],
    ]);
    await orders([
      [1, '1', '2025-03-03 10:00:00', '10.00', null, 'paid'],
      [2, '1,2', '2025-03-03 10:00:00', '20.00', null, 'paid'],
    ]);
    expect(await kept()).toHaveLength(5);
    await h.db.query(`UPDATE youzan_orders SET refunded_fee = 2.50 WHERE id = 1`);
    await h.db.query(`UPDATE youzan_orders SET status = 'closed' WHERE id = 2`);
    expect(await kept()).toEqual([`1:wm1:1+${2 * DAY}=7.50`, `2:wm1:1+${DAY}=7.50`]);
    await h.db.query(
      `UPDATE youzan_orders SET refunded_fee = 10.00, status = 'refunded' WHERE id = 1`,
    );
    await h.db.query(`UPDATE youzan_orders SET status = 'paid', payment = 19.00 WHERE id = 2`);
    expect(await kept()).toEqual([
      `1:wm1:2+${2 * DAY}=19.00`,
      `1:wm2:2+${2 * DAY}=19.00`,
      `2:wm1:2+${DAY}=19.00`,
    ]);
  });

  /**
   * Experiment groups read from the kept orders (control: wechat_push_control_orders; accepted
   * recipients: the attributions) against every assignment through the order definition, on a
   * fixture built to disagree if a rule were kept wrong: orders written before and after the
   * control rows and deliveries, orders dated before the assignments arriving late, several
   * buyers per order, members and recipients without a customer row, a member recorded with
   * and without its customer id, fail_list recipients (one listed twice), batches counted from
   * their derived counters and not yet derived, partial and full refunds, closed and reopened
   * orders, moved times, changed and deleted buyers.
   */
  it('experiment groups from the kept orders equal the order definition applied to every assignment', async () => {
    const N = 60;
    const ext = (i: number) => `wm${i}`;
    await customers(Array.from({ length: N }, (_, i) => [i + 1, ext(i + 1)]));
    // A deterministic spread: order k of customer c, times around the runs (03-01 … 03-10).
    let id = 0;
    const spread = (from: number, count: number): Order[] =>
      Array.from({ length: count }, (_, k) => {
        id++;
        const c = 1 + ((id * 37) % N);
        const other = 1 + ((c * 13) % N);
        const buyers = id % 7 === 0 && other !== c ? `${c},${other}` : String(c);
        const hours = ((id * 53) % (24 * 40)) - 24 * 5; // 02-24 … 04-04
        const at = new Date(Date.UTC(2025, 2, 1, 2) + hours * 3600_000 + (k % 3) * 1000);
        const pay = id % 11 === 0 ? null : ((id * 17) % 5000) / 100 + 0.01;
        const status = id % 13 === 0 ? 'closed' : id % 5 === 0 ? 'completed' : 'paid';
        return [
          from + k,
          buyers,
          at.toISOString().slice(0, 19).replace('T', ' '),
          pay === null ? null : pay.toFixed(2),
          id % 9 === 0 && pay !== null ? (pay / 2).toFixed(2) : null,
          status,
        ];
      });
    await orders(spread(1, 150)); // before the runs are recorded

    // Rule 1: runs 1–4 (one with two variants), rule 2: run 5.
    const RUNS: [number, number, string][] = [
      [1, 1, '2025-03-01 10:00:00'],
      [2, 1, '2025-03-03 10:00:00'],
      [3, 1, '2025-03-05 10:00:00'],
      [4, 1, '2025-03-08 10:00:00'],
      [5, 2, '2025-03-02 09:30:00'],
    ];
    let batchId = 0;
    const edges: Order[] = [];
    for (const [run, push, slot] of RUNS) {
      await h.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, NOW(), NOW())`,
        [run, push, slot, `规则${push}`],
      );
      const members = Array.from({ length: N }, (_, i) => i + 1).filter((c) => (c + run) % 3 !== 0);
      const treated = members.filter((c) => (c * 7 + run) % 5 !== 0);
      const held = members.filter((c) => (c * 7 + run) % 5 === 0);
      // On the edges of every window measured: exactly d days after the assignment (control)
      // or the push (treated, sent 5 s after the slot), and one second later.
      for (const [c, from] of [
        [held[0], 0],
        [treated[0], 5],
      ]) {
        for (const d of [0, 1, 2, 7, 30, 90]) {
          for (const late of [0, 1]) {
            const at = new Date(new Date(`${slot}Z`).getTime() + (d * DAY + from + late) * 1000);
            edges.push([
              2000 + edges.length,
              String(c),
              at.toISOString().slice(0, 19).replace('T', ' '),
              '1.00',
              null,
              'paid',
            ]);
          }
        }
      }
      for (const variant of run === 2 ? [0, 1] : [0]) {
        batchId++;
        const to = [...treated.filter((c) => c % 2 === variant || run !== 2).map(ext), 'wm-none'];
        const failed = to.filter((_, i) => i % 6 === 1);
        await h.db.query(
          `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
             msgid, fail_list, fail_count, finished_at, variant, created_at, updated_at)
           VALUES (?, ?, ?, 'sent', ?, ?, ?, ?, ?, ? + INTERVAL 5 SECOND, ?, NOW(), NOW())`,
          [
            batchId,
            run,
            batchId,
            to.length,
            JSON.stringify(to),
            `msg-${batchId}`,
            JSON.stringify([...failed, failed[0]]), // an id listed twice fails once
            failed.length,
            slot,
            variant,
          ],
        );
        await writeDeliveryRows(h.db, batchId, new Date());
        // Counted from the derived counters (odd batches) or from the delivery rows (even).
        if (batchId % 2) await h.db.transaction((em) => deriveBatchStatistics(em, batchId));
      }
      await controls([
        ...held.map((c, i): [number, string, string, string, number?] =>
          i % 2 ? [run, ext(c), 'holdout', slot] : [run, ext(c), 'holdout', slot, c],
        ),
        [run, `wm-none-${run}`, 'holdout', slot], // no customer row
        [run, ext(1 + (run % N)), 'global', slot],
      ]);
    }
    await orders(spread(1000, 150)); // after: some dated before the assignments (late imports)
    await orders(edges);

    // Refunds, closings, reopenings, moved times, changed and deleted buyers.
    await h.db.query(`UPDATE youzan_orders SET refunded_fee = payment WHERE id % 10 = 3`);
    await h.db.query(
      `UPDATE youzan_orders SET status = 'refunded' WHERE id % 10 = 3 AND id % 20 = 3`,
    );
    await h.db.query(`UPDATE youzan_orders SET refunded_fee = payment / 4 WHERE id % 10 = 4`);
    await h.db.query(
      `UPDATE youzan_orders SET status = 'paid' WHERE status = 'closed' AND id % 2 = 0`,
    );
    await h.db.query(`UPDATE youzan_orders SET payment = payment + 1.05 WHERE id % 10 = 6`);
    await h.db.query(
      `UPDATE youzan_orders SET order_creation_time = order_creation_time + INTERVAL 2 DAY WHERE id % 10 = 7`,
    );
    await h.db.query(`UPDATE youzan_orders SET user_ids = CONCAT(user_ids, ',5')
        WHERE id % 10 = 8 AND FIND_IN_SET('5', user_ids) = 0`);
    await h.db.query(`DELETE FROM youzan_orders WHERE id % 10 = 9 AND id % 4 = 1`);

    const runIds = RUNS.map(([run]) => run);
    const control = (g: Map<string, { group: string; buyers: number }[]>) =>
      [...g.values()].flat().filter((x) => x.group === 'control');
    for (const key of ['r.push_id', 'r.id']) {
      for (const days of [0, 1, 2, 7, 30, 90]) {
        const args: [string, number[], number] = [key, runIds, days * DAY];
        const fromKept = await experimentGroups(h.db, ...args);
        const exhaustive = await experimentGroups(h.db, ...args, { exhaustive: true });
        expect([key, days, [...fromKept]]).toEqual([key, days, [...exhaustive]]);
        if (days >= 7) {
          // The comparison has something to compare: holdout members with orders.
          expect(control(fromKept).reduce((n, g) => n + g.buyers, 0)).toBeGreaterThan(3);
        }
      }
    }
    // The kept rows are exactly those the definition finds, row for row.
    const definition = await h.db.query(
      `SELECT c.run_id AS r, c.external_userid AS e, ob.order_id AS o,
              TIMESTAMPDIFF(SECOND, c.assigned_at, ob.order_creation_time) AS lag,
              yo.payment - IFNULL(yo.refunded_fee, 0) AS revenue
         FROM wechat_push_run_controls c
         JOIN order_buyers ob ON ob.customer_id = c.customer_id
              AND ob.order_creation_time BETWEEN c.assigned_at AND c.assigned_at + INTERVAL 90 DAY
         JOIN youzan_orders yo ON yo.id = ob.order_id
        WHERE c.control_group = 'holdout'
          AND (yo.status IS NULL OR yo.status NOT IN ('closed', 'refunded'))
          AND (yo.payment IS NULL OR yo.payment - IFNULL(yo.refunded_fee, 0) > 0)
        ORDER BY c.run_id, c.external_userid, ob.order_id`,
    );
    expect(await kept()).toEqual(
      definition.map(
        (x: { r: number; e: string; o: number; lag: number; revenue: string | null }) =>
          `${x.r}:${x.e}:${x.o}+${x.lag}=${x.revenue}`,
      ),
    );
  });
});
