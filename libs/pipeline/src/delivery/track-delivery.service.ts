import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@app/common';
import { ContactLedger } from '@app/contact-policy';
import { GroupMsgTask, WecomClient, WecomError, WecomRetryableError } from '@app/wecom';
import { RunState } from '../entities/push-run.entity';
import { PipelineQueues } from '../pipeline-queues.service';
import { deliveryJobId, JobName } from '../queue.contracts';
import { DeliveryRepository, DeliveryTaskState } from './delivery.repository';
import { decideAfterPoll, DeliveryTiming } from './delivery-policy';
import { WecomCallBudget } from './wecom-call-budget';

/** Poll again after `nextInMs`; otherwise the task's tracking ended (or there is none). */
export type TrackOutcome = { nextInMs: number } | DeliveryTaskState | 'skipped';

interface PollReport {
  senders: number;
  pendingSenders: number;
  resultRows: number;
  changedRows: number;
}

/** Shortest wait after WeCom said "try later" (41063 still dispatching, rate limits). */
const MIN_RETRY_MS = 60_000;
/** How often a batch whose run is still sending checks again before writing its rows. */
const ROWS_RECHECK_MS = 15_000;
const OPEN_RUN_STATES: readonly RunState[] = [
  RunState.PENDING,
  RunState.SELECTING,
  RunState.SENDING,
];

/**
 * Follows a sent batch's WeCom task (SPEC §6): after DELIVERY_POLL_DELAY_MINUTES and then
 * every DELIVERY_POLL_INTERVAL_MINUTES until every recipient has a final status or
 * DELIVERY_POLL_MAX_HOURS pass, pages through get_groupmsg_task and, for every member,
 * get_groupmsg_send_result — all pages, all members — storing each recipient's status and
 * send time; reminds members who have not sent. State lives in MySQL; the queue job only
 * says "look at batch N now".
 */
@Injectable()
export class TrackDeliveryService {
  private readonly logger = new Logger(TrackDeliveryService.name);
  /** Every WeCom call of tracking counts against WECOM_MAX_CALLS_PER_SECOND with the sends. */
  private readonly budget: WecomCallBudget;
  private readonly metered = { beforeCall: () => this.budget.take() };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repo: DeliveryRepository,
    private readonly queues: PipelineQueues,
    private readonly wecom: WecomClient,
    private readonly ledger: ContactLedger,
  ) {
    this.budget = new WecomCallBudget(queues, config.WECOM_MAX_CALLS_PER_SECOND);
  }

  private get timing(): DeliveryTiming {
    return {
      pollIntervalMinutes: this.config.DELIVERY_POLL_INTERVAL_MINUTES,
      maxHours: this.config.DELIVERY_POLL_MAX_HOURS,
      remindAfterMinutes: this.config.REMIND_AFTER_MINUTES,
      remindMaxPerDay: this.config.REMIND_MAX_PER_DAY,
    };
  }

  /**
   * Called once a batch is `sent`: its tracking task and its job, which writes the
   * recipient rows as soon as the run has finished sending (so statistics see the batch
   * within seconds of the run, while the send path pays only for one row and one Redis
   * call) and then waits for the first poll.
   * Safe to repeat; the reconcile repeats it for a batch whose sender died before this.
   */
  async onBatchSent(batchId: number): Promise<void> {
    const now = this.clock.now();
    const firstPollAt = new Date(now.getTime() + this.config.DELIVERY_POLL_DELAY_MINUTES * 60_000);
    if (
      !(await this.repo.createTask(batchId, firstPollAt, now, this.config.DEADLINE_REMIND_PERCENT))
    )
      return;
    // The job id makes a repeat a no-op; `ensure` replaces a finished job of a database
    // that was reset or restored while Redis kept its jobs.
    await this.queues.ensure(JobName.TRACK_DELIVERY, deliveryJobId(batchId), { batchId });
  }

  /** One tracking step of the job: poll, store, maybe remind, decide when to look again. */
  async track(batchId: number): Promise<TrackOutcome> {
    const task = await this.repo.findTask(batchId);
    if (!task) return 'skipped';
    if (task.state !== 'tracking') return task.state;
    const now = this.clock.now();
    const firstPollDue = !task.nextPollAt || task.nextPollAt.getTime() <= now.getTime();
    if (!task.rowsAt) {
      // Rows are written once the run has finished sending (or the first poll is due), so
      // this write never competes with the selection and sends of a run in flight.
      const runState = await this.repo.runState(task.runId);
      if (!firstPollDue && OPEN_RUN_STATES.includes(runState as RunState)) {
        return { nextInMs: Math.min(ROWS_RECHECK_MS, task.nextPollAt!.getTime() - now.getTime()) };
      }
      await this.repo.writeRows(batchId, now);
    }
    // MySQL decides when to poll; a job that runs early (the row-writing run, a reconcile)
    // just waits.
    if (!firstPollDue) return { nextInMs: task.nextPollAt!.getTime() - now.getTime() };

    let report: PollReport;
    try {
      report = await this.poll(batchId, task.msgid, now);
    } catch (e) {
      if (!(e instanceof WecomError)) throw e;
      // Pages stored before the error count at once, even if tracking ends here.
      await this.repo.refreshStatistics(batchId);
      const retryable = e instanceof WecomRetryableError;
      const nextInMs = retryable
        ? Math.min(Math.max(e.retryAfterMs, MIN_RETRY_MS), this.timing.pollIntervalMinutes * 60_000)
        : 0;
      // A WeCom refusal other than "try later" (unknown msgid, permissions) will not heal.
      const state: DeliveryTaskState = retryable ? 'tracking' : 'final';
      await this.repo.recordPoll(batchId, now, {
        state,
        nextPollAt: retryable ? new Date(now.getTime() + nextInMs) : null,
        lastError: e.message,
      });
      this.logger.warn({ msg: 'delivery poll failed', batchId, err: e.message, state });
      return retryable ? { nextInMs } : state;
    }

    const decision = decideAfterPoll(
      {
        sentAt: task.sentAt,
        now,
        openRecipients: await this.repo.openRecipients(batchId),
        pendingSenders: report.pendingSenders,
        runCancelled: (await this.repo.runState(task.runId)) === RunState.CANCELLED,
        taskCancelled: task.deadlineCancelledAt !== null,
      },
      this.timing,
    );
    if (decision.state === 'tracking' && decision.remind) {
      await this.remind(batchId, task.msgid, now);
    }
    await this.repo.recordPoll(batchId, now, {
      state: decision.state,
      nextPollAt:
        decision.state === 'tracking' ? new Date(now.getTime() + decision.nextInMs) : null,
      pendingSenders: report.pendingSenders,
      lastError: null,
    });
    if (decision.state !== 'tracking') {
      // The task ended (expired, or its run was cancelled): who is still at "not sent" will
      // not receive it, and their contact reservations are given back.
      const released = await this.ledger.releaseUnsent(batchId, now);
      if (released) this.logger.log({ msg: 'unsent reservations released', batchId, released });
    }
    this.logger.log({ msg: 'delivery polled', batchId, ...report, state: decision.state });
    return decision.state === 'tracking' ? { nextInMs: decision.nextInMs } : decision.state;
  }

  /** Every member's task, then every page of every member's results. */
  async poll(batchId: number, msgid: string, now: Date): Promise<PollReport> {
    const senders: GroupMsgTask[] = [];
    for await (const page of this.wecom.getGroupMsgTask(msgid, this.metered)) {
      senders.push(...page);
    }
    // Each member's execution (sent or not), for the run's per-sender view.
    await this.repo.recordMembers(batchId, senders, now);
    const report = {
      senders: senders.length,
      pendingSenders: senders.filter((s) => s.status === 0).length,
      resultRows: 0,
      changedRows: 0,
    };
    for (const sender of senders) {
      for await (const page of this.wecom.getGroupMsgSendResult(
        msgid,
        sender.userid,
        this.metered,
      )) {
        report.resultRows += page.length;
        report.changedRows += await this.repo.applyResults(batchId, page, now);
      }
    }
    // Also when nothing changed now: a worker may have died after storing the last results.
    await this.repo.refreshStatistics(batchId);
    return report;
  }

  /**
   * The claim is counted in MySQL before the call, so a crash after it still counts; a
   * retryable error means WeCom did nothing, so the claim is given back.
   */
  private async remind(batchId: number, msgid: string, now: Date): Promise<void> {
    const claim = await this.repo.claimReminder(
      batchId,
      msgid,
      now,
      this.config.REMIND_MAX_PER_DAY,
      this.config.REMIND_AFTER_MINUTES * 60_000,
    );
    if (claim === null) return;
    try {
      await this.budget.take();
      await this.wecom.remindGroupMsgSend(msgid);
      await this.repo.settleReminder(claim, 'ok');
      this.logger.log({ msg: 'members reminded', batchId, msgid });
    } catch (e) {
      if (e instanceof WecomRetryableError) {
        await this.repo.releaseReminder(claim);
      } else {
        await this.repo.settleReminder(
          claim,
          e instanceof WecomError ? `errcode ${e.errcode ?? 'none'}` : 'error',
        );
      }
      this.logger.warn({ msg: 'reminder failed', batchId, err: String(e) });
    }
  }

  /**
   * For the hourly reconcile: tracking tasks whose job Redis lost get it back (delayed to
   * their next poll), and recently sent batches without a task get one.
   */
  async reconcile(now: Date): Promise<number> {
    let restored = 0;
    const since = new Date(now.getTime() - this.config.DELIVERY_POLL_MAX_HOURS * 3600_000);
    for (const batchId of await this.repo.untrackedSentBatches(since)) {
      await this.onBatchSent(batchId);
      restored++;
    }
    for (const task of await this.repo.trackingTasks()) {
      // No delay: the job writes missing rows at once and then waits for next_poll_at.
      const outcome = await this.queues.ensure(
        JobName.TRACK_DELIVERY,
        deliveryJobId(task.batchId),
        { batchId: task.batchId },
      );
      if (outcome !== 'present') restored++;
    }
    return restored;
  }
}
