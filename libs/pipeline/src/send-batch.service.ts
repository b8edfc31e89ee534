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
import { RunState } from './entities/push-run.entity';
import { TrackDeliveryService } from './delivery/track-delivery.service';
import { PushRunRepository } from './push-run.repository';
import { SendBatchPayload } from './queue.contracts';

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
 * automatically. Every transition is conditional, so two workers cannot both send it.
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
    if (!(await this.runs.claimBatch(batch.id, this.clock.now()))) return 'skipped';
    this.logger.debug({ msg: 'batch claimed', batchId: batch.id, runId: batch.runId });

    const recipients = await this.runs.recipientsOf(batch.id);
    const attachments = (run.attachments ?? []) as WecomAttachment[];
    const content = run.content ?? '';
    let answer;
    try {
      answer = await this.wecom.addMsgTemplate({
        externalUserIds: recipients,
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
    const now = this.clock.now();
    const marked = await this.runs.markSent(
      { id: batch.id, runId: batch.runId },
      { pushId: run.pushId, name: run.ruleName },
      result,
      now,
    );
    // Logged before the run can complete, so a run seen completed has all its lines out.
    this.logger.log({
      msg: 'batch sent',
      batchId: batch.id,
      runId: batch.runId,
      msgid: answer.msgid,
      // Recorded unknown meanwhile (its job lost or taken over), now known to be sent.
      ...(marked === 'late' ? { late: true } : {}),
    });
    // An operator cancelled the run during the call: cancel the task WeCom just created.
    await this.cancelIfRunCancelled(batch.runId, answer.msgid);
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
    return BatchState.SENT;
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
