import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@app/common';
import { GroupMsgTask, WecomClient, WecomError, WecomRetryableError } from '@app/wecom';
import { PipelineQueues } from '../pipeline-queues.service';
import { DeliveryRepository } from './delivery.repository';
import { WecomCallBudget } from './wecom-call-budget';

/** Tasks handled per round; the rest wait for the next (RECONCILE_INTERVAL_SECONDS). */
const PER_ROUND = 20;

interface DeadlineReport {
  reminded: number;
  cancelled: number;
  /** Steps that found every member sent, hit the reminder limit, or failed. */
  other: number;
}

/**
 * A rule's execution deadline (issue 22, docs/PIPELINE.md "Execution deadline"): each sent task
 * of a run with `executionDeadlineHours` carries, on its tracking row, a reminder point
 * (DEADLINE_REMIND_PERCENT of the window) and the deadline. Every worker, every
 * RECONCILE_INTERVAL_SECONDS, asks MySQL which are due: at the reminder point the members
 * still not sent are reminded (within WeCom's 3 per task per 24 h, shared with the tracking's
 * reminders), at the deadline the task is cancelled; each member's state is recorded
 * (`wechat_push_member_tasks`). Each step is claimed by a conditional update, so replicas do
 * it once; a step WeCom surely did not act on is given back for the next round. Nothing lives
 * in Redis, so a restart or a flushed Redis loses no deadline.
 */
@Injectable()
export class TaskDeadlineService {
  private readonly logger = new Logger(TaskDeadlineService.name);
  private readonly budget: WecomCallBudget;
  private readonly metered = { beforeCall: () => this.budget.take() };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repo: DeliveryRepository,
    private readonly wecom: WecomClient,
    queues: PipelineQueues,
  ) {
    this.budget = new WecomCallBudget(queues, config.WECOM_MAX_CALLS_PER_SECOND);
  }

  async sweepDue(): Promise<DeadlineReport> {
    const report: DeadlineReport = { reminded: 0, cancelled: 0, other: 0 };
    const now = this.clock.now();
    for (const task of await this.repo.deadlinesDue(now, PER_ROUND)) {
      if (!(await this.repo.claimDeadlineStep(task.batchId, task.step, now))) continue;
      try {
        const outcome = await this.step(task.batchId, task.msgid, task.step, now);
        await this.repo.settleDeadlineStep(task.batchId, task.step, outcome.text, now);
        if (outcome.acted) report[task.step === 'remind' ? 'reminded' : 'cancelled']++;
        else report.other++;
        this.logger.log({
          msg: `deadline ${task.step}`,
          batchId: task.batchId,
          outcome: outcome.text,
        });
      } catch (e) {
        report.other++;
        if (e instanceof WecomRetryableError || !(e instanceof WecomError)) {
          // WeCom did nothing (or MySQL failed before the call's result was known): next round.
          await this.repo.releaseDeadlineStep(task.batchId, task.step).catch(() => undefined);
        } else {
          await this.repo.settleDeadlineStep(task.batchId, task.step, `errcode ${e.errcode}`, now);
        }
        this.logger.warn({
          msg: `deadline ${task.step} failed`,
          batchId: task.batchId,
          err: String(e),
        });
      }
    }
    return report;
  }

  private async step(
    batchId: number,
    msgid: string,
    step: 'remind' | 'cancel',
    now: Date,
  ): Promise<{ acted: boolean; text: string }> {
    // Who has sent, as WeCom says now.
    const members: GroupMsgTask[] = [];
    for await (const page of this.wecom.getGroupMsgTask(msgid, this.metered)) members.push(...page);
    await this.repo.recordMembers(batchId, members, now);
    const pending = members.filter((m) => m.status === 0).length;
    if (pending === 0) return { acted: false, text: 'every member had sent' };
    if (step === 'remind') {
      const claim = await this.repo.claimReminder(
        batchId,
        msgid,
        now,
        this.config.REMIND_MAX_PER_DAY,
        0,
      );
      if (claim === null) return { acted: false, text: 'reminder limit reached' };
      try {
        await this.budget.take();
        await this.wecom.remindGroupMsgSend(msgid);
      } catch (e) {
        if (e instanceof WecomRetryableError) await this.repo.releaseReminder(claim);
        else
          await this.repo.settleReminder(
            claim,
            e instanceof WecomError ? `errcode ${e.errcode}` : 'error',
          );
        throw e;
      }
      await this.repo.settleReminder(claim, 'ok');
      await this.repo.markPendingMembers(batchId, 'reminded_at', now);
      return { acted: true, text: `reminded ${pending} member(s) before the deadline` };
    }
    await this.budget.take();
    const answer = await this.wecom.cancelGroupMsgSend(msgid);
    await this.repo.markPendingMembers(batchId, 'cancelled_at', now);
    return {
      acted: true,
      text: `${answer === 'cancelled' ? 'cancelled' : 'already cancelled'} at the deadline: ${pending} member(s) had not sent`,
    };
  }
}
