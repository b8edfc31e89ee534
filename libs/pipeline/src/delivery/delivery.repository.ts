import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { formatDateTime } from '@app/common';
import { ContactLedger } from '@app/contact-policy';
import { StatsIngest } from '@app/stats';
import type { GroupMsgSendResult, GroupMsgTask } from '@app/wecom';

export type DeliveryTaskState = 'tracking' | 'final' | 'expired';

interface DeliveryTask {
  batchId: number;
  runId: number;
  msgid: string;
  state: DeliveryTaskState;
  sentAt: Date;
  rowsAt: Date | null;
  polls: number;
  nextPollAt: Date | null;
  /** When its run's execution deadline was applied (members not sent by then never will). */
  deadlineCancelledAt: Date | null;
}

interface TaskRow {
  batch_id: number;
  run_id: number;
  msgid: string;
  state: DeliveryTaskState;
  sent_at: Date;
  rows_at: Date | null;
  polls: number;
  next_poll_at: Date | null;
  deadline_cancelled_at: Date | null;
}

const toTask = (r: TaskRow): DeliveryTask => ({
  batchId: r.batch_id,
  runId: r.run_id,
  msgid: r.msgid,
  state: r.state,
  sentAt: r.sent_at,
  rowsAt: r.rows_at,
  polls: Number(r.polls),
  nextPollAt: r.next_poll_at,
  deadlineCancelledAt: r.deadline_cancelled_at,
});

const DAY_MS = 24 * 3600_000;

/**
 * Delivery rows, tracking tasks and reminders. Results are applied with one statement per
 * WeCom page, keyed by (batch_id, external_userid), so re-polling updates rows in place and
 * never adds any; a final status (1, 2, 3) is never taken back.
 */
@Injectable()
export class DeliveryRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly stats: StatsIngest,
    private readonly ledger: ContactLedger,
  ) {}

  /**
   * Creates the tracking task of a sent batch; false when it exists, the batch is not sent, or
   * it belongs to a test run: those get no delivery rows, so neither the statistics nor the
   * contact ledger ever hear of them (docs/PIPELINE.md "Test sends").
   */
  async createTask(
    batchId: number,
    firstPollAt: Date,
    now: Date,
    remindPercent: number,
  ): Promise<boolean> {
    // A run with an execution deadline: its members are reminded at `remindPercent` of the
    // window and the task is cancelled at its end (TaskDeadlineService).
    const result: { affectedRows?: number } = await this.db.query(
      `INSERT IGNORE INTO wechat_push_delivery_tasks
         (batch_id, run_id, msgid, state, sent_at, next_poll_at, created_at, updated_at,
          remind_at, deadline_at)
       SELECT b.id, b.run_id, b.msgid, 'tracking', COALESCE(b.finished_at, b.updated_at), ?, ?, ?,
              DATE_ADD(COALESCE(b.finished_at, b.updated_at),
                       INTERVAL r.execution_deadline_hours * 36 * ? SECOND),
              DATE_ADD(COALESCE(b.finished_at, b.updated_at),
                       INTERVAL r.execution_deadline_hours HOUR)
         FROM wechat_push_batches b JOIN wechat_push_runs r ON r.id = b.run_id
        WHERE b.id = ? AND b.state = 'sent' AND b.msgid IS NOT NULL AND b.msgid <> ''
          AND r.kind <> 'test'`,
      [firstPollAt, now, now, remindPercent, batchId],
    );
    return (result.affectedRows ?? 0) > 0;
  }

  async findTask(batchId: number): Promise<DeliveryTask | null> {
    const [row]: TaskRow[] = await this.db.query(
      'SELECT * FROM wechat_push_delivery_tasks WHERE batch_id = ?',
      [batchId],
    );
    return row ? toTask(row) : null;
  }

  /** Writes the batch's recipient rows (idempotent) and records that they exist. */
  async writeRows(batchId: number, now: Date): Promise<number> {
    const n = await this.stats.writeDeliveryRows(batchId, now);
    await this.stats.deriveBatch(batchId);
    await this.db.query(
      'UPDATE wechat_push_delivery_tasks SET rows_at = ?, updated_at = ? WHERE batch_id = ? AND rows_at IS NULL',
      [now, now, batchId],
    );
    return n;
  }

  /** Stores one page of get_groupmsg_send_result; returns the rows that changed. */
  async applyResults(batchId: number, page: GroupMsgSendResult[], now: Date): Promise<number> {
    const rows = page
      .filter((r) => typeof r.external_userid === 'string' && r.external_userid !== '')
      .map((r) => ({
        e: r.external_userid,
        u: r.userid,
        s: r.status,
        t: r.send_time ? formatDateTime(new Date(r.send_time * 1000)) : null,
      }));
    if (rows.length === 0) return 0;
    return this.db.transaction(async (em) => {
      const result: { affectedRows?: number } = await em.query(
        `UPDATE wechat_push_deliveries d
         JOIN JSON_TABLE(?, '$[*]' COLUMNS (
                e VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$.e',
                u VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$.u',
                s TINYINT PATH '$.s',
                t VARCHAR(19) PATH '$.t')) v
           ON d.batch_id = ? AND d.external_userid = v.e
          SET d.status = IF(d.status IN (1, 2, 3), d.status, v.s),
              d.send_time = COALESCE(d.send_time, CAST(v.t AS DATETIME)),
              d.sender_userid = v.u,
              d.updated_at = ?
        WHERE NOT (d.status <=> v.s) OR NOT (d.sender_userid <=> v.u)
           OR (d.send_time IS NULL AND v.t IS NOT NULL)`,
        [JSON.stringify(rows), batchId, now],
      );
      const changed = result.affectedRows ?? 0;
      // The contact ledger hears the same answers: 2 and 3 give the reservation back (and 2
      // marks the customer unreachable), 1 makes them reachable again.
      await this.ledger.onResults(
        em,
        batchId,
        rows.map((r) => ({ e: r.e, s: r.s })),
        now,
      );
      // In the same transaction: whoever polls next knows the statistics rows are behind.
      if (changed > 0) {
        await em.query(
          'UPDATE wechat_push_delivery_tasks SET stats_dirty = 1 WHERE batch_id = ? AND stats_dirty = 0',
          [batchId],
        );
      }
      return changed;
    });
  }

  /**
   * Derives the batch's statistics rows from its delivery rows now, whatever the flag says
   * (rows written without a tracking task: fixtures, tools).
   */
  async refreshOutcomes(batchId: number): Promise<void> {
    await this.stats.deriving(batchId, async (tx, derive) => {
      await derive();
      await tx.query('UPDATE wechat_push_delivery_tasks SET stats_dirty = 0 WHERE batch_id = ?', [
        batchId,
      ]);
    });
  }

  /**
   * Brings the batch's statistics rows (wechat_push_recipient_outcomes,
   * wechat_push_batch_counts) up to its delivery rows if results changed since they were
   * last derived — also results stored by a worker that died before deriving them. Returns
   * whether it derived them.
   */
  refreshStatistics(batchId: number): Promise<boolean> {
    return this.stats.deriving(batchId, async (tx, derive) => {
      const claimed = (await tx.query(
        'UPDATE wechat_push_delivery_tasks SET stats_dirty = 0 WHERE batch_id = ? AND stats_dirty = 1',
        [batchId],
      )) as { affectedRows?: number };
      if (!claimed.affectedRows) return false;
      await derive();
      return true;
    });
  }

  /** Accepted recipients of the batch without a final status yet. */
  async openRecipients(batchId: number): Promise<number> {
    const [row]: { n: string | number }[] = await this.db.query(
      `SELECT COUNT(*) AS n FROM wechat_push_deliveries
        WHERE batch_id = ? AND accepted = 1 AND (status IS NULL OR status = 0)`,
      [batchId],
    );
    return Number(row.n);
  }

  async recordPoll(
    batchId: number,
    now: Date,
    patch: {
      state: DeliveryTaskState;
      nextPollAt: Date | null;
      pendingSenders?: number | null;
      lastError?: string | null;
    },
  ): Promise<void> {
    await this.db.query(
      `UPDATE wechat_push_delivery_tasks
          SET state = ?, polls = polls + 1, last_polled_at = ?, next_poll_at = ?,
              pending_senders = COALESCE(?, pending_senders), last_error = ?,
              finished_at = IF(? = 'tracking', NULL, ?), updated_at = ?
        WHERE batch_id = ? AND state = 'tracking'`,
      [
        patch.state,
        now,
        patch.nextPollAt,
        patch.pendingSenders ?? null,
        patch.lastError?.slice(0, 512) ?? null,
        patch.state,
        now,
        now,
        batchId,
      ],
    );
  }

  /**
   * Claims one reminder for the task, or returns null when `maxPerDay` were claimed in the
   * last 24 h or the last one is younger than `minGapMs`. The task row is locked while
   * counting, so replicas claiming at once are serialised and cannot exceed the limit.
   */
  async claimReminder(
    batchId: number,
    msgid: string,
    now: Date,
    maxPerDay: number,
    minGapMs: number,
  ): Promise<number | null> {
    return this.db.transaction(async (em) => {
      const [task] = await em.query(
        'SELECT batch_id FROM wechat_push_delivery_tasks WHERE batch_id = ? FOR UPDATE',
        [batchId],
      );
      if (!task) return null;
      const [counts]: { n: string | number; last: Date | null }[] = await em.query(
        `SELECT SUM(reminded_at > ?) AS n, MAX(reminded_at) AS last
           FROM wechat_push_reminders WHERE batch_id = ?`,
        [new Date(now.getTime() - DAY_MS), batchId],
      );
      if (Number(counts?.n ?? 0) >= maxPerDay) return null;
      if (counts?.last && now.getTime() - counts.last.getTime() < minGapMs) return null;
      const inserted: { insertId?: number } = await em.query(
        'INSERT INTO wechat_push_reminders (batch_id, msgid, reminded_at) VALUES (?, ?, ?)',
        [batchId, msgid, now],
      );
      return inserted.insertId as number;
    });
  }

  async settleReminder(id: number, outcome: string): Promise<void> {
    await this.db.query('UPDATE wechat_push_reminders SET outcome = ? WHERE id = ?', [
      outcome.slice(0, 64),
      id,
    ]);
  }

  /** WeCom surely did not act on it: the claim is given back. */
  async releaseReminder(id: number): Promise<void> {
    await this.db.query('DELETE FROM wechat_push_reminders WHERE id = ?', [id]);
  }

  /** Tasks MySQL says are being tracked (for the reconcile). */
  async trackingTasks(limit = 1000): Promise<DeliveryTask[]> {
    const rows: TaskRow[] = await this.db.query(
      `SELECT * FROM wechat_push_delivery_tasks WHERE state = 'tracking'
        ORDER BY next_poll_at LIMIT ?`,
      [limit],
    );
    return rows.map(toTask);
  }

  /** Sent batches since `since` that have no tracking task (a crash right after markSent). */
  async untrackedSentBatches(since: Date, limit = 1000): Promise<number[]> {
    const rows: { id: number }[] = await this.db.query(
      `SELECT b.id FROM wechat_push_batches b
         JOIN wechat_push_runs r ON r.id = b.run_id
         LEFT JOIN wechat_push_delivery_tasks t ON t.batch_id = b.id
        WHERE b.state = 'sent' AND b.msgid IS NOT NULL AND b.finished_at >= ?
          AND t.batch_id IS NULL AND r.kind <> 'test'
        ORDER BY b.id LIMIT ?`,
      [since, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Each member's task as get_groupmsg_task listed it (a final 2 is never taken back). */
  async recordMembers(batchId: number, members: readonly GroupMsgTask[], now: Date): Promise<void> {
    if (members.length === 0) return;
    const [batch]: { run_id: number }[] = await this.db.query(
      'SELECT run_id FROM wechat_push_batches WHERE id = ?',
      [batchId],
    );
    if (!batch) return;
    const runId = batch.run_id;
    await this.db.query(
      `INSERT INTO wechat_push_member_tasks (batch_id, userid, run_id, status, send_time, updated_at)
       VALUES ?
       ON DUPLICATE KEY UPDATE status = GREATEST(status, VALUES(status)),
                               send_time = COALESCE(send_time, VALUES(send_time)),
                               updated_at = VALUES(updated_at)`,
      [
        members.map((m) => [
          batchId,
          m.userid,
          runId,
          m.status,
          m.send_time ? new Date(m.send_time * 1000) : null,
          now,
        ]),
      ],
    );
  }

  /** Marks the members still not sent (status 0) as reminded / cancelled by the deadline. */
  async markPendingMembers(
    batchId: number,
    what: 'reminded_at' | 'cancelled_at',
    now: Date,
  ): Promise<number> {
    const r: { affectedRows?: number } = await this.db.query(
      `UPDATE wechat_push_member_tasks SET ${what} = ?, updated_at = ?
        WHERE batch_id = ? AND status = 0 AND ${what} IS NULL`,
      [now, now, batchId],
    );
    return r.affectedRows ?? 0;
  }

  /**
   * Tasks whose deadline step is due: a reminder (its point passed, not yet reminded, before
   * the deadline) or the cancellation (the deadline passed), oldest first.
   */
  async deadlinesDue(
    now: Date,
    limit: number,
  ): Promise<{ batchId: number; runId: number; msgid: string; step: 'remind' | 'cancel' }[]> {
    const rows: { batch_id: number; run_id: number; msgid: string; step: 'remind' | 'cancel' }[] =
      await this.db.query(
        `SELECT batch_id, run_id, msgid, IF(deadline_at <= ?, 'cancel', 'remind') AS step
           FROM wechat_push_delivery_tasks
          WHERE deadline_cancelled_at IS NULL
            AND (deadline_at <= ? OR (remind_at <= ? AND deadline_reminded_at IS NULL))
          ORDER BY deadline_at LIMIT ?`,
        [now, now, now, limit],
      );
    return rows.map((r) => ({
      batchId: r.batch_id,
      runId: r.run_id,
      msgid: r.msgid,
      step: r.step,
    }));
  }

  /**
   * Claims a deadline step of the task for this worker (a conditional update: replicas never
   * both act); `release` gives it back after WeCom surely did nothing.
   */
  async claimDeadlineStep(batchId: number, step: 'remind' | 'cancel', now: Date): Promise<boolean> {
    const column = step === 'remind' ? 'deadline_reminded_at' : 'deadline_cancelled_at';
    const r: { affectedRows?: number } = await this.db.query(
      `UPDATE wechat_push_delivery_tasks SET ${column} = ?, updated_at = ?
        WHERE batch_id = ? AND ${column} IS NULL AND deadline_cancelled_at IS NULL`,
      [now, now, batchId],
    );
    return (r.affectedRows ?? 0) > 0;
  }

  async releaseDeadlineStep(batchId: number, step: 'remind' | 'cancel'): Promise<void> {
    const column = step === 'remind' ? 'deadline_reminded_at' : 'deadline_cancelled_at';
    await this.db.query(
      `UPDATE wechat_push_delivery_tasks SET ${column} = NULL WHERE batch_id = ?`,
      [batchId],
    );
  }

  /** What the step did; after a cancellation the tracking job's next poll ends the task. */
  async settleDeadlineStep(
    batchId: number,
    step: 'remind' | 'cancel',
    outcome: string,
    now: Date,
  ): Promise<void> {
    await this.db.query(
      `UPDATE wechat_push_delivery_tasks
          SET deadline_outcome = ?, updated_at = ?,
              next_poll_at = IF(? = 'cancel' AND state = 'tracking', ?, next_poll_at)
        WHERE batch_id = ?`,
      [outcome.slice(0, 255), now, step, now, batchId],
    );
  }

  async runState(runId: number): Promise<string | null> {
    const [row]: { state: string }[] = await this.db.query(
      'SELECT state FROM wechat_push_runs WHERE id = ?',
      [runId],
    );
    return row?.state ?? null;
  }
}
