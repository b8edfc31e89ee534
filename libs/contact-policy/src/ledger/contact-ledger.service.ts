import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ContactPolicyShape, ExclusionCounts, ExclusionReason, noExclusions } from '@app/contracts';
import type { SqlRunner } from '@app/database';
import {
  ContactBatch,
  ContactFacts,
  exclusionOf,
  factsFromContacts,
  NO_FACTS,
  policyWindows,
  PolicyWindows,
  RECENT_LIMIT,
  RulePolicy,
} from './policy-check';

/** Why a reservation was given back (contact_ledger.release_reason). */
type ReleaseReason =
  'batch_failed' | 'batch_cancelled' | 'fail_list' | 'not_friend' | 'wecom_cap' | 'not_sent';

interface PolicyVerdict {
  /** The customers the policy lets this rule contact, in the order given. */
  allowed: string[];
  excluded: ExclusionCounts;
  /** Each excluded customer's reason (for previews and tests). */
  reasons: Map<string, ExclusionReason>;
}

/** What `contact_state` and the opt-out lists say of one customer. */
interface CustomerState {
  /** `contact_state.version`; null: no row yet (never reserved). */
  version: number | null;
  /** `contact_state.recent` as stored: batch ids, newest first, comma-separated. */
  recent: string;
  suppressed: boolean;
  unreachable: boolean;
}

/**
 * The state of a page's customers as one read saw it — a run's snapshot (read ahead of the
 * reservation) or the reservation's own transaction. Keys are lower-cased ids: the columns'
 * collation (utf8mb4_unicode_520_ci) matches ids case-insensitively.
 */
export interface PageState {
  customers: Map<string, CustomerState>;
  /**
   * Set when read from a snapshot: the reservation also reads the opt-outs added since
   * (a few minutes' margin before it), which the snapshot cannot see.
   */
  listedSince: Date | null;
}

/** A page checked for a reservation: the verdict and the versions it was made against. */
export interface PageVerdict extends PolicyVerdict {
  state: PageState;
}

/**
 * Another reservation took some of the page's customers after its state was read (their
 * version moved, or their first row appeared): nothing of the page was written; read the
 * state again and retry.
 */
export class ReservationConflict extends Error {
  constructor(readonly customers: number) {
    super(`${customers} of the page's customers were reserved meanwhile`);
  }
}

/** How far before a snapshot the opt-outs added since are read again (clocks, long commits). */
const LISTED_MARGIN_MS = 10 * 60_000;

const JSON_IDS = `JSON_TABLE(?, '$[*]' COLUMNS (
    e VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$')) j`;
const JSON_VERSIONS = `JSON_TABLE(?, '$[*]' COLUMNS (
    e VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$[0]',
    v INT UNSIGNED PATH '$[1]')) j`;

/** `s.recent` without one batch id (the `?`). */
const RECENT_WITHOUT = `TRIM(BOTH ',' FROM REPLACE(CONCAT(',', s.recent, ','), CONCAT(',', ?, ','), ','))`;

const isDuplicateKey = (e: unknown) =>
  (e as { code?: string })?.code === 'ER_DUP_ENTRY' ||
  (e as { driverError?: { code?: string } })?.driverError?.code === 'ER_DUP_ENTRY';

/**
 * The contact ledger (docs/AUDIENCE.md "Contact policy"): what the policy counts, how a
 * page of candidates is checked, how customers are reserved for a batch and how
 * reservations are given back. A check reads one `contact_state` row per customer (its
 * live contacts as batch ids) and the live batches of its windows (`contact_batches`, a few
 * hundred rows); a reservation raises each reserved customer's version — only if it is still
 * the one the check read — and appends the ledger rows. Every statement is set-based over a
 * page (≤ PUSH_BATCH_SIZE ids).
 */
@Injectable()
export class ContactLedger {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The state of each customer in `ids` as `runner` sees it (one statement, no locks). */
  async state(
    runner: SqlRunner,
    ids: readonly string[],
    opts: { snapshotAt?: Date } = {},
  ): Promise<PageState> {
    const customers = new Map<string, CustomerState>();
    const listedSince = opts.snapshotAt
      ? new Date(opts.snapshotAt.getTime() - LISTED_MARGIN_MS)
      : null;
    if (ids.length === 0) return { customers, listedSince };
    const rows = (await runner.query(
      `SELECT j.e, s.version AS v, s.recent AS r,
              EXISTS (SELECT 1 FROM contact_suppressions x WHERE x.external_userid = j.e) AS sup,
              EXISTS (SELECT 1 FROM contact_unreachable u WHERE u.external_userid = j.e) AS unr
         FROM ${JSON_IDS}
         LEFT JOIN contact_state s ON s.external_userid = j.e
        HAVING v IS NOT NULL OR sup OR unr`,
      [JSON.stringify(ids)],
    )) as { e: string; v: number | null; r: string | null; sup: number; unr: number }[];
    for (const r of rows) {
      customers.set(r.e.toLowerCase(), {
        version: r.v === null ? null : Number(r.v),
        recent: r.r ?? '',
        suppressed: Number(r.sup) === 1,
        unreachable: Number(r.unr) === 1,
      });
    }
    return { customers, listedSince };
  }

  /**
   * The live batches the windows reach: every counted or exempt batch since the earliest
   * cap window, and the rule's own since its cooldown began.
   */
  private async batches(
    runner: SqlRunner,
    rule: RulePolicy,
    w: PolicyWindows,
  ): Promise<Map<number, ContactBatch>> {
    const rows = (await runner.query(
      `SELECT batch_id AS id, push_id AS pushId, counted, contact_at AS at
         FROM contact_batches
        WHERE released = 0 AND (contact_at >= ? OR (push_id = ? AND contact_at > ?))`,
      [w.capsFrom, rule.pushId, w.cooldownAfter ?? w.capsFrom],
    )) as { id: number; pushId: number; counted: number; at: Date }[];
    return new Map(
      rows.map((r) => [r.id, { pushId: r.pushId, counted: Number(r.counted) === 1, at: r.at }]),
    );
  }

  /** Customers put on an opt-out list since `since` (lower-cased), for snapshot states. */
  private async listedAfter(
    runner: SqlRunner,
    since: Date,
  ): Promise<{ suppressed: Set<string>; unreachable: Set<string> }> {
    const rows = (await runner.query(
      `SELECT external_userid AS e, 's' AS list FROM contact_suppressions WHERE created_at >= ?
       UNION ALL
       SELECT external_userid, 'u' FROM contact_unreachable WHERE since >= ?`,
      [since, since],
    )) as { e: string; list: 's' | 'u' }[];
    const out = { suppressed: new Set<string>(), unreachable: new Set<string>() };
    for (const r of rows)
      (r.list === 's' ? out.suppressed : out.unreachable).add(r.e.toLowerCase());
    return out;
  }

  /** The policy's decision for each of `ids` at `at` against `state` (read by `runner`). */
  async judge(
    runner: SqlRunner,
    ids: readonly string[],
    state: PageState,
    policy: ContactPolicyShape,
    rule: RulePolicy,
    at: Date,
  ): Promise<PageVerdict> {
    const w = policyWindows(policy, rule, at);
    const batches = await this.batches(runner, rule, w);
    const listed = state.listedSince ? await this.listedAfter(runner, state.listedSince) : null;
    const verdict: PageVerdict = {
      allowed: [],
      excluded: noExclusions(),
      reasons: new Map(),
      state,
    };
    for (const e of ids) {
      const key = e.toLowerCase();
      const c = state.customers.get(key);
      const facts: ContactFacts = c
        ? factsFromContacts(c.recent, batches, rule, w)
        : { ...NO_FACTS };
      facts.unreachable = !!c?.unreachable || !!listed?.unreachable.has(key);
      facts.suppressed = !!c?.suppressed || !!listed?.suppressed.has(key);
      const reason = exclusionOf(facts, policy, rule, w);
      if (reason) {
        verdict.excluded[reason]++;
        verdict.reasons.set(e, reason);
      } else verdict.allowed.push(e);
    }
    return verdict;
  }

  /** The policy's decision for each of `ids` at `at` as `runner` sees it now (previews). */
  async check(
    runner: SqlRunner,
    ids: readonly string[],
    policy: ContactPolicyShape,
    rule: RulePolicy,
    at: Date,
  ): Promise<PolicyVerdict> {
    const v = await this.judge(runner, ids, await this.state(runner, ids), policy, rule, at);
    return { allowed: v.allowed, excluded: v.excluded, reasons: v.reasons };
  }

  /**
   * Reserves a judged page's allowed customers for the batch `batch` (inside the batch's
   * transaction, READ COMMITTED): each customer's state row gains the batch — only while its
   * version is still the one the check read (else ReservationConflict: roll back, read
   * again, retry) — a customer's first row is inserted (a concurrent first reservation makes
   * it a duplicate: ReservationConflict), then the ledger rows and the batch's row are
   * written. Two reservations of one customer are thus serialised by its state row: the
   * second either sees the first's batch, or fails its version test and checks again.
   */
  async reserve(
    tx: SqlRunner,
    verdict: PageVerdict,
    batch: { pushId: number; runId: number; batchId: number; at: Date; counted: boolean },
  ): Promise<void> {
    const ids = verdict.allowed;
    if (ids.length === 0) return;
    const known: [string, number][] = [];
    const fresh: string[] = [];
    // One state row per id as the collation compares them: `wmA` and `wma` share one.
    const seen = new Set<string>();
    for (const e of ids) {
      const key = e.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const c = verdict.state.customers.get(key);
      if (c && c.version !== null) known.push([e, c.version]);
      else fresh.push(e);
    }
    if (known.length) {
      const r = (await tx.query(
        `UPDATE contact_state s JOIN ${JSON_VERSIONS} ON s.external_userid = j.e AND s.version = j.v
            SET s.version = s.version + 1,
                s.recent = SUBSTRING_INDEX(CONCAT_WS(',', ?, NULLIF(s.recent, '')), ',', ?)`,
        [JSON.stringify(known), batch.batchId, RECENT_LIMIT],
      )) as { affectedRows?: number };
      const missed = known.length - (r.affectedRows ?? 0);
      if (missed !== 0) throw new ReservationConflict(missed);
    }
    if (fresh.length) {
      try {
        await tx.query('INSERT INTO contact_state (external_userid, version, recent) VALUES ?', [
          fresh.map((e) => [e, 1, String(batch.batchId)]),
        ]);
      } catch (e) {
        if (isDuplicateKey(e)) throw new ReservationConflict(1);
        throw e;
      }
    }
    // A batch of an owner run (one store guide's) is filled, and reserved, page by page.
    await tx.query(
      `INSERT INTO contact_batches (batch_id, push_id, run_id, counted, contact_at)
       VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE batch_id = batch_id`,
      [batch.batchId, batch.pushId, batch.runId, batch.counted ? 1 : 0, batch.at],
    );
    // A multi-row VALUES insert, not INSERT … SELECT: with a known row count InnoDB takes the
    // AUTO_INCREMENT values without holding the table's AUTO-INC lock for the statement
    // (innodb_autoinc_lock_mode 1), so two workers' reservations do not queue on it.
    const counted = batch.counted ? 1 : 0;
    await tx.query(
      `INSERT INTO contact_ledger (external_userid, push_id, run_id, batch_id, created_at, counted)
       VALUES ?`,
      [ids.map((e) => [e, batch.pushId, batch.runId, batch.batchId, batch.at, counted])],
    );
  }

  /**
   * WeCom created the batch's task at `at`: the caps count from then; the recipients it
   * refused (fail_list) are released.
   */
  async onTaskCreated(
    tx: SqlRunner,
    batchId: number,
    failList: readonly string[],
    at: Date,
  ): Promise<void> {
    await tx.query('UPDATE contact_batches SET contact_at = ? WHERE batch_id = ?', [at, batchId]);
    await tx.query('UPDATE contact_ledger SET created_at = ? WHERE batch_id = ?', [at, batchId]);
    await this.releaseSome(tx, batchId, failList, 'fail_list', at);
  }

  /** The whole batch did not reach WeCom (failed, cancelled): its reservations are given back. */
  async releaseBatch(
    tx: SqlRunner,
    batchId: number,
    reason: Extract<ReleaseReason, 'batch_failed' | 'batch_cancelled'>,
    at: Date,
  ): Promise<void> {
    // The customers' state rows keep the batch id: a check skips batches released whole.
    await tx.query('UPDATE contact_batches SET released = 1 WHERE batch_id = ?', [batchId]);
    await tx.query(
      `UPDATE contact_ledger SET released = 1, released_at = ?, release_reason = ?
        WHERE batch_id = ? AND released = 0`,
      [at, reason, batchId],
    );
  }

  /** An operator resends a failed batch: its customers are reserved again. */
  async reclaimBatch(tx: SqlRunner, batchId: number, at: Date): Promise<void> {
    await tx.query('UPDATE contact_batches SET released = 0, contact_at = ? WHERE batch_id = ?', [
      at,
      batchId,
    ]);
    await tx.query(
      `UPDATE contact_ledger SET released = 0, released_at = NULL, release_reason = NULL,
              created_at = ?
        WHERE batch_id = ? AND release_reason IN ('batch_failed', 'batch_cancelled')`,
      [at, batchId],
    );
  }

  /**
   * WeCom's per-recipient results: "not a friend" (2) and "over the receive cap" (3) are
   * given back — they received nothing; 2 also marks the customer unreachable, and a
   * customer another task reached (1) is reachable again.
   */
  async onResults(
    tx: SqlRunner,
    batchId: number,
    results: readonly { e: string; s: number }[],
    at: Date,
  ): Promise<void> {
    const by = (s: number) => results.filter((r) => r.s === s).map((r) => r.e);
    const notFriend = by(2);
    const sent = by(1);
    await this.releaseSome(tx, batchId, notFriend, 'not_friend', at);
    await this.releaseSome(tx, batchId, by(3), 'wecom_cap', at);
    if (notFriend.length) {
      await tx.query(
        `INSERT INTO contact_unreachable (external_userid, batch_id, since)
         SELECT j.e, ?, ? FROM ${JSON_IDS}
         ON DUPLICATE KEY UPDATE batch_id = VALUES(batch_id), since = VALUES(since)`,
        [batchId, at, JSON.stringify(notFriend)],
      );
    }
    if (sent.length) {
      // Reached by a later task: a friend again (a task's own statuses never change).
      await tx.query(
        'DELETE FROM contact_unreachable WHERE external_userid IN (?) AND batch_id <> ?',
        [sent, batchId],
      );
    }
  }

  /**
   * The batch's task ended (expired, or its run was cancelled): recipients WeCom still
   * reports as not sent (0, or never reported) will not receive it — given back.
   */
  async releaseUnsent(batchId: number, at: Date): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT l.external_userid AS e
           FROM contact_ledger l
           JOIN wechat_push_deliveries d
             ON d.batch_id = l.batch_id AND d.external_userid = l.external_userid
          WHERE l.batch_id = ? AND l.released = 0 AND d.accepted = 1
            AND (d.status IS NULL OR d.status = 0)
          FOR UPDATE`,
        [batchId],
      )) as { e: string }[];
      await this.releaseSome(
        tx,
        batchId,
        rows.map((r) => r.e),
        'not_sent',
        at,
      );
      return rows.length;
    });
  }

  /**
   * Gives back some of a batch's reservations: their ledger rows are released and the batch
   * leaves the customers' live contacts.
   */
  private async releaseSome(
    tx: SqlRunner,
    batchId: number,
    ids: readonly string[],
    reason: Exclude<ReleaseReason, 'batch_failed' | 'batch_cancelled'>,
    at: Date,
  ): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(
      `UPDATE contact_ledger l
         JOIN contact_state s ON s.external_userid = l.external_userid
          SET l.released = 1, l.released_at = ?, l.release_reason = ?,
              s.recent = ${RECENT_WITHOUT}
        WHERE l.batch_id = ? AND l.released = 0 AND l.external_userid IN (?)`,
      [at, reason, batchId, batchId, [...ids]],
    );
  }
}
