import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@app/common';
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
import { PushRunRepository } from './push-run.repository';
import { SendBatchPayload } from './queue.contracts';

/** Thrown to make the queue retry a batch later (WeCom surely did not create the task). */
export class RetryBatchLater extends Error {
  constructor(
    readonly error: WecomRetryableError,
    readonly retryAfterMs: number,
  ) {
    super(`retryable: ${error.message}`);
    this.name = 'RetryBatchLater';
  }
}

export type SendOutcome = BatchState | 'skipped';

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
    private readonly clock: Clock,
    private readonly runs: PushRunRepository,
    private readonly wecom: WecomClient,
  ) {}

  /** `lastAttempt`: no retry follows this one, so a retryable error ends as `failed`. */
  async send(p: SendBatchPayload, lastAttempt: boolean): Promise<SendOutcome> {
    const batch = await this.runs.findBatch(p.batchId);
    if (!batch) return 'skipped';
    if (batch.state === BatchState.SENDING) {
      await this.finish(batch, BatchState.SENDING, BatchState.UNKNOWN, {
        errmsg:
          'an earlier attempt stopped during the WeCom call; it may have been sent — not resent automatically',
      });
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
      return this.onError(batch, e, lastAttempt);
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
    await this.runs.markSent(
      { id: batch.id, runId: batch.runId },
      { pushId: run.pushId, name: run.ruleName },
      result,
      now,
    );
    await this.runs.completeRunIfDone(batch.runId, now);
    this.logger.log({
      msg: 'batch sent',
      batchId: batch.id,
      runId: batch.runId,
      msgid: answer.msgid,
    });
    return BatchState.SENT;
  }

  private async onError(batch: PushBatch, e: unknown, lastAttempt: boolean): Promise<SendOutcome> {
    const wecom = e instanceof WecomError ? e : undefined;
    const detail = {
      errcode: wecom?.errcode ?? null,
      errmsg: (wecom ? wecom.errmsg : e instanceof Error ? e.message : String(e)).slice(0, 512),
    };
    if (e instanceof WecomRetryableError && !lastAttempt) {
      await this.runs.transitionBatch(
        batch.id,
        [BatchState.SENDING],
        BatchState.PENDING,
        this.clock.now(),
        detail,
      );
      this.logger.warn({
        msg: 'batch will be retried',
        batchId: batch.id,
        ...detail,
        retryAfterMs: e.retryAfterMs,
      });
      throw new RetryBatchLater(e, e.retryAfterMs);
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
    await this.runs.completeRunIfDone(batch.runId, now);
  }
}
