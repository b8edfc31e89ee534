import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@app/common';
import { WechatPushResultJson } from '@app/push-config';
import {
  WecomAttachment,
  WecomClient,
  WecomError,
  WecomFatalError,
  WecomRetryableError,
} from '@app/wecom';
import { BatchState, PushBatch } from './entities/push-batch.entity';
import { PushRun, RunState } from './entities/push-run.entity';
import { TrackDeliveryService } from './delivery/track-delivery.service';
import { PushRunRepository } from './push-run.repository';
import { SendBatchPayload } from './queue.contracts';
import { AnswerJournal, JournaledAnswer } from './resolve/answer-journal';

/** The batch went back to `pending`; the queue should run it again after `retryInMs`. */
export interface RetryLater {
  retryInMs: number;
}

export type SendOutcome = BatchState | 'skipped' | RetryLater;

/**
 * Exponential from 1 s, or WeCom's own wait when it named a longer one (45009 blocks for
 * the rest of its minute), capped.
 */
function retryDelayMs(attempt: number, retryAfterMs: number, capMs: number): number {
  return Math.min(capMs, Math.max(1_000 * 2 ** Math.max(0, attempt - 1), retryAfterMs));
}

/**
 * The exactly-once protocol of SPEC §6 for one batch:
 *   pending ─claim→ sending ─WeCom accepted→ sent (+ msgid, fail_list, wechat_push_results row)
 *                          ─retryable error→ pending (the queue retries with back-off)
 *                          ─ambiguous (timeout/reset after the request left)→ unknown
 *                          ─fatal, or retries exhausted→ failed
 * A batch found in `sending` at the start of an attempt belonged to an attempt that died
 * during the call: WeCom may have created the task, so it becomes `unknown`, never resent
 * automatically — unless that attempt journaled WeCom's answer (it is recorded) or journaled
 * that it stopped before calling (the claim is released and the batch sent). Every transition
 * is conditional, so two workers cannot both send it.
 */
@Injectable()
export class SendBatchService {
  private readonly logger = new Logger(SendBatchService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly runs: PushRunRepository,
    private readonly wecom: WecomClient,
    private readonly delivery: TrackDeliveryService,
    private readonly answers: AnswerJournal,
  ) {}

  /**
   * Attempts are counted in MySQL (not by the queue), so a batch makes at most
   * BATCH_MAX_ATTEMPTS calls whatever happens to its jobs.
   */
  async send(p: SendBatchPayload): Promise<SendOutcome> {
    this.logger.debug({ msg: 'batch job started', batchId: p.batchId, runId: p.runId });
    const batch = await this.runs.findBatch(p.batchId);
    if (!batch) return 'skipped';
    if (batch.state === BatchState.SENDING) {
      // The attempt that died may have had WeCom's answer and lost only the MySQL write.
      const journaled = await this.answers.find(batch.id, batch.resends);
      if (journaled) return this.replay(journaled);
      if (await this.releaseUncalledClaim(batch.id)) return this.send(p);
      const errmsg =
        'an earlier attempt stopped during the WeCom call; it may have been sent — not resent automatically';
      await this.finish(batch, BatchState.SENDING, BatchState.UNKNOWN, { errmsg });
      // The same line as an ambiguous answer: operators alert on it.
      this.logger.error({ msg: 'batch unknown', batchId: batch.id, runId: batch.runId, errmsg });
      return BatchState.UNKNOWN;
    }
    if (batch.state !== BatchState.PENDING) return batch.state;

    const run = await this.runs.findRun(batch.runId);
    if (!run || run.state === RunState.CANCELLED) {
      await this.finish(batch, BatchState.PENDING, BatchState.CANCELLED, {
        errmsg: 'run cancelled',
      });
      return BatchState.CANCELLED;
    }
    // Read before the claim: a failure here (MySQL away) leaves the batch pending and the job
    // is retried — only from the claim on may the request have left.
    const recipients = await this.runs.recipientsOf(batch.id);
    const { content, attachments } = messageOf(run, batch.variant);
    const token = randomUUID();
    let claimed: boolean;
    try {
      claimed = await this.runs.claimBatch(batch.id, this.clock.now(), token);
    } catch (e) {
      // MySQL may have committed the claim and lost only its answer: the batch would sit in
      // `sending` with no call made. Say so for the retry (see AnswerJournal.recordUncalled).
      await this.answers.recordUncalled(batch.id, token);
      throw e;
    }
    if (!claimed) return 'skipped';
    this.logger.debug({ msg: 'batch claimed', batchId: batch.id, runId: batch.runId });

    let answer;
    try {
      answer = await this.wecom.addMsgTemplate({
        externalUserIds: recipients,
        // An owner run's batch is one store guide's task; otherwise WeCom assigns.
        ...(batch.sender ? { sender: batch.sender } : {}),
        text: content || undefined,
        attachments,
      });
    } catch (e) {
      return this.onError(batch, e, batch.attempts + 1);
    }

    const result: WechatPushResultJson = {
      external_userid: recipients,
      content,
      attachments,
      add: {
        errcode: answer.errcode,
        errmsg: answer.errmsg,
        fail_list: answer.fail_list,
        msgid: answer.msgid,
      },
    };
    const fence = { id: batch.id, runId: batch.runId, resends: batch.resends };
    // Durable before the row: a MySQL failure now leaves the answer for the retry to record.
    await this.answers.record({
      batchId: batch.id,
      resends: batch.resends,
      result,
      at: this.clock.now().toISOString(),
    });
    await this.recordAccepted(fence, run, result, 'answer');
    return BatchState.SENT;
  }

  /**
   * A batch in `sending` whose latest claim is journaled as never having called WeCom goes
   * back to `pending` (true): the caller sends it. Used by the job's retry and the reconcile.
   */
  async releaseUncalledClaim(batchId: number): Promise<boolean> {
    const batch = await this.runs.findBatch(batchId);
    if (batch?.state !== BatchState.SENDING || !batch.claimToken) return false;
    if (!(await this.answers.isUncalled(batch.id, batch.claimToken))) return false;
    const released = await this.runs.releaseUncalledClaim(
      batch.id,
      batch.claimToken,
      this.clock.now(),
    );
    await this.answers.clearUncalled(batch.id);
    if (released) {
      this.logger.warn({
        msg: 'batch claim released: its attempt stopped before calling WeCom',
        batchId: batch.id,
        runId: batch.runId,
      });
    }
    return released;
  }

  /**
   * Records a journaled answer whose MySQL write failed (the job's retry, or a reconcile);
   * an entry whose batch moved on — recorded, resent since, cancelled — is only cleared.
   */
  async replay(entry: JournaledAnswer): Promise<SendOutcome> {
    const batch = await this.runs.findBatch(entry.batchId);
    if (
      !batch ||
      batch.resends !== entry.resends ||
      (batch.state !== BatchState.SENDING && batch.state !== BatchState.UNKNOWN)
    ) {
      await this.answers.clear(entry.batchId);
      return batch?.state ?? 'skipped';
    }
    const run = await this.runs.findRun(batch.runId);
    if (!run) return 'skipped';
    const marked = await this.recordAccepted(
      { id: batch.id, runId: batch.runId, resends: batch.resends },
      run,
      entry.result,
      'journal',
    );
    return marked ? BatchState.SENT : batch.state;
  }

  /**
   * WeCom created the batch's task: `sent` with its msgid and fail_list (from `sending`, or
   * from `unknown` when the doubt is settled later), then what follows a send — cancel it if
   * its run was cancelled meanwhile, start delivery tracking, complete the run. `source` says
   * how the answer was learnt: WeCom's reply, the answer journal, or WeCom's task list.
   */
  async recordAccepted(
    batch: { id: number; runId: number; resends: number },
    run: PushRun,
    result: WechatPushResultJson,
    source: 'answer' | 'journal' | 'task_list',
  ): Promise<'sent' | 'late' | false> {
    const now = this.clock.now();
    const marked = await this.runs.markSent(
      batch,
      { pushId: run.pushId, name: run.ruleName },
      result,
      now,
    );
    await this.answers.clear(batch.id);
    if (!marked) return false;
    const msgid = result.add.msgid;
    // Logged before the run can complete, so a run seen completed has all its lines out.
    this.logger.log({
      msg: 'batch sent',
      batchId: batch.id,
      runId: batch.runId,
      msgid,
      // Recorded unknown meanwhile (its job lost or taken over), now known to be sent.
      ...(marked === 'late' ? { late: true } : {}),
      ...(source !== 'answer' ? { source } : {}),
    });
    // An operator cancelled the run during the call: cancel the task WeCom just created.
    await this.cancelIfRunCancelled(batch.runId, msgid);
    // --- delivery tracking hook (issue #6) ---------------------------------------------
    // Cheap (a task row and a job); the job writes the recipient rows off the send path.
    // The batch is sent whatever happens here: a failure must not fail the job (a retry
    // would find it sent and stop); the hourly reconcile creates what is missing.
    await this.delivery.onBatchSent(batch.id).catch((e: unknown) =>
      this.logger.error({
        msg: 'delivery tracking not started',
        batchId: batch.id,
        err: String(e),
      }),
    );
    // -------------------------------------------------------------------------------------
    await this.completeRunIfDone(batch.runId, now, marked === 'late');
    return marked;
  }

  /** A batch that was in flight when an operator cancelled its run: stop its WeCom task too. */
  private async cancelIfRunCancelled(runId: number, msgid: string): Promise<void> {
    const run = await this.runs.findRun(runId);
    if (run?.state !== RunState.CANCELLED) return;
    try {
      await this.wecom.cancelGroupMsgSend(msgid);
      this.logger.log({ msg: 'task of a cancelled run cancelled', runId, msgid });
    } catch (e) {
      this.logger.error({
        msg: 'could not cancel the task of a cancelled run',
        runId,
        msgid,
        err: String(e),
      });
    }
  }

  private async onError(batch: PushBatch, e: unknown, attempt: number): Promise<SendOutcome> {
    const wecom = e instanceof WecomError ? e : undefined;
    const detail = {
      errcode: wecom?.errcode ?? null,
      errmsg: (wecom ? wecom.errmsg : e instanceof Error ? e.message : String(e)).slice(0, 512),
    };
    if (e instanceof WecomRetryableError && attempt < this.config.BATCH_MAX_ATTEMPTS) {
      await this.runs.transitionBatch(
        batch.id,
        [BatchState.SENDING],
        BatchState.PENDING,
        this.clock.now(),
        detail,
      );
      const retryInMs = retryDelayMs(attempt, e.retryAfterMs, this.config.BATCH_RETRY_MAX_DELAY_MS);
      this.logger.warn({
        msg: 'batch will be retried',
        batchId: batch.id,
        attempt,
        retryInMs,
        ...detail,
      });
      return { retryInMs };
    }
    // Surely not created: a fatal answer, or a retryable one with no retry left. Anything
    // else (a timeout after the request left, an error we cannot classify) may have been.
    const to =
      e instanceof WecomFatalError || e instanceof WecomRetryableError
        ? BatchState.FAILED
        : BatchState.UNKNOWN;
    await this.finish(batch, BatchState.SENDING, to, detail);
    this.logger.error({ msg: `batch ${to}`, batchId: batch.id, ...detail });
    return to;
  }

  private async finish(
    batch: PushBatch,
    from: BatchState,
    to: BatchState,
    patch: Partial<PushBatch>,
  ): Promise<void> {
    const now = this.clock.now();
    await this.runs.transitionBatch(batch.id, [from], to, now, patch);
    await this.completeRunIfDone(batch.runId, now);
  }

  private async completeRunIfDone(runId: number, now: Date, recount = false): Promise<void> {
    if (await this.runs.completeRunIfDone(runId, now, recount)) {
      this.logger.log({ msg: 'run finished', runId });
    }
  }
}

/**
 * The message a batch of content variant `variant` sends: the run's own content and
 * attachments for A (0), else the variant's as the run stored them when it selected. A
 * variant the run has no message for (its rule was edited during a retried selection)
 * sends A's.
 */
export function messageOf(
  run: PushRun,
  variant: number,
): { content: string; attachments: WecomAttachment[] } {
  if (variant > 0 && run.variantMessages) {
    const m = (
      JSON.parse(run.variantMessages) as {
        content: string | null;
        attachments: WecomAttachment[];
      }[]
    )[variant - 1];
    if (m) return { content: m.content ?? '', attachments: m.attachments ?? [] };
  }
  return { content: run.content ?? '', attachments: (run.attachments ?? []) as WecomAttachment[] };
}
