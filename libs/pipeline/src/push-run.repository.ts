import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { ContactLedger } from '@app/contact-policy';
import type { SenderFallback, SenderMode } from '@app/contracts';
import type { ExperimentDesign } from '@app/experiments';
import { WechatPushResult, WechatPushResultJson } from '@app/push-config';
import { BatchState, PushBatch, TERMINAL_BATCH_STATES } from './entities/push-batch.entity';
import { PushRun, RunState, TERMINAL_RUN_STATES } from './entities/push-run.entity';
import type { RunKind } from './queue.contracts';
import type { FillingBatch } from './senders/sender-batches';

interface RunKey {
  pushId: number;
  kind: RunKind;
  slotAt: Date;
}

/**
 * `UPDATE … SET state = to … WHERE id = ? AND state IN (from)`: the affected-row count says
 * whether this caller won the transition. A terminal state also stamps finished_at.
 */
async function transition<E extends PushRun | PushBatch>(
  em: EntityManager,
  entity: new () => E,
  id: number,
  from: readonly string[],
  to: string,
  terminal: boolean,
  now: Date,
  patch: Partial<E>,
): Promise<boolean> {
  const result = await em
    .createQueryBuilder()
    .update(entity)
    .set({ ...patch, state: to, updatedAt: now, ...(terminal ? { finishedAt: now } : {}) } as never)
    .where('id = :id AND state IN (:...from)', { id, from })
    .execute();
  return (result.affected ?? 0) > 0;
}

/**
 * Every read and state change of runs and batches. Each transition is a conditional update
 * (`… WHERE state IN (from)`) whose affected-row count says whether this caller won, so two
 * workers (or a retry racing a stalled job) can never both move the same row.
 */
@Injectable()
export class PushRunRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: ContactLedger,
  ) {}

  /** The run of a slot, created on first sight; the unique key makes this idempotent. */
  async ensureRun(
    key: RunKey,
    ruleName: string,
    now: Date,
    triggeredBy?: number,
    forced = false,
  ): Promise<PushRun> {
    await this.db
      .createQueryBuilder()
      .insert()
      .into(PushRun)
      .values({
        pushId: key.pushId,
        kind: key.kind,
        slotAt: key.slotAt,
        state: RunState.PENDING,
        ruleName,
        triggeredBy: triggeredBy ?? null,
        forced,
        createdAt: now,
        updatedAt: now,
      })
      .orIgnore()
      .execute();
    const run = await this.db
      .getRepository(PushRun)
      .findOneByOrFail({ pushId: key.pushId, kind: key.kind, slotAt: key.slotAt });
    return run;
  }

  findRun(id: number): Promise<PushRun | null> {
    return this.db.getRepository(PushRun).findOneBy({ id });
  }

  findRunByKey(key: RunKey): Promise<PushRun | null> {
    return this.db
      .getRepository(PushRun)
      .findOneBy({ pushId: key.pushId, kind: key.kind, slotAt: key.slotAt });
  }

  /** Moves a run from one of `from` to `to`; false when another actor moved it first. */
  transitionRun(
    id: number,
    from: readonly RunState[],
    to: RunState,
    now: Date,
    patch: Partial<PushRun> = {},
    em: EntityManager = this.db.manager,
  ): Promise<boolean> {
    return transition(em, PushRun, id, from, to, TERMINAL_RUN_STATES.includes(to), now, patch);
  }

  transaction<T>(work: (em: EntityManager) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    return isolation ? this.db.transaction(isolation, work) : this.db.transaction(work);
  }

  /** Inserts a pending batch (or, for an owner run's sender, a filling one); returns its id. */
  async insertBatch(
    em: EntityManager,
    runId: number,
    batchNo: number,
    recipients: string[],
    now: Date,
    variant = 0,
    sender: { sender: string | null; state: BatchState.PENDING | BatchState.FILLING } = {
      sender: null,
      state: BatchState.PENDING,
    },
  ): Promise<number> {
    const result = await em.insert(PushBatch, {
      runId,
      batchNo,
      variant,
      sender: sender.sender,
      state: sender.state,
      recipientCount: recipients.length,
      recipients: JSON.stringify(recipients),
      createdAt: now,
      updatedAt: now,
    });
    // The insert id of a BIGINT column, a number with the connection's big-number settings.
    return result.identifiers[0].id as number;
  }

  /** The run's batches still being filled, locked for the page's transaction. */
  async fillingBatches(em: EntityManager, runId: number): Promise<FillingBatch[]> {
    const rows: { id: number; sender: string | null; variant: number; n: number }[] =
      await em.query(
        `SELECT id, sender, variant, recipient_count AS n FROM wechat_push_batches
          WHERE run_id = ? AND state = 'filling' ORDER BY id FOR UPDATE`,
        [runId],
      );
    return rows.map((r) => ({
      id: r.id,
      sender: r.sender,
      variant: Number(r.variant),
      recipientCount: Number(r.n),
    }));
  }

  /** Adds recipients to a filling batch; a full one becomes pending (its job follows the commit). */
  async appendRecipients(
    em: EntityManager,
    batchId: number,
    recipients: string[],
    full: boolean,
    now: Date,
  ): Promise<void> {
    const r: { affectedRows?: number } = await em.query(
      `UPDATE wechat_push_batches
          SET recipients = JSON_MERGE_PRESERVE(recipients, ?), recipient_count = recipient_count + ?,
              state = ?, updated_at = ?
        WHERE id = ? AND state = 'filling'`,
      [
        JSON.stringify(recipients),
        recipients.length,
        full ? BatchState.PENDING : BatchState.FILLING,
        now,
        batchId,
      ],
    );
    if (!r.affectedRows) throw new Error(`batch ${batchId} is no longer filling`);
  }

  /**
   * The selection of the run is done: its filling batches become pending (while it is still
   * selecting — a cancelled run's were cancelled). Returns how many.
   */
  async closeFilling(runId: number, now: Date): Promise<number> {
    const r: { affectedRows?: number } = await this.db.query(
      `UPDATE wechat_push_batches b JOIN wechat_push_runs r ON r.id = b.run_id
          SET b.state = 'pending', b.updated_at = ?
        WHERE b.run_id = ? AND b.state = 'filling' AND r.state = 'selecting'`,
      [now, runId],
    );
    return r.affectedRows ?? 0;
  }

  /**
   * The run's sender settings, recorded once when its selection starts (the rule's `given`);
   * a concurrent or earlier attempt's recorded ones win.
   */
  async recordSenders(
    runId: number,
    given: { mode: SenderMode; fallback: SenderFallback; deadlineHours: number | null },
  ): Promise<{ mode: SenderMode; fallback: SenderFallback; deadlineHours: number | null }> {
    await this.db.query(
      `UPDATE wechat_push_runs SET sender_mode = ?, sender_fallback = ?, execution_deadline_hours = ?
        WHERE id = ? AND sender_mode IS NULL`,
      [given.mode, given.fallback, given.deadlineHours, runId],
    );
    const [row]: { m: SenderMode; f: SenderFallback; h: number | null }[] = await this.db.query(
      `SELECT sender_mode AS m, sender_fallback AS f, execution_deadline_hours AS h
         FROM wechat_push_runs WHERE id = ?`,
      [runId],
    );
    return { mode: row.m, fallback: row.f, deadlineHours: row.h === null ? null : Number(row.h) };
  }

  /**
   * Records a committed page of a selecting run: the keyset position after it and the
   * counts so far. Conditional on the previous batch count and position, so two selectors
   * of one run cannot both record page N (also a page whose customers were all excluded).
   */
  async advanceSelection(
    em: EntityManager,
    runId: number,
    prev: { batchCount: number; cursor: string | null },
    next: {
      cursor: string | null;
      batchCount: number;
      audienceCount: number;
      controlCount: number;
      excluded: string;
    },
    now: Date,
  ): Promise<boolean> {
    const result: { affectedRows?: number } = await em.query(
      `UPDATE wechat_push_runs
          SET select_cursor = ?, batch_count = ?, audience_count = ?, control_count = ?,
              excluded = ?, updated_at = ?
        WHERE id = ? AND state = ? AND COALESCE(batch_count, 0) = ? AND select_cursor <=> ?`,
      [
        next.cursor,
        next.batchCount,
        next.audienceCount,
        next.controlCount,
        next.excluded,
        now,
        runId,
        RunState.SELECTING,
        prev.batchCount,
        prev.cursor,
      ],
    );
    return (result.affectedRows ?? 0) > 0;
  }

  /**
   * A page's control members (held out: not sent), in the page's transaction, each with its
   * customer id (lowest if several, as delivery rows resolve it). INSERT IGNORE: ids equal
   * under the table's collation are one member.
   */
  async insertControls(
    em: EntityManager,
    runId: number,
    members: readonly { e: string; group: 'holdout' | 'global'; variant: number }[],
    at: Date,
  ): Promise<void> {
    if (members.length === 0) return;
    await em.query(
      `INSERT IGNORE INTO wechat_push_run_controls
         (run_id, external_userid, control_group, variant, assigned_at, customer_id)
       SELECT ?, j.e, j.g, j.v, ?,
              (SELECT MIN(cu.id) FROM customers cu WHERE cu.external_userid = j.e)
         FROM JSON_TABLE(?, '$[*]' COLUMNS (
                e VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$[0]',
                g VARCHAR(8) PATH '$[1]',
                v TINYINT UNSIGNED PATH '$[2]')) j`,
      [runId, at, JSON.stringify(members.map((m) => [m.e, m.group, m.variant]))],
    );
  }

  /** The scheduler did `name` (scan, reconcile) at `at`: what `/health` reads. */
  async heartbeat(name: 'scan' | 'reconcile', at: Date, detail: object): Promise<void> {
    await this.db.query(
      `INSERT INTO scheduler_heartbeats (name, last_at, detail) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE last_at = VALUES(last_at), detail = VALUES(detail)`,
      [name, at, JSON.stringify(detail).slice(0, 255)],
    );
  }

  /**
   * The experiment a run selects under, stored once when its selection starts; a concurrent
   * or earlier attempt's stored design wins (returned when there is one).
   */
  async recordExperiment(runId: number, experiment: string): Promise<ExperimentDesign | null> {
    await this.db.query(
      'UPDATE wechat_push_runs SET experiment = ? WHERE id = ? AND experiment IS NULL',
      [experiment, runId],
    );
    const [row]: { experiment: string | null }[] = await this.db.query(
      'SELECT experiment FROM wechat_push_runs WHERE id = ?',
      [runId],
    );
    return row?.experiment ? (JSON.parse(row.experiment) as ExperimentDesign) : null;
  }

  /** Of these rules, those whose run of this scheduled slot is not yet past selection. */
  async selectionsOpen(pushIds: number[], slotAt: Date): Promise<number[]> {
    if (pushIds.length === 0) return [];
    const done: { push_id: number }[] = await this.db.query(
      `SELECT push_id FROM wechat_push_runs
        WHERE kind = 'scheduled' AND slot_at = ? AND push_id IN (?)
          AND state NOT IN ('pending', 'selecting')`,
      [slotAt, pushIds],
    );
    const finished = new Set(done.map((r) => r.push_id));
    return pushIds.filter((id) => !finished.has(id));
  }

  /** Ids of this rule's runs of `kind` that are in one of `states`. */
  async openRunsOfKind(pushId: number, kind: RunKind, states: RunState[]): Promise<number[]> {
    const rows: { id: number }[] = await this.db.query(
      'SELECT id FROM wechat_push_runs WHERE push_id = ? AND kind = ? AND state IN (?)',
      [pushId, kind, states],
    );
    return rows.map((r) => r.id);
  }

  findBatch(id: number): Promise<PushBatch | null> {
    return this.db.getRepository(PushBatch).findOneBy({ id });
  }

  /** Batches of a run in `states` (ids and resend counters only). */
  findBatchIds(
    runId: number,
    states: readonly BatchState[],
  ): Promise<Pick<PushBatch, 'id' | 'resends'>[]> {
    return this.db.getRepository(PushBatch).find({
      select: { id: true, resends: true },
      where: { runId, state: In([...states]) },
      order: { batchNo: 'ASC' },
    });
  }

  listBatches(runIds: number[]): Promise<PushBatch[]> {
    if (runIds.length === 0) return Promise.resolve([]);
    return this.db.getRepository(PushBatch).find({
      where: { runId: In(runIds) },
      order: { runId: 'DESC', batchNo: 'ASC' },
    });
  }

  async recipientsOf(batchId: number): Promise<string[]> {
    const [row]: { recipients: string }[] = await this.db.query(
      'SELECT recipients FROM wechat_push_batches WHERE id = ?',
      [batchId],
    );
    return row ? (JSON.parse(row.recipients) as string[]) : [];
  }

  /**
   * Moves a batch from one of `from` to `to`; false when another actor moved it first. A
   * batch that ends failed or cancelled gives its customers' contact reservations back, in
   * the same transaction.
   */
  async transitionBatch(
    id: number,
    from: readonly BatchState[],
    to: BatchState,
    now: Date,
    patch: Partial<PushBatch> = {},
    em?: EntityManager,
  ): Promise<boolean> {
    // A batch WeCom surely did not create (failed, found absent, cancelled) contacted nobody.
    const releases =
      to === BatchState.FAILED || to === BatchState.SAFE_TO_RESEND || to === BatchState.CANCELLED;
    const move = async (tx: EntityManager) => {
      const moved = await transition(
        tx,
        PushBatch,
        id,
        from,
        to,
        TERMINAL_BATCH_STATES.includes(to),
        now,
        patch,
      );
      if (moved && releases) {
        await this.ledger.releaseBatch(
          tx,
          id,
          to === BatchState.CANCELLED ? 'batch_cancelled' : 'batch_failed',
          now,
        );
      }
      return moved;
    };
    if (em) return move(em);
    return releases ? this.db.transaction(move) : move(this.db.manager);
  }

  /**
   * `unknown` batches whose last attempt began before `startedBefore` and that no worker
   * checked against WeCom since `checkedBefore`, oldest first.
   */
  async unknownBatchesDue(
    startedBefore: Date,
    checkedBefore: Date,
    limit: number,
  ): Promise<{ id: number; runId: number; resends: number; variant: number; sendingAt: Date }[]> {
    return this.db.query(
      `SELECT id, run_id AS runId, resends, variant, sending_at AS sendingAt
         FROM wechat_push_batches
        WHERE state = 'unknown' AND sending_at < ?
          AND (resolve_checked_at IS NULL OR resolve_checked_at < ?)
        ORDER BY sending_at LIMIT ?`,
      [startedBefore, checkedBefore, limit],
    );
  }

  /**
   * Claims the check of an `unknown` batch against WeCom for this worker: false when another
   * worker checked it since `checkedBefore`, or it is no longer unknown.
   */
  async claimResolveCheck(id: number, now: Date, checkedBefore: Date): Promise<boolean> {
    const r: { affectedRows?: number } = await this.db.query(
      `UPDATE wechat_push_batches SET resolve_checked_at = ?
        WHERE id = ? AND state = 'unknown'
          AND (resolve_checked_at IS NULL OR resolve_checked_at < ?)`,
      [now, id, checkedBefore],
    );
    return (r.affectedRows ?? 0) > 0;
  }

  /** Of these msgids, the ones a batch already holds. */
  async msgidsTaken(msgids: string[]): Promise<Set<string>> {
    if (msgids.length === 0) return new Set();
    const rows: { msgid: string }[] = await this.db.query(
      'SELECT msgid FROM wechat_push_batches WHERE msgid IN (?)',
      [msgids],
    );
    return new Set(rows.map((r) => r.msgid));
  }

  /** Claims a pending batch for one send attempt. */
  claimBatch(id: number, now: Date, token: string): Promise<boolean> {
    return this.db
      .createQueryBuilder()
      .update(PushBatch)
      .set({
        state: BatchState.SENDING,
        attempts: () => 'attempts + 1',
        sendingAt: now,
        claimToken: token,
        updatedAt: now,
      })
      .where('id = :id AND state = :pending', { id, pending: BatchState.PENDING })
      .execute()
      .then((r) => (r.affected ?? 0) > 0);
  }

  /**
   * `sending` → `pending` for a claim whose attempt is known not to have called WeCom (it
   * journaled its token); conditional on that claim still being the batch's latest.
   */
  releaseUncalledClaim(id: number, token: string, now: Date): Promise<boolean> {
    return this.db
      .createQueryBuilder()
      .update(PushBatch)
      .set({ state: BatchState.PENDING, updatedAt: now })
      .where('id = :id AND state = :sending AND claim_token = :token', {
        id,
        token,
        sending: BatchState.SENDING,
      })
      .execute()
      .then((r) => (r.affected ?? 0) > 0);
  }

  /**
   * WeCom accepted the batch: it becomes `sent` with its msgid and fail_list, and its
   * seed-shaped result row is written in the same transaction (unique per batch).
   * From `sending`; or, answering `late`, from `unknown`: while this call was in flight, a
   * reconcile (its job lost with Redis) or another worker (its job taken as stalled) may have
   * recorded the batch `unknown` — WeCom's answer settles that doubt, so it is recorded rather
   * than dropped. False when the batch is in neither state, or when an operator resent it
   * since this attempt began (`resends` moved on): a superseded attempt's answer never
   * overwrites the newer one's.
   */
  async markSent(
    batch: { id: number; runId: number; resends: number },
    rule: { pushId: number; name: string },
    result: WechatPushResultJson,
    now: Date,
  ): Promise<'sent' | 'late' | false> {
    return this.db.transaction(async (em) => {
      const [current]: { resends: number }[] = await em.query(
        'SELECT resends FROM wechat_push_batches WHERE id = ? FOR UPDATE',
        [batch.id],
      );
      if (!current || Number(current.resends) !== batch.resends) return false;
      const patch = {
        msgid: result.add.msgid,
        errcode: result.add.errcode,
        errmsg: result.add.errmsg.slice(0, 512),
        failList: JSON.stringify(result.add.fail_list),
        failCount: result.add.fail_list.length,
      };
      const moved = (await this.transitionBatch(
        batch.id,
        [BatchState.SENDING],
        BatchState.SENT,
        now,
        patch,
        em,
      ))
        ? 'sent'
        : (await this.transitionBatch(
              batch.id,
              [BatchState.UNKNOWN],
              BatchState.SENT,
              now,
              patch,
              em,
            ))
          ? 'late'
          : false;
      if (!moved) return false;
      // The caps count from the task's creation; WeCom's refusals are given back.
      await this.ledger.onTaskCreated(em, batch.id, result.add.fail_list, now);
      await em.insert(WechatPushResult, {
        name: rule.name,
        pushId: rule.pushId,
        runId: batch.runId,
        batchId: batch.id,
        result,
        createdAt: now,
      });
      return moved;
    });
  }

  /**
   * Completes a `sending` run once none of its batches is pending or sending, with counts
   * from its batches (a cancelled run keeps its state but gets its counts; so does a completed
   * one with `recount`, after an `unknown` batch of it turned `sent`, see markSent). Safe to
   * call after every batch: only the last one changes anything.
   */
  async completeRunIfDone(runId: number, now: Date, recount = false): Promise<boolean> {
    const [open]: { n: string | number }[] = await this.db.query(
      `SELECT COUNT(*) AS n FROM wechat_push_batches WHERE run_id = ? AND state IN ('filling', 'pending', 'sending')`,
      [runId],
    );
    if (Number(open.n) > 0) return false;
    const result: { affectedRows?: number } = await this.db.query(
      `UPDATE wechat_push_runs r
          JOIN (SELECT run_id,
                       SUM(state = 'sent') AS sent_batches,
                       SUM(state IN ('failed', 'safe_to_resend')) AS failed_batches,
                       SUM(state = 'unknown') AS unknown_batches,
                       COALESCE(SUM(IF(state = 'sent', recipient_count - fail_count, 0)), 0) AS accepted,
                       COALESCE(SUM(IF(state = 'sent', fail_count, 0)), 0) AS failed_ids
                  FROM wechat_push_batches WHERE run_id = ? GROUP BY run_id) b ON b.run_id = r.id
          SET r.state = IF(r.state = 'sending', 'completed', r.state), r.sent_batches = b.sent_batches, r.failed_batches = b.failed_batches,
              r.unknown_batches = b.unknown_batches, r.accepted_count = b.accepted,
              r.fail_count = b.failed_ids, r.finished_at = ?, r.updated_at = ?
        WHERE r.id = ? AND r.state IN (${recount ? "'sending', 'cancelled', 'completed'" : "'sending', 'cancelled'"})
          AND NOT EXISTS (SELECT 1 FROM wechat_push_batches x
                           WHERE x.run_id = r.id AND x.state IN ('filling', 'pending', 'sending'))`,
      [runId, now, now, runId],
    );
    return (result.affectedRows ?? 0) > 0;
  }

  /** Runs MySQL says are open (not terminal) and whose slot is at or before `until`. */
  openRuns(until: Date): Promise<PushRun[]> {
    return this.db
      .getRepository(PushRun)
      .createQueryBuilder('r')
      .where('r.state IN (:...states)', {
        states: [RunState.PENDING, RunState.SELECTING, RunState.SENDING],
      })
      .andWhere('r.slot_at <= :until', { until })
      .orderBy('r.slot_at', 'ASC')
      .limit(1000)
      .getMany();
  }
}
