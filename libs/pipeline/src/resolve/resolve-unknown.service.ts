import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@app/common';
import { WecomClient } from '@app/wecom';
import { BatchState } from '../entities/push-batch.entity';
import { WecomCallBudget } from '../delivery/wecom-call-budget';
import { PipelineQueues } from '../pipeline-queues.service';
import { PushRunRepository } from '../push-run.repository';
import { messageOf, SendBatchService } from '../send-batch.service';
import { inFlightUntil } from './in-flight';
import { matchRecipients, sameContent } from './task-match';

/** WeCom lists a task a little before or after the instant our attempt began. */
const LIST_MARGIN_MS = 5 * 60_000;
/** A worker re-asks WeCom about a batch it could not decide at most this often. */
const RECHECK_MS = 60_000;
/** Batches checked per round (each costs a list call and a few task calls). */
const PER_ROUND = 20;

type Resolution = 'sent' | 'safe_to_resend' | 'undecided';

interface ResolveReport {
  checked: number;
  sent: number;
  safeToResend: number;
  undecided: number;
}

/**
 * Automatic resolution of `unknown` batches (issue 18). Once a batch's in-flight window has
 * passed (no answer can arrive any more) and WeCom has had UNKNOWN_SETTLE_SECONDS to list the
 * task, a worker lists the corp's tasks created around the attempt (get_groupmsg_list_v2),
 * keeps those with the batch's content, and compares their recipients
 * (get_groupmsg_task → get_groupmsg_send_result) with the batch's: a task holding only this
 * batch's recipients is its task — the batch becomes `sent` with that msgid (its fail_list
 * the recipients the task lacks); none → `safe_to_resend`. A task another batch already
 * holds is skipped. Nothing is ever resent automatically: an operator resends a
 * `safe_to_resend` batch with one click. Every call counts in the shared WeCom rate limit;
 * each check is claimed in MySQL, so replicas do not ask twice.
 */
@Injectable()
export class ResolveUnknownService {
  private readonly logger = new Logger(ResolveUnknownService.name);
  private readonly budget: WecomCallBudget;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly runs: PushRunRepository,
    private readonly wecom: WecomClient,
    private readonly send: SendBatchService,
    queues: PipelineQueues,
  ) {
    this.budget = new WecomCallBudget(queues, config.WECOM_MAX_CALLS_PER_SECOND);
  }

  /** One round: every `unknown` batch whose window and settling delay have passed. */
  async resolveDue(): Promise<ResolveReport> {
    const now = this.clock.now();
    const waitMs =
      inFlightUntil(new Date(0), this.config.WECOM_TIMEOUT_MS) +
      this.config.UNKNOWN_SETTLE_SECONDS * 1000;
    const due = await this.runs.unknownBatchesDue(
      new Date(now.getTime() - waitMs),
      new Date(now.getTime() - RECHECK_MS),
      PER_ROUND,
    );
    const report: ResolveReport = { checked: 0, sent: 0, safeToResend: 0, undecided: 0 };
    for (const b of due) {
      if (!(await this.runs.claimResolveCheck(b.id, now, new Date(now.getTime() - RECHECK_MS))))
        continue;
      report.checked++;
      const outcome = await this.resolve(b.id).catch((e: unknown) => {
        this.logger.warn({ msg: 'unknown batch not resolved yet', batchId: b.id, err: String(e) });
        return 'undecided' as const;
      });
      if (outcome === 'sent') report.sent++;
      else if (outcome === 'safe_to_resend') report.safeToResend++;
      else report.undecided++;
    }
    if (report.checked > 0) this.logger.log({ msg: 'unknown batches checked', ...report });
    return report;
  }

  /** Decides one `unknown` batch against WeCom's task list (see the class). */
  async resolve(batchId: number): Promise<Resolution> {
    const batch = await this.runs.findBatch(batchId);
    if (batch?.state !== BatchState.UNKNOWN || !batch.sendingAt) return 'undecided';
    const run = await this.runs.findRun(batch.runId);
    if (!run) return 'undecided';
    const recipients = await this.runs.recipientsOf(batch.id);
    const message = messageOf(run, batch.variant);
    const window = {
      from: new Date(batch.sendingAt.getTime() - LIST_MARGIN_MS),
      to: new Date(inFlightUntil(batch.sendingAt, this.config.WECOM_TIMEOUT_MS) + LIST_MARGIN_MS),
    };
    const beforeCall = () => this.budget.take();
    for await (const page of this.wecom.listGroupMsgs(window, { beforeCall })) {
      const candidates = page.filter((t) => sameContent(t, message));
      const taken = await this.runs.msgidsTaken(candidates.map((t) => t.msgid));
      for (const task of candidates) {
        if (taken.has(task.msgid)) continue;
        const verdict = matchRecipients(recipients, await this.recipientsOfTask(task.msgid));
        if (!verdict.match) continue;
        const marked = await this.send.recordAccepted(
          { id: batch.id, runId: batch.runId, resends: batch.resends },
          run,
          {
            external_userid: recipients,
            content: message.content,
            attachments: message.attachments,
            add: {
              errcode: 0,
              errmsg: 'found in WeCom task list (get_groupmsg_list_v2) after an unanswered call',
              fail_list: verdict.failList,
              msgid: task.msgid,
            },
          },
          'task_list',
        );
        return marked ? 'sent' : 'undecided';
      }
    }
    const moved = await this.runs.transitionBatch(
      batch.id,
      [BatchState.UNKNOWN],
      BatchState.SAFE_TO_RESEND,
      this.clock.now(),
      {
        errmsg:
          'no WeCom task with this content and these recipients was created (checked with get_groupmsg_list_v2); safe to resend',
      },
    );
    if (!moved) return 'undecided';
    this.logger.warn({ msg: 'batch safe to resend', batchId: batch.id, runId: batch.runId });
    await this.runs.completeRunIfDone(batch.runId, this.clock.now(), true);
    return 'safe_to_resend';
  }

  /**
   * Every customer of a task, over its members' send results. WeCom answers 41063 while the
   * task is still being dispatched: that throws, and the batch is asked about next round.
   */
  private async recipientsOfTask(msgid: string): Promise<string[]> {
    const beforeCall = () => this.budget.take();
    const ids: string[] = [];
    for await (const tasks of this.wecom.getGroupMsgTask(msgid, { beforeCall })) {
      for (const t of tasks) {
        for await (const rows of this.wecom.getGroupMsgSendResult(msgid, t.userid, {
          beforeCall,
        })) {
          for (const r of rows) ids.push(r.external_userid);
        }
      }
    }
    return ids;
  }
}
