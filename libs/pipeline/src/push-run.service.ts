import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  Clock,
  ErrorCode,
  formatClockTime,
  formatDateTime,
} from '@app/common';
import { ContactLedger, ContactPolicyService } from '@app/contact-policy';
import {
  addExclusions,
  ExclusionCounts,
  isQuietTime,
  noExclusions,
  variantKey,
} from '@app/contracts';
import { PushRuleRepository } from '@app/push-config';
import { SelectAudienceService } from '@app/audience';
import { WecomClient, WecomError } from '@app/wecom';
import { BatchState, PushBatch } from './entities/push-batch.entity';
import { PushRun, RunState } from './entities/push-run.entity';
import { PipelineQueues } from './pipeline-queues.service';
import { PushRunRepository } from './push-run.repository';
import { batchJobId, JobName, slotJobId } from './queue.contracts';
import { inFlightUntil } from './resolve/in-flight';

export interface BatchView {
  id: number;
  batchNo: number;
  /** The content variant its recipients got: A (the rule's own), B, … */
  variant: string;
  /** The member the batch's task was created for; null: WeCom assigns. */
  sender: string | null;
  state: BatchState;
  recipientCount: number;
  attempts: number;
  resends: number;
  msgid: string | null;
  errcode: number | null;
  errmsg: string | null;
  failCount: number;
  finishedAt: string | null;
}

/** One sender of a run (issue 22): its batches and how its members executed them. */
export interface RunSenderView {
  /** The member the batches were created for; null: WeCom assigned (wecom mode, fallback). */
  sender: string | null;
  batches: number;
  recipients: number;
  /** Recipients WeCom accepted (sent batches minus fail_list). */
  accepted: number;
  /** Member tasks sent, still not sent, reminded before and cancelled at the deadline. */
  sentTasks: number;
  pendingTasks: number;
  remindedTasks: number;
  cancelledTasks: number;
}

export interface RunView {
  id: number;
  kind: string;
  slotAt: string;
  state: RunState;
  reason: string | null;
  ruleName: string;
  audienceCount: number | null;
  /** Held out (rule holdout + global control): selected, recorded, not sent. */
  controlCount: number | null;
  excluded: ExclusionCounts;
  forced: boolean;
  /** The approved rule version the run sent (null before its message was prepared). */
  ruleVersion: number | null;
  batchCount: number | null;
  sentBatches: number;
  failedBatches: number;
  unknownBatches: number;
  acceptedCount: number;
  failCount: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** How the run selected its senders (null before its selection began). */
  senderMode: string | null;
  senderFallback: string | null;
  executionDeadlineHours: number | null;
  /** Per sender (owner runs: one row per store guide). */
  senders: RunSenderView[];
  batches: BatchView[];
}

export interface CancelReport {
  runId: number;
  cancelledBatches: number;
  cancelledTasks: string[];
  taskCancelFailures: { msgid: string; errcode: number | null; errmsg: string }[];
}

const fmt = (d: Date | null) => (d ? formatDateTime(d) : null);

/** A trigger or resend waiting for a second approver (POST /wechatpush/confirmations). */
interface OpenConfirmation {
  requestId: number;
  kind: 'trigger' | 'resend';
  pushId: number;
  ruleName: string | null;
  batchId: number | null;
  /** The audience estimate of a trigger, the recipients of a resent batch. */
  size: number;
  force: boolean;
  requestedBy: number;
  requesterName: string | null;
  requestedAt: string;
  expiresAt: string;
  /** Asked by the caller: they cannot confirm it themselves. */
  mine: boolean;
}

/** How long a trigger's confirmation request can be confirmed. */
const CONFIRM_WITHIN_MS = 3_600_000;

/** Operator actions on runs: trigger now, history, resend an unknown/failed batch, cancel. */
@Injectable()
export class PushRunService {
  private readonly logger = new Logger(PushRunService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly rules: PushRuleRepository,
    private readonly runs: PushRunRepository,
    private readonly queues: PipelineQueues,
    private readonly wecom: WecomClient,
    private readonly policy: ContactPolicyService,
    private readonly ledger: ContactLedger,
    private readonly audience: SelectAudienceService,
  ) {}

  /**
   * Fires a rule once now through the same pipeline, recorded as a manual run. Inside the
   * contact policy's quiet hours it is refused (409 QUIET_HOURS) unless `force` is set,
   * which the run records.
   */
  async trigger(
    pushId: number,
    operatorId: number,
    force = false,
    confirmed = false,
  ): Promise<{ runId: number }> {
    const rule = await this.rules.findActive(pushId);
    if (!rule) throw AppException.notFound('推送规则');
    if (rule.approvedVersion === null)
      throw new AppException(ErrorCode.NOT_APPROVED, '规则尚无审批通过的版本，不能执行', [
        { field: 'id', message: `rule ${pushId} has no approved version yet` },
      ]);
    const now = this.clock.now();
    const { quietHours } = await this.policy.current();
    const quiet = isQuietTime(formatClockTime(now), quietHours);
    if (quiet && !force) {
      throw new AppException(
        ErrorCode.QUIET_HOURS,
        `当前处于免打扰时段 ${quietHours?.start}–${quietHours?.end}，如确需发送请使用 force`,
        [
          {
            field: 'force',
            message: `now (${formatClockTime(now)}) is inside the quiet hours ${quietHours?.start}–${quietHours?.end}; send force: true to trigger anyway`,
          },
        ],
      );
    }
    const threshold = this.config.APPROVAL_CONFIRM_ABOVE;
    if (!confirmed && threshold > 0) {
      const estimate = await this.audience.count(rule, now);
      if (estimate > threshold)
        await this.askConfirmation({ kind: 'trigger', pushId, size: estimate, force }, operatorId);
    }
    const slotAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const run = await this.runs.ensureRun(
      { pushId, kind: 'manual', slotAt },
      rule.name,
      now,
      operatorId,
      quiet,
    );
    const payload = {
      pushId,
      kind: 'manual' as const,
      slotAt: slotAt.toISOString(),
      triggeredBy: operatorId,
    };
    // `ensure`: a finished job under this id (a database reset or restored while Redis kept
    // its jobs) would make a plain `add` a no-op and leave the run pending.
    await this.queues.ensure(JobName.FIRE_SLOT, slotJobId(payload), payload);
    return { runId: run.id };
  }

  /**
   * Records a request for a second approver (a trigger or resend above APPROVAL_CONFIRM_ABOVE)
   * and refuses the call with 409 CONFIRMATION_REQUIRED naming the request id.
   */
  private async askConfirmation(
    r: {
      kind: 'trigger' | 'resend';
      pushId: number;
      size: number;
      force?: boolean;
      batchId?: number;
    },
    operatorId: number,
  ): Promise<never> {
    const threshold = this.config.APPROVAL_CONFIRM_ABOVE;
    const inserted = await this.db.query(
      `INSERT INTO wechat_push_trigger_confirmations
         (kind, push_id, batch_id, audience_estimate, forced, requested_by, requested_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [r.kind, r.pushId, r.batchId ?? null, r.size, r.force ? 1 : 0, operatorId, this.clock.now()],
    );
    const requestId = (inserted as { insertId: number }).insertId;
    const what = r.kind === 'trigger' ? '目标人数约' : '批次人数';
    throw new AppException(
      ErrorCode.CONFIRMATION_REQUIRED,
      `${what} ${r.size}，超过 ${threshold}，需另一位审批人确认（请求 #${requestId}）`,
      [
        { field: 'requestId', message: String(requestId) },
        {
          field: r.kind === 'trigger' ? 'id' : 'batchId',
          message: `${r.kind === 'trigger' ? 'audience estimate' : 'batch size'} ${r.size} is above APPROVAL_CONFIRM_ABOVE (${threshold}); another approver confirms with /wechatpush/confirm {requestId: ${requestId}}`,
        },
      ],
    );
  }

  /**
   * A second approver confirms a trigger or a resend that was above APPROVAL_CONFIRM_ABOVE: not the one who
   * asked (403 SELF_APPROVAL), once (409 INVALID_STATE), within an hour; then the rule is
   * triggered as it is now (approved, quiet hours checked again with the request's `force`).
   */
  async confirm(requestId: number, operatorId: number): Promise<{ runId: number }> {
    const [req]: {
      kind: string;
      batch_id: number | null;
      push_id: number;
      requested_by: number;
      requested_at: Date;
      forced: number;
      confirmed_by: number | null;
    }[] = await this.db.query(
      `SELECT kind, batch_id, push_id, requested_by, requested_at, forced, confirmed_by
         FROM wechat_push_trigger_confirmations WHERE id = ?`,
      [requestId],
    );
    if (!req) throw AppException.notFound('确认请求', 'requestId');
    if (req.requested_by === operatorId)
      throw new AppException(ErrorCode.SELF_APPROVAL, '不能确认自己发起的执行', [
        { field: 'requestId', message: 'the requester cannot confirm their own trigger' },
      ]);
    const now = this.clock.now();
    const expired = now.getTime() - new Date(req.requested_at).getTime() > CONFIRM_WITHIN_MS;
    if (req.confirmed_by !== null || expired)
      throw new AppException(ErrorCode.INVALID_STATE, '该确认请求已处理或已过期', [
        {
          field: 'requestId',
          message: expired ? 'the request is older than an hour' : 'already confirmed',
        },
      ]);
    const taken = await this.db.query(
      `UPDATE wechat_push_trigger_confirmations SET confirmed_by = ?, confirmed_at = ?
        WHERE id = ? AND confirmed_by IS NULL`,
      [operatorId, now, requestId],
    );
    if (Number((taken as { affectedRows?: number }).affectedRows ?? 0) === 0)
      throw new AppException(ErrorCode.INVALID_STATE, '该确认请求已处理', [
        { field: 'requestId', message: 'already confirmed' },
      ]);
    if (req.kind === 'resend' && req.batch_id !== null) {
      await this.resend(req.batch_id, operatorId, true);
      const batch = await this.runs.findBatch(req.batch_id);
      return { runId: Number(batch?.runId) };
    }
    const result = await this.trigger(req.push_id, operatorId, req.forced === 1, true);
    await this.db.query('UPDATE wechat_push_trigger_confirmations SET run_id = ? WHERE id = ?', [
      result.runId,
      requestId,
    ]);
    return result;
  }

  /**
   * The confirmation requests still open (unconfirmed, asked within the hour), newest first,
   * each saying whether `operatorId` asked it (then they cannot confirm it).
   */
  async openConfirmations(operatorId: number): Promise<OpenConfirmation[]> {
    const since = new Date(this.clock.now().getTime() - CONFIRM_WITHIN_MS);
    const rows: {
      id: number;
      kind: string;
      push_id: number;
      batch_id: number | null;
      audience_estimate: number;
      forced: number;
      requested_by: number;
      requester: string | null;
      requested_at: Date;
    }[] = await this.db.query(
      `SELECT c.id, c.kind, c.push_id, c.batch_id, c.audience_estimate, c.forced,
              c.requested_by, a.display_name AS requester, c.requested_at
         FROM wechat_push_trigger_confirmations c
         LEFT JOIN accounts a ON a.id = c.requested_by
        WHERE c.confirmed_by IS NULL AND c.requested_at >= ?
        ORDER BY c.id DESC
        LIMIT 100`,
      [since],
    );
    const names = await this.rules.namesOf([...new Set(rows.map((r) => r.push_id))]);
    return rows.map((r) => ({
      requestId: r.id,
      kind: r.kind === 'resend' ? 'resend' : 'trigger',
      pushId: r.push_id,
      ruleName: names.get(r.push_id) ?? null,
      batchId: r.batch_id,
      size: r.audience_estimate,
      force: r.forced === 1,
      requestedBy: r.requested_by,
      requesterName: r.requester,
      requestedAt: formatDateTime(new Date(r.requested_at)),
      expiresAt: formatDateTime(new Date(new Date(r.requested_at).getTime() + CONFIRM_WITHIN_MS)),
      mine: r.requested_by === operatorId,
    }));
  }

  async list(
    pushId: number,
    page: number,
    pagesize: number,
  ): Promise<{ data: RunView[]; total: number; page: number; pagesize: number; pages: number }> {
    const [runs, total] = await this.db.getRepository(PushRun).findAndCount({
      where: { pushId },
      order: { slotAt: 'DESC', id: 'DESC' },
      skip: (page - 1) * pagesize,
      take: pagesize,
    });
    const batches = await this.runs.listBatches(runs.map((r) => r.id));
    const tasks = await this.memberTasks(runs.map((r) => r.id));
    return {
      data: runs.map((r) => {
        const own = batches.filter((b) => b.runId === r.id);
        return { ...toRunView(r, own), senders: sendersOf(own, tasks.get(r.id) ?? []) };
      }),
      total,
      page,
      pagesize,
      pages: Math.ceil(total / pagesize),
    };
  }

  /** The member tasks of the runs' batches, as tracking and the deadline recorded them. */
  private async memberTasks(runIds: number[]): Promise<Map<number, MemberTaskRow[]>> {
    const byRun = new Map<number, MemberTaskRow[]>();
    if (runIds.length === 0) return byRun;
    const rows: (MemberTaskRow & { run_id: number })[] = await this.db.query(
      `SELECT run_id, batch_id, userid, status, reminded_at IS NOT NULL AS reminded,
              cancelled_at IS NOT NULL AS cancelled
         FROM wechat_push_member_tasks WHERE run_id IN (?)`,
      [runIds],
    );
    for (const r of rows) {
      const list = byRun.get(r.run_id) ?? [];
      list.push(r);
      byRun.set(r.run_id, list);
    }
    return byRun;
  }

  /**
   * An operator's decision to send an `unknown`, `safe_to_resend` or `failed` batch again
   * (an `unknown` one after checking WeCom, or after the worker found it absent there:
   * `safe_to_resend`). A `sent` batch is refused. The batch keeps its recipients;
   * a new job id makes the queue take it although the first job ran.
   */
  async resend(
    batchId: number,
    operatorId: number,
    confirmed = false,
  ): Promise<{ batchId: number; resends: number }> {
    const batch = await this.runs.findBatch(batchId);
    if (!batch) throw AppException.notFound('推送批次', 'batchId');
    // A batch above APPROVAL_CONFIRM_ABOVE recipients waits for a second approver, like a trigger.
    const threshold = this.config.APPROVAL_CONFIRM_ABOVE;
    if (!confirmed && threshold > 0 && batch.recipientCount > threshold) {
      const run = await this.runs.findRun(batch.runId);
      await this.askConfirmation(
        { kind: 'resend', pushId: Number(run?.pushId), size: batch.recipientCount, batchId },
        operatorId,
      );
    }
    const now = this.clock.now();
    // An `unknown` batch's last attempt may still get WeCom's answer until its call's timeout
    // (and a margin) has passed: a resend before then could create the task twice.
    const until = inFlightUntil(batch.sendingAt, this.config.WECOM_TIMEOUT_MS);
    if (batch.state === BatchState.UNKNOWN && now.getTime() < until) {
      throw new AppException(ErrorCode.INVALID_STATE, '上一次发送可能仍在进行中，请稍后再重发', [
        {
          field: 'batchId',
          message: `the last attempt may still be in flight until ${formatDateTime(new Date(until))}; resend after that`,
        },
      ]);
    }
    const moved = await this.runs.transaction(async (em) => {
      const ok = await this.runs.transitionBatch(
        batch.id,
        [BatchState.UNKNOWN, BatchState.SAFE_TO_RESEND, BatchState.FAILED],
        BatchState.PENDING,
        now,
        { resends: batch.resends + 1, errcode: null, errmsg: null, finishedAt: null },
        em,
      );
      if (ok) {
        // A failed batch gave its reservations back: its customers are reserved again.
        await this.ledger.reclaimBatch(em, batch.id, now);
        await this.runs.transitionRun(
          batch.runId,
          [RunState.COMPLETED, RunState.SENDING],
          RunState.SENDING,
          now,
          { finishedAt: null },
          em,
        );
      }
      return ok;
    });
    if (!moved) {
      throw new AppException(ErrorCode.INVALID_STATE, `批次状态为 ${batch.state}，不能重发`, [
        {
          field: 'batchId',
          message: `only unknown, safe_to_resend or failed batches can be resent; this one is ${batch.state}`,
        },
      ]);
    }
    await this.queues.ensure(JobName.SEND_BATCH, batchJobId(batch.id, batch.resends + 1), {
      batchId: batch.id,
      runId: batch.runId,
    });
    this.logger.log({ msg: 'batch resend requested', batchId, resends: batch.resends + 1 });
    return { batchId: batch.id, resends: batch.resends + 1 };
  }

  /**
   * Stops a run: batches not yet sent are cancelled, and WeCom tasks already created are
   * cancelled with cancel_groupmsg_send (messages members already sent cannot be recalled).
   */
  async cancel(runId: number): Promise<CancelReport> {
    const run = await this.runs.findRun(runId);
    if (!run) throw AppException.notFound('执行记录', 'runId');
    const now = this.clock.now();
    const open = [RunState.PENDING, RunState.SELECTING, RunState.SENDING, RunState.COMPLETED];
    if (
      !(await this.runs.transitionRun(run.id, open, RunState.CANCELLED, now, {
        reason: 'cancelled by an operator',
      }))
    ) {
      throw new AppException(ErrorCode.INVALID_STATE, `执行状态为 ${run.state}，不能取消`, [
        { field: 'runId', message: `a ${run.state} run cannot be cancelled` },
      ]);
    }
    let cancelledBatches = 0;
    for (const b of await this.runs.findBatchIds(run.id, [
      BatchState.FILLING,
      BatchState.PENDING,
    ])) {
      if (
        await this.runs.transitionBatch(
          b.id,
          [BatchState.FILLING, BatchState.PENDING],
          BatchState.CANCELLED,
          now,
          {
            errmsg: 'run cancelled',
          },
        )
      ) {
        cancelledBatches++;
      }
    }
    const report: CancelReport = {
      runId: run.id,
      cancelledBatches,
      cancelledTasks: [],
      taskCancelFailures: [],
    };
    const sent = (await this.runs.listBatches([run.id])).filter(
      (b) => b.state === BatchState.SENT && b.msgid,
    );
    for (const b of sent) {
      const msgid = b.msgid as string;
      try {
        await this.wecom.cancelGroupMsgSend(msgid);
        report.cancelledTasks.push(msgid);
      } catch (e) {
        report.taskCancelFailures.push({
          msgid,
          errcode: e instanceof WecomError ? e.errcode : null,
          errmsg: e instanceof WecomError ? e.errmsg : 'cancel failed',
        });
      }
    }
    await this.runs.completeRunIfDone(run.id, now);
    return report;
  }
}

interface MemberTaskRow {
  batch_id: number;
  userid: string;
  status: number;
  reminded: number;
  cancelled: number;
}

/**
 * A run's senders: its batches grouped by their sender, with the member tasks of each. A
 * batch without a sender (WeCom assigned) counts its members' tasks under each member.
 */
function sendersOf(batches: PushBatch[], tasks: MemberTaskRow[]): RunSenderView[] {
  const views = new Map<string, RunSenderView>();
  const view = (sender: string | null) => {
    const key = sender ?? '';
    let v = views.get(key);
    if (!v) {
      v = {
        sender,
        batches: 0,
        recipients: 0,
        accepted: 0,
        sentTasks: 0,
        pendingTasks: 0,
        remindedTasks: 0,
        cancelledTasks: 0,
      };
      views.set(key, v);
    }
    return v;
  };
  const senderOfBatch = new Map(batches.map((b) => [b.id, b.sender]));
  for (const b of batches) {
    const v = view(b.sender);
    v.batches++;
    v.recipients += b.recipientCount;
    if (b.state === BatchState.SENT) v.accepted += b.recipientCount - b.failCount;
  }
  for (const t of tasks) {
    const v = view(senderOfBatch.get(t.batch_id) ?? t.userid);
    if (Number(t.status) === 2) v.sentTasks++;
    else v.pendingTasks++;
    if (Number(t.reminded)) v.remindedTasks++;
    if (Number(t.cancelled)) v.cancelledTasks++;
  }
  return [...views.values()].sort((a, b) =>
    (a.sender ?? '\uffff').localeCompare(b.sender ?? '\uffff'),
  );
}

function toRunView(r: PushRun, batches: PushBatch[]): Omit<RunView, 'senders'> {
  return {
    id: r.id,
    kind: r.kind,
    slotAt: formatDateTime(r.slotAt),
    state: r.state,
    reason: r.reason,
    ruleName: r.ruleName,
    audienceCount: r.audienceCount,
    controlCount: r.controlCount,
    // Runs recorded before a reason existed lack its key: counted 0.
    excluded: addExclusions(
      noExclusions(),
      r.excluded ? (JSON.parse(r.excluded) as Partial<ExclusionCounts>) : {},
    ),
    forced: r.forced,
    ruleVersion: r.ruleVersion === null ? null : Number(r.ruleVersion),
    batchCount: r.batchCount,
    sentBatches: r.sentBatches,
    failedBatches: r.failedBatches,
    unknownBatches: r.unknownBatches,
    acceptedCount: r.acceptedCount,
    failCount: r.failCount,
    startedAt: fmt(r.startedAt),
    finishedAt: fmt(r.finishedAt),
    senderMode: r.senderMode,
    senderFallback: r.senderFallback,
    executionDeadlineHours:
      r.executionDeadlineHours === null ? null : Number(r.executionDeadlineHours),
    batches: batches.map((b) => ({
      id: b.id,
      batchNo: b.batchNo,
      variant: variantKey(b.variant),
      sender: b.sender,
      state: b.state,
      recipientCount: b.recipientCount,
      attempts: b.attempts,
      resends: b.resends,
      msgid: b.msgid,
      errcode: b.errcode,
      errmsg: b.errmsg,
      failCount: b.failCount,
      finishedAt: fmt(b.finishedAt),
    })),
  };
}
