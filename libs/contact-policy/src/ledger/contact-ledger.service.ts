import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ContactPolicyShape, ExclusionCounts, ExclusionReason, noExclusions } from '@app/contracts';
import type { SqlRunner } from '@app/database';
import {
  ContactFacts,
  exclusionOf,
  NO_FACTS,
  policyWindows,
  PolicyWindows,
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

/** Later than any row: the cooldown test when the rule has none. */
const NEVER = new Date('9999-12-31T00:00:00Z');

const JSON_IDS = `JSON_TABLE(?, '$[*]' COLUMNS (
    e VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$')) j`;

/**
 * The contact ledger (docs/AUDIENCE.md "Contact policy"): what the policy counts, how a
 * page of candidates is checked against it, how customers are reserved for a batch and how
 * reservations are given back. Every statement is set-based over a page (≤ PUSH_BATCH_SIZE
 * ids): one read per list plus one covering range read of `idx_ledger_customer`.
 */
@Injectable()
export class ContactLedger {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The facts of each customer in `ids` as `runner` sees them (a snapshot, or the
   * reservation's locking transaction); customers with none are absent from the map, whose
   * keys are the lower-cased ids.
   */
  async facts(
    runner: SqlRunner,
    ids: readonly string[],
    rule: RulePolicy,
    w: PolicyWindows,
  ): Promise<Map<string, ContactFacts>> {
    const out = new Map<string, ContactFacts>();
    if (ids.length === 0) return out;
    // Keyed by the lower-cased id: the columns' collation (utf8mb4_unicode_520_ci) matches
    // ids case-insensitively, so a row stored as `WMabc` is a fact of `wmabc` too.
    const get = (e: string) => {
      const key = e.toLowerCase();
      let f = out.get(key);
      if (!f) out.set(key, (f = { ...NO_FACTS }));
      return f;
    };
    const list = [...ids];
    // Both lists in one round trip: a page's check is on the selection's hot path.
    const listed = (await runner.query(
      `SELECT external_userid AS e, 'u' AS list FROM contact_unreachable WHERE external_userid IN (?)
       UNION ALL
       SELECT external_userid, 's' FROM contact_suppressions WHERE external_userid IN (?)`,
      [list, list],
    )) as { e: string; list: 'u' | 's' }[];
    for (const r of listed) {
      if (r.list === 'u') get(r.e).unreachable = true;
      else get(r.e).suppressed = true;
    }
    const rows = (await runner.query(
      `SELECT l.external_userid AS e,
              MAX(l.push_id = ? AND l.created_at > ?) AS cooling,
              MAX(IF(l.counted = 1, l.created_at, NULL)) AS lastAt,
              SUM(l.counted = 1 AND l.created_at >= ?) AS inDay,
              SUM(l.counted = 1 AND l.created_at > ?) AS inWeek,
              SUM(l.created_at >= ?) AS inWecom
         FROM contact_ledger l
        WHERE l.external_userid IN (?) AND l.created_at >= ? AND l.created_at < ?
          AND l.released = 0
        GROUP BY l.external_userid`,
      [
        rule.pushId,
        w.cooldownAfter ?? NEVER,
        w.dayStart,
        w.weekAfter,
        w.wecomStart,
        list,
        w.readFrom,
        w.readTo,
      ],
    )) as {
      e: string;
      cooling: string | number | null;
      lastAt: Date | null;
      inDay: string | number | null;
      inWeek: string | number | null;
      inWecom: string | number | null;
    }[];
    for (const r of rows) {
      const f = get(r.e);
      f.cooling = Number(r.cooling ?? 0) === 1;
      f.lastAt = r.lastAt;
      f.inDay = Number(r.inDay ?? 0);
      f.inWeek = Number(r.inWeek ?? 0);
      f.inWecomPeriod = Number(r.inWecom ?? 0);
    }
    return out;
  }

  /** The policy's decision for each of `ids` at `at` (no locks: previews read this way). */
  async check(
    runner: SqlRunner,
    ids: readonly string[],
    policy: ContactPolicyShape,
    rule: RulePolicy,
    at: Date,
  ): Promise<PolicyVerdict> {
    const w = policyWindows(policy, rule, at);
    const facts = await this.facts(runner, ids, rule, w);
    const verdict: PolicyVerdict = { allowed: [], excluded: noExclusions(), reasons: new Map() };
    for (const e of ids) {
      const f = facts.get(e.toLowerCase());
      const reason = f ? exclusionOf(f, policy, rule, w) : null;
      if (reason) {
        verdict.excluded[reason]++;
        verdict.reasons.set(e, reason);
      } else verdict.allowed.push(e);
    }
    return verdict;
  }

  /**
   * Locks the customers of `ids` (their contact_locks rows, created on first sight, taken in
   * index order so two reservations cannot deadlock on them), then checks them with what is
   * committed now. Call inside the batch's transaction, before it writes its batch and its
   * ledger rows (`record`): a second reservation of any of these customers waits until this
   * transaction ends, then sees its rows. Run it under READ COMMITTED (the pipeline does):
   * under REPEATABLE READ it is only right as the transaction's first read, since a
   * snapshot taken before the lock would not see the other reservation's rows.
   */
  async reserve(
    tx: SqlRunner,
    ids: readonly string[],
    policy: ContactPolicyShape,
    rule: RulePolicy,
    at: Date,
  ): Promise<PolicyVerdict> {
    if (ids.length === 0) return { allowed: [], excluded: noExclusions(), reasons: new Map() };
    await tx.query(
      `INSERT INTO contact_locks (external_userid)
       SELECT j.e FROM ${JSON_IDS} ORDER BY j.e
       ON DUPLICATE KEY UPDATE external_userid = contact_locks.external_userid`,
      [JSON.stringify(ids)],
    );
    return this.check(tx, ids, policy, rule, at);
  }

  /**
   * The ledger rows of a batch's reserved customers (in the reservation's transaction). A
   * multi-row VALUES insert, not INSERT … SELECT: with a known row count InnoDB takes the
   * AUTO_INCREMENT values without holding the table's AUTO-INC lock for the whole statement
   * (innodb_autoinc_lock_mode 1), so two workers' reservations do not queue on it.
   */
  async record(
    tx: SqlRunner,
    ids: readonly string[],
    batch: { pushId: number; runId: number; batchId: number; at: Date; counted: boolean },
  ): Promise<void> {
    if (ids.length === 0) return;
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
    await tx.query('UPDATE contact_ledger SET created_at = ? WHERE batch_id = ?', [at, batchId]);
    if (failList.length) {
      await tx.query(
        `UPDATE contact_ledger SET released = 1, released_at = ?, release_reason = 'fail_list'
          WHERE batch_id = ? AND released = 0 AND external_userid IN (?)`,
        [at, batchId, [...failList]],
      );
    }
  }

  /** The whole batch did not reach WeCom (failed, cancelled): its reservations are given back. */
  async releaseBatch(
    tx: SqlRunner,
    batchId: number,
    reason: Extract<ReleaseReason, 'batch_failed' | 'batch_cancelled'>,
    at: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE contact_ledger SET released = 1, released_at = ?, release_reason = ?
        WHERE batch_id = ? AND released = 0`,
      [at, reason, batchId],
    );
  }

  /** An operator resends a failed batch: its customers are reserved again. */
  async reclaimBatch(tx: SqlRunner, batchId: number, at: Date): Promise<void> {
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
    const capped = by(3);
    const sent = by(1);
    for (const [ids, reason] of [
      [notFriend, 'not_friend'],
      [capped, 'wecom_cap'],
    ] as const) {
      if (ids.length === 0) continue;
      await tx.query(
        `UPDATE contact_ledger SET released = 1, released_at = ?, release_reason = ?
          WHERE batch_id = ? AND released = 0 AND external_userid IN (?)`,
        [at, reason, batchId, ids],
      );
    }
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
    const r: { affectedRows?: number } = await this.db.query(
      `UPDATE contact_ledger l
         JOIN wechat_push_deliveries d
           ON d.batch_id = l.batch_id AND d.external_userid = l.external_userid
          SET l.released = 1, l.released_at = ?, l.release_reason = 'not_sent'
        WHERE l.batch_id = ? AND l.released = 0 AND d.accepted = 1
          AND (d.status IS NULL OR d.status = 0)`,
      [at, batchId],
    );
    return r.affectedRows ?? 0;
  }
}
