import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfigModule, ClockModule, shanghaiInstant } from '@app/common';
import { ContactPolicyShape, DEFAULT_CONTACT_POLICY, noExclusions } from '@app/contracts';
import { DatabaseModule } from '@app/database';
import {
  ContactLedger,
  ContactPolicyModule,
  ReservationConflict,
  RulePolicy,
} from '@app/contact-policy';
import { truncate } from '../../../test/utils/db';
import { pollUntil } from '../../../test/utils/process';

const TABLES = [
  'contact_ledger',
  'contact_batches',
  'contact_state',
  'contact_suppressions',
  'contact_unreachable',
  'wechat_push_deliveries',
];
const at = (date: string, time = '00:00:00') => shanghaiInstant(date, time);
/** Monday 15 March 2027, 10:00 Shanghai: the instant every check below is made at. */
const NOW = at('2027-03-15', '10:00:00');

interface LedgerRow {
  e: string;
  at: Date;
  pushId?: number;
  batchId?: number;
  counted?: 0 | 1;
  released?: 0 | 1;
}

/**
 * The contact ledger against MariaDB (issue 16, docs/AUDIENCE.md "Contact policy"): what
 * its SQL counts against the policy's windows, how reservations are written and given back,
 * and that two reservations of one customer are serialised.
 */
describe('contact ledger', () => {
  let ctx: INestApplicationContext;
  let db: DataSource;
  let ledger: ContactLedger;

  /**
   * Contact history as the reservations leave it: each row its own batch (unless it names
   * one) in `contact_batches` — released rows as a batch given back whole — its ledger row,
   * and the customer's `contact_state` listing the batches newest first.
   */
  const insertRows = async (rows: LedgerRow[]) => {
    let next = 1000;
    const withBatch = rows.map((r) => ({ ...r, batchId: r.batchId ?? next++ }));
    await db.query(
      `INSERT INTO contact_ledger
         (external_userid, push_id, run_id, batch_id, created_at, counted, released, release_reason)
       VALUES ?`,
      [
        withBatch.map((r) => [
          r.e,
          r.pushId ?? 2,
          1,
          r.batchId,
          r.at,
          r.counted ?? 1,
          r.released ?? 0,
          r.released ? 'batch_failed' : null,
        ]),
      ],
    );
    await db.query(
      `INSERT IGNORE INTO contact_batches (batch_id, push_id, run_id, counted, contact_at, released)
       VALUES ?`,
      [withBatch.map((r) => [r.batchId, r.pushId ?? 2, 1, r.counted ?? 1, r.at, r.released ?? 0])],
    );
    const recent = new Map<string, LedgerRow[]>();
    for (const r of withBatch) recent.set(r.e, [...(recent.get(r.e) ?? []), r]);
    await db.query('INSERT INTO contact_state (external_userid, version, recent) VALUES ?', [
      [...recent].map(([e, rs]) => [
        e,
        rs.length,
        rs
          .sort((x, y) => y.at.getTime() - x.at.getTime())
          .map((r) => r.batchId)
          .join(','),
      ]),
    ]);
  };
  /** A customer's live contacts (`contact_state.recent`) and version. */
  const stateOf = async (e: string) => {
    const [row] = (await db.query(
      'SELECT version, recent FROM contact_state WHERE external_userid = ?',
      [e],
    )) as { version: number; recent: string }[];
    return row ? { version: Number(row.version), recent: row.recent } : null;
  };
  /** Reserves `ids` for a batch without any cap (a cap-exempt rule without cooldown). */
  const record = async (
    runner: DataSource | QueryRunner,
    ids: string[],
    b: { pushId: number; runId: number; batchId: number; at: Date; counted: boolean },
  ) => {
    const free: RulePolicy = { pushId: b.pushId, cooldownDays: 0, capExempt: true };
    const v = await ledger.judge(
      runner,
      ids,
      await ledger.state(runner, ids),
      DEFAULT_CONTACT_POLICY,
      free,
      b.at,
    );
    expect(v.allowed).toEqual(ids);
    await ledger.reserve(runner, v, b);
  };
  const suppress = (...ids: string[]) =>
    db.query('INSERT INTO contact_suppressions (external_userid, source, created_at) VALUES ?', [
      ids.map((e) => [e, 'manual', NOW]),
    ]);
  const markUnreachable = (batchId: number, since: Date, ...ids: string[]) =>
    db.query('INSERT INTO contact_unreachable (external_userid, batch_id, since) VALUES ?', [
      ids.map((e) => [e, batchId, since]),
    ]);
  const ledgerRows = async (batchId: number) =>
    (
      (await db.query(
        `SELECT external_userid AS e, created_at AS at, counted, released,
                released_at AS releasedAt, release_reason AS reason
           FROM contact_ledger WHERE batch_id = ? ORDER BY external_userid`,
        [batchId],
      )) as {
        e: string;
        at: Date;
        counted: number;
        released: number;
        releasedAt: Date | null;
        reason: string | null;
      }[]
    ).map((r) => ({
      ...r,
      at: r.at.toISOString(),
      releasedAt: r.releasedAt?.toISOString() ?? null,
    }));
  const unreachable = async () =>
    (
      (await db.query(
        'SELECT external_userid AS e, batch_id AS batchId, since FROM contact_unreachable ORDER BY e',
      )) as { e: string; batchId: number; since: Date }[]
    ).map((r) => ({ ...r, since: r.since.toISOString() }));

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule, ClockModule, DatabaseModule, ContactPolicyModule],
    }).compile();
    ctx = await moduleRef.init();
    db = ctx.get(DataSource);
    ledger = ctx.get(ContactLedger);
  });
  beforeEach(() => truncate(db, ...TABLES));
  afterAll(async () => {
    if (db) await truncate(db, ...TABLES);
    await ctx?.close();
  });

  describe('check', () => {
    /** A small gap, so the day, week and WeCom caps can each be reached without it. */
    const policy: ContactPolicyShape = {
      ...DEFAULT_CONTACT_POLICY,
      maxPerDay: 1,
      maxPerWeek: 2,
      minGapHours: 2,
      wecomCap: { period: 'month', limit: 3 },
    };
    const rule: RulePolicy = { pushId: 1, cooldownDays: 7, capExempt: false };

    /** One customer per case: the reason the check must give (null: allowed). */
    const cases: [string, string | null][] = [
      ['u-unreachable', 'unreachable'],
      ['u-suppressed', 'suppressed'],
      ['u-cooling', 'cooldown'],
      ['u-cooling-exempt-row', 'cooldown'],
      ['u-cooled-down', null],
      ['u-gap', 'gap'],
      ['u-day', 'dayCap'],
      ['u-yesterday-2359', null],
      ['u-week', 'weekCap'],
      ['u-week-edge', null],
      ['u-wecom', 'wecomCap'],
      ['u-wecom-uncounted', 'wecomCap'],
      ['u-uncounted', null],
      ['u-released', null],
      ['u-old', null],
      ['u-fresh', null],
    ];
    const ids = cases.map(([e]) => e);

    beforeEach(async () => {
      await markUnreachable(9, at('2027-03-01'), 'u-unreachable');
      await suppress('u-unreachable', 'u-suppressed');
      await insertRows([
        // Suppressed and over the day cap: counted once, as suppressed.
        { e: 'u-suppressed', at: at('2027-03-15', '01:00:00') },
        // This rule's own row 3 days ago; 8 days ago is outside the 7-day cooldown.
        { e: 'u-cooling', at: at('2027-03-12', '10:00:00'), pushId: 1 },
        { e: 'u-cooled-down', at: at('2027-03-07', '10:00:00'), pushId: 1 },
        // A cap-exempt row of this rule still cools down.
        { e: 'u-cooling-exempt-row', at: at('2027-03-15', '09:30:00'), pushId: 1, counted: 0 },
        // 1 h ago, another rule: too close.
        { e: 'u-gap', at: at('2027-03-15', '09:00:00') },
        // Shanghai midnight starts the day; 23:59:59 yesterday is not today.
        { e: 'u-day', at: at('2027-03-15', '00:00:00') },
        { e: 'u-yesterday-2359', at: at('2027-03-14', '23:59:59') },
        // Rolling week: 6 d 23:59:59 ago is inside, exactly 7 days ago is not.
        { e: 'u-week', at: at('2027-03-08', '10:00:01') },
        { e: 'u-week', at: at('2027-03-12', '10:00:00') },
        { e: 'u-week-edge', at: at('2027-03-08', '10:00:00') },
        { e: 'u-week-edge', at: at('2027-03-12', '10:00:00') },
        // WeCom's month starts on the 1st, Shanghai: 3 this month, 28 Feb 23:59:59 not counted.
        { e: 'u-wecom', at: at('2027-02-28', '23:59:59') },
        { e: 'u-wecom', at: at('2027-03-01', '00:00:00') },
        { e: 'u-wecom', at: at('2027-03-02', '10:00:00') },
        { e: 'u-wecom', at: at('2027-03-05', '10:00:00') },
        // Uncounted (cap-exempt) rows count only towards WeCom's cap.
        { e: 'u-wecom-uncounted', at: at('2027-03-15', '09:30:00'), counted: 0 },
        { e: 'u-wecom-uncounted', at: at('2027-03-14', '10:00:00'), counted: 0 },
        { e: 'u-wecom-uncounted', at: at('2027-03-13', '10:00:00'), counted: 0 },
        { e: 'u-uncounted', at: at('2027-03-15', '09:30:00'), counted: 0, pushId: 3 },
        // Released rows count for nothing, this rule's own included.
        { e: 'u-released', at: at('2027-03-15', '09:30:00'), released: 1 },
        { e: 'u-released', at: at('2027-03-15', '09:00:00'), released: 1, pushId: 1 },
        { e: 'u-released', at: at('2027-03-14', '10:00:00'), released: 1 },
        // Older than every window.
        { e: 'u-old', at: at('2027-02-01', '10:00:00'), pushId: 1 },
        { e: 'u-old', at: at('2027-02-10', '10:00:00') },
      ]);
    });

    it('gives each customer the first reason that applies, the rest allowed in the order given', async () => {
      const v = await ledger.check(db, ids, policy, rule, NOW);
      expect(Object.fromEntries(ids.map((e) => [e, v.reasons.get(e) ?? null]))).toEqual(
        Object.fromEntries(cases),
      );
      expect(v.allowed).toEqual(cases.filter(([, r]) => r === null).map(([e]) => e));
      expect(v.excluded).toEqual({
        noOwner: 0, // the sender rule's, before the policy (issue 22): never the check's
        unreachable: 1,
        suppressed: 1,
        cooldown: 2,
        gap: 1,
        dayCap: 1,
        weekCap: 1,
        wecomCap: 2,
      });
    });

    it('a cap-exempt rule is held only by reachability, opt-outs and its own cooldown', async () => {
      const v = await ledger.check(db, ids, policy, { ...rule, capExempt: true }, NOW);
      expect(v.excluded).toEqual({ ...noExclusions(), unreachable: 1, suppressed: 1, cooldown: 2 });
    });

    it('cooldownDays 0: the rule may pick its own customers again', async () => {
      const v = await ledger.check(
        db,
        ['u-cooling', 'u-cooled-down'],
        policy,
        {
          ...rule,
          cooldownDays: 0,
        },
        NOW,
      );
      expect(v.allowed).toEqual(['u-cooling', 'u-cooled-down']);
    });

    it('the default policy at 00:30 the next day: 23:59:59 counts for yesterday, the 48 h gap still holds', async () => {
      const next = at('2027-03-16', '00:30:00');
      const v = await ledger.check(
        db,
        ['u-yesterday-2359', 'u-old'],
        { ...policy, minGapHours: 0 },
        rule,
        next,
      );
      expect(v.allowed).toEqual(['u-yesterday-2359', 'u-old']);
      const withGap = await ledger.check(
        db,
        ['u-yesterday-2359'],
        DEFAULT_CONTACT_POLICY,
        rule,
        next,
      );
      expect(withGap.reasons.get('u-yesterday-2359')).toBe('gap');
    });

    it('no ids: nothing read, nothing allowed', async () => {
      expect(await ledger.check(db, [], policy, rule, NOW)).toEqual({
        allowed: [],
        excluded: noExclusions(),
        reasons: new Map(),
      });
    });
  });

  describe('writing and giving back reservations', () => {
    const T0 = at('2027-03-15', '10:00:00');
    const T1 = at('2027-03-15', '10:00:07');
    const T2 = at('2027-03-16', '11:00:00');
    const batch = (batchId: number, counted = true) => ({
      pushId: 1,
      runId: 10,
      batchId,
      at: T0,
      counted,
    });

    it('record writes a row per customer; onTaskCreated moves them to the task time and releases the fail_list', async () => {
      await record(db, ['a', 'b', 'c'], batch(100));
      await record(db, ['x'], batch(101, false));
      expect(await ledgerRows(101)).toEqual([
        { e: 'x', at: T0.toISOString(), counted: 0, released: 0, releasedAt: null, reason: null },
      ]);
      await ledger.onTaskCreated(db, 100, ['b'], T1);
      const open = { counted: 1, released: 0, releasedAt: null, reason: null };
      expect(await ledgerRows(100)).toEqual([
        { e: 'a', at: T1.toISOString(), ...open },
        {
          e: 'b',
          at: T1.toISOString(),
          counted: 1,
          released: 1,
          releasedAt: T1.toISOString(),
          reason: 'fail_list',
        },
        { e: 'c', at: T1.toISOString(), ...open },
      ]);
      // Another batch's rows are not moved.
      expect((await ledgerRows(101))[0].at).toBe(T0.toISOString());
      const v = await ledger.check(
        db,
        ['a', 'b'],
        { ...DEFAULT_CONTACT_POLICY, minGapHours: 0 },
        { pushId: 2, cooldownDays: 0, capExempt: false },
        T1,
      );
      expect(v.allowed).toEqual(['b']);
      expect(v.reasons.get('a')).toBe('dayCap');
      // The fail_list left b's live contacts; the batch counts from the task's creation.
      expect(await stateOf('a')).toEqual({ version: 1, recent: '100' });
      expect(await stateOf('b')).toEqual({ version: 1, recent: '' });
      const [b100] = await db.query(
        'SELECT contact_at AS at, counted FROM contact_batches WHERE batch_id = 100',
      );
      expect([b100.at.toISOString(), b100.counted]).toEqual([T1.toISOString(), 1]);
    });

    it('releaseBatch gives back the open rows of a failed batch; reclaimBatch takes them again at the resend time', async () => {
      await record(db, ['a', 'b'], batch(200));
      await record(db, ['a'], batch(201));
      await ledger.onTaskCreated(db, 200, ['b'], T0);
      await ledger.releaseBatch(db, 200, 'batch_failed', T1);
      expect((await ledgerRows(200)).map((r) => [r.e, r.released, r.reason, r.releasedAt])).toEqual(
        [
          ['a', 1, 'batch_failed', T1.toISOString()],
          ['b', 1, 'fail_list', T0.toISOString()],
        ],
      );
      expect((await ledgerRows(201)).map((r) => r.released)).toEqual([0]);

      // Given back whole: the state keeps the batch, the check skips it.
      expect(await stateOf('a')).toEqual({ version: 2, recent: '201,200' });
      const strict = { ...DEFAULT_CONTACT_POLICY, minGapHours: 0 };
      const other: RulePolicy = { pushId: 2, cooldownDays: 0, capExempt: false };
      expect((await ledger.check(db, ['a'], strict, other, T2)).allowed).toEqual(['a']);

      await ledger.reclaimBatch(db, 200, T2);
      expect((await ledger.check(db, ['a'], strict, other, T2)).reasons.get('a')).toBe('dayCap');
      expect((await ledgerRows(200)).map((r) => [r.e, r.at, r.released, r.reason])).toEqual([
        ['a', T2.toISOString(), 0, null],
        ['b', T0.toISOString(), 1, 'fail_list'],
      ]);

      await record(db, ['c'], batch(202));
      await ledger.releaseBatch(db, 202, 'batch_cancelled', T1);
      expect((await ledgerRows(202)).map((r) => r.reason)).toEqual(['batch_cancelled']);
    });

    it('onResults: 2 gives back as not_friend and marks unreachable, 3 gives back as wecom_cap, 1 makes reachable again', async () => {
      await record(db, ['a', 'b', 'c', 'd'], batch(300));
      await markUnreachable(5, T0, 'a', 'c');
      await ledger.onResults(
        db,
        300,
        [
          { e: 'a', s: 2 },
          { e: 'b', s: 3 },
          { e: 'c', s: 1 },
          { e: 'd', s: 0 },
        ],
        T2,
      );
      expect((await ledgerRows(300)).map((r) => [r.e, r.released, r.reason])).toEqual([
        ['a', 1, 'not_friend'],
        ['b', 1, 'wecom_cap'],
        ['c', 0, null],
        ['d', 0, null],
      ]);
      expect(await Promise.all(['a', 'b', 'c', 'd'].map(stateOf))).toEqual(
        ['', '', '300', '300'].map((recent) => ({ version: 1, recent })),
      );
      expect(await unreachable()).toEqual([{ e: 'a', batchId: 300, since: T2.toISOString() }]);
    });

    it('releaseUnsent gives back the accepted recipients WeCom still reports as 0 or never reported', async () => {
      await record(db, ['a', 'b', 'c', 'd', 'f'], batch(400));
      await ledger.onTaskCreated(db, 400, ['d'], T0);
      await ledger.onResults(db, 400, [{ e: 'f', s: 2 }], T1);
      const delivery = (e: string, accepted: 0 | 1, status: number | null) => [
        400,
        e,
        10,
        1,
        '2027-03-15',
        e.charCodeAt(0),
        T0,
        accepted,
        status,
        T1,
      ];
      await db.query(
        `INSERT INTO wechat_push_deliveries
           (batch_id, external_userid, run_id, push_id, run_day, recipient_key, pushed_at,
            accepted, status, updated_at)
         VALUES ?`,
        [
          [
            delivery('a', 1, null),
            delivery('b', 1, 0),
            delivery('c', 1, 1),
            delivery('d', 0, null),
            delivery('f', 1, 2),
          ],
        ],
      );
      expect(await ledger.releaseUnsent(400, T2)).toBe(2);
      expect((await ledgerRows(400)).map((r) => [r.e, r.released, r.reason])).toEqual([
        ['a', 1, 'not_sent'],
        ['b', 1, 'not_sent'],
        ['c', 0, null],
        ['d', 1, 'fail_list'],
        ['f', 1, 'not_friend'],
      ]);
      expect(await ledger.releaseUnsent(400, T2)).toBe(0);
      expect((await Promise.all(['a', 'b', 'c'].map(stateOf))).map((x) => x?.recent)).toEqual([
        '',
        '',
        '400',
      ]);
    });
  });

  describe('reserve', () => {
    const policy: ContactPolicyShape = { ...DEFAULT_CONTACT_POLICY, maxPerDay: 1, minGapHours: 0 };
    const rule = (pushId: number): RulePolicy => ({ pushId, cooldownDays: 7, capExempt: false });
    const batchOf = (pushId: number) => ({
      pushId,
      runId: pushId,
      batchId: pushId,
      at: NOW,
      counted: true,
    });

    /** Checks `ids` against the state `tx` reads now and reserves the allowed ones. */
    const reserveIn = async (tx: QueryRunner, ids: string[], pushId: number) => {
      const v = await ledger.judge(tx, ids, await ledger.state(tx, ids), policy, rule(pushId), NOW);
      await ledger.reserve(tx, v, batchOf(pushId));
      return v;
    };

    it.each<['READ COMMITTED' | 'REPEATABLE READ', string, boolean]>([
      ['READ COMMITTED', 'customers seen for the first time', false],
      ['READ COMMITTED', 'customers with a state row', true],
      ['REPEATABLE READ', 'customers seen for the first time', false],
      ['REPEATABLE READ', 'customers with a state row', true],
    ])(
      'two overlapping reservations (%s, %s): the second waits for the first, fails its version test, and checked again excludes the overlap as dayCap',
      async (isolation, _, stateExists) => {
        if (stateExists) {
          await db.query('INSERT INTO contact_state (external_userid) VALUES ?', [
            ['x1', 'x2', 'x3', 'x4'].map((e) => [e]),
          ]);
        }
        const a = db.createQueryRunner();
        const b = db.createQueryRunner();
        try {
          const [{ id: bConnection }] = await b.query('SELECT CONNECTION_ID() AS id');
          await a.startTransaction(isolation);
          await b.startTransaction(isolation);
          const first = await reserveIn(a, ['x1', 'x2', 'x3'], 1);
          expect(first.allowed).toEqual(['x1', 'x2', 'x3']);

          // b checked before a committed: it allows the overlap too, and its write waits.
          let secondDone = false;
          const second = reserveIn(b, ['x4', 'x3', 'x2'], 2).then(
            () => null,
            (e: unknown) => e,
          );
          void second.finally(() => (secondDone = true));
          await pollUntil(async () => {
            const rows = await db.query(
              'SELECT trx_state AS s FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ?',
              [bConnection],
            );
            return rows[0]?.s === 'LOCK WAIT';
          }, 10_000);
          expect(secondDone).toBe(false);

          await a.commitTransaction();
          expect(await second).toBeInstanceOf(ReservationConflict);
          await b.rollbackTransaction();
          await b.startTransaction(isolation);
          const v = await reserveIn(b, ['x4', 'x3', 'x2'], 2);
          await b.commitTransaction();
          expect(v.allowed).toEqual(['x4']);
          expect(v.excluded).toEqual({ ...noExclusions(), dayCap: 2 });

          const perCustomer = await db.query(
            `SELECT external_userid AS e, COUNT(*) AS n, MIN(push_id) AS pushId
               FROM contact_ledger GROUP BY external_userid ORDER BY e`,
          );
          expect(
            perCustomer.map((r: { e: string; n: number; pushId: number }) => [
              r.e,
              Number(r.n),
              r.pushId,
            ]),
          ).toEqual([
            ['x1', 1, 1],
            ['x2', 1, 1],
            ['x3', 1, 1],
            ['x4', 1, 2],
          ]);
          expect(await stateOf('x3')).toEqual({ version: 1, recent: '1' });
        } finally {
          if (a.isTransactionActive) await a.rollbackTransaction();
          if (b.isTransactionActive) await b.rollbackTransaction();
          await a.release();
          await b.release();
        }
      },
    );

    it('a snapshot state: a reservation committed after it is a conflict; opt-outs added after it still exclude', async () => {
      await db.query('INSERT INTO contact_state (external_userid) VALUES ?', [
        ['s1', 's2', 's3'].map((e) => [e]),
      ]);
      const snap = db.createQueryRunner();
      const tx = db.createQueryRunner();
      try {
        await snap.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
        const state = await ledger.state(snap, ['s1', 's2', 's3'], { snapshotAt: NOW });
        // After the snapshot: s1 reserved by another rule, s2 suppressed.
        await record(db, ['s1'], batchOf(7));
        await suppress('s2');

        await tx.startTransaction('READ COMMITTED');
        const v = await ledger.judge(tx, ['s1', 's2', 's3'], state, policy, rule(1), NOW);
        expect(v.reasons.get('s2')).toBe('suppressed');
        // The snapshot did not see s1's reservation: allowed here, refused by the write.
        expect(v.allowed).toEqual(['s1', 's3']);
        await expect(ledger.reserve(tx, v, batchOf(1))).rejects.toBeInstanceOf(ReservationConflict);
        await tx.rollbackTransaction();
      } finally {
        if (tx.isTransactionActive) await tx.rollbackTransaction();
        await snap.query('COMMIT');
        await snap.release();
        await tx.release();
      }
      expect(await stateOf('s3')).toEqual({ version: 0, recent: '' });
    });

    it('a reservation rolled back leaves the customers free for the next', async () => {
      const a = db.createQueryRunner();
      try {
        await a.startTransaction('READ COMMITTED');
        await reserveIn(a, ['y1'], 1);
        await a.rollbackTransaction();
      } finally {
        await a.release();
      }
      const v = await ledger.check(db, ['y1'], policy, rule(2), NOW);
      expect(v.allowed).toEqual(['y1']);
      expect(await stateOf('y1')).toBeNull();
    });

    it('ids that differ only in case share one state row (the collation compares them so)', async () => {
      await db.query('INSERT INTO contact_state (external_userid) VALUES (?)', ['wmAb']);
      await record(db, ['wmAb', 'wmab', 'WMNEW', 'wmnew'], batchOf(5));
      expect(await stateOf('wmab')).toEqual({ version: 1, recent: '5' });
      expect(await stateOf('wmnew')).toEqual({ version: 1, recent: '5' });
      const [{ n }] = await db.query('SELECT COUNT(*) AS n FROM contact_ledger WHERE batch_id = 5');
      expect(Number(n)).toBe(4);
    });

    it('keeps the newest RECENT_LIMIT (400) contacts of a customer', async () => {
      await db.query(
        'INSERT INTO contact_state (external_userid, version, recent) VALUES (?, ?, ?)',
        ['z1', 400, Array.from({ length: 400 }, (_, i) => 400 - i).join(',')],
      );
      await record(db, ['z1'], { ...batchOf(9), batchId: 401 });
      const z = await stateOf('z1');
      expect(z?.version).toBe(401);
      const ids = z?.recent.split(',').map(Number) ?? [];
      expect([ids.length, ids[0], ids[399]]).toEqual([400, 401, 2]);
    });
  });
});
