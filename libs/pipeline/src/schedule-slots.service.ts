import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@app/common';
import { PushRuleChangeListener, PushRuleRepository } from '@app/push-config';
import { BatchState } from './entities/push-batch.entity';
import { RunState } from './entities/push-run.entity';
import { PipelineQueues } from './pipeline-queues.service';
import { PushRunRepository } from './push-run.repository';
import { TrackDeliveryService } from './delivery/track-delivery.service';
import { AnswerJournal } from './resolve/answer-journal';
import { SendBatchService } from './send-batch.service';
import { batchJobId, JobName, QueueName, slotJobId } from './queue.contracts';
import { daysBetween, DueSlot, slotsBetween, SlotRule } from './slot-schedule';

/** A journaled answer younger than this belongs to an attempt still recording it. */
const JOURNAL_GRACE_MS = 30_000;

/** How far past the next hourly scan a scan looks, so no slot falls between two scans. */
const LOOKAHEAD_MS = 65 * 60_000;

export interface ScanReport {
  slotsEnqueued: number;
  runsReconciled: number;
  batchesReconciled: number;
  deliveriesReconciled: number;
}

/**
 * Puts due slots in MySQL as pending runs and on the queue as delayed jobs that fire at their
 * minute, and reconciles what MySQL says is open or coming with what Redis holds — so a Redis
 * that lost its data gets every coming slot back at the next reconcile (each worker, every
 * RECONCILE_INTERVAL_SECONDS). Run rows are unique per rule + slot and job ids come from
 * them, so any number of scans, api calls and worker replicas schedule each slot once.
 */
@Injectable()
export class ScheduleSlotsService implements PushRuleChangeListener {
  private readonly logger = new Logger(ScheduleSlotsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly rules: PushRuleRepository,
    private readonly queues: PipelineQueues,
    private readonly runs: PushRunRepository,
    private readonly delivery: TrackDeliveryService,
    private readonly answers: AnswerJournal,
    private readonly send: SendBatchService,
  ) {}

  /** A rule was created, edited, resumed or deleted: schedule its slots of this window now. */
  async onRuleChanged(pushId: number): Promise<void> {
    await this.enqueueDueSlots(this.clock.now(), pushId);
  }

  /** The hourly scan: due slots of the coming hour (and of the grace window just past), then reconcile. */
  async scan(): Promise<ScanReport> {
    const now = this.clock.now();
    const slotsEnqueued = await this.enqueueDueSlots(now);
    const { runs, batches, deliveries } = await this.reconcile(now);
    const report = {
      slotsEnqueued,
      runsReconciled: runs,
      batchesReconciled: batches,
      deliveriesReconciled: deliveries,
    };
    await this.runs.heartbeat('scan', now, report);
    this.logger.log({ msg: 'scan done', ...report });
    return report;
  }

  /**
   * The minutely reconcile of every worker (RECONCILE_INTERVAL_SECONDS): open runs and the
   * coming hour's pending slots get their jobs back if Redis lost them.
   */
  async reconcileNow(): Promise<{ runs: number; batches: number; deliveries: number }> {
    const now = this.clock.now();
    const report = await this.reconcile(now);
    await this.runs.heartbeat('reconcile', now, report);
    if (report.runs + report.batches + report.deliveries > 0)
      this.logger.warn({ msg: 'reconcile restored work', ...report });
    return report;
  }

  /** Slots of active rules in [now − grace, now + 65 min), each as a job delayed to its minute. */
  async enqueueDueSlots(now: Date, pushId?: number): Promise<number> {
    const from = new Date(now.getTime() - this.config.MISFIRE_GRACE_MINUTES * 60_000);
    const to = new Date(now.getTime() + LOOKAHEAD_MS);
    const due = (await this.activeRules(from, to, pushId)).flatMap((r) =>
      slotsBetween(r, from, to),
    );
    for (const slot of due) await this.enqueueSlot(slot, now);
    return due.length;
  }

  /** The slot's run row (pending until it fires: the truth Redis may lose) and its job. */
  private async enqueueSlot(slot: DueSlot, now: Date): Promise<void> {
    await this.runs.ensureRun(
      { pushId: slot.pushId, kind: 'scheduled', slotAt: slot.slotAt },
      slot.ruleName ?? `#${slot.pushId}`,
      now,
    );
    const payload = {
      pushId: slot.pushId,
      kind: 'scheduled' as const,
      slotAt: slot.slotAt.toISOString(),
    };
    await this.queues.add(JobName.FIRE_SLOT, payload, {
      jobId: slotJobId(payload),
      delay: Math.max(0, slot.slotAt.getTime() - now.getTime()),
    });
  }

  private async activeRules(from: Date, to: Date, pushId?: number): Promise<SlotRule[]> {
    const { dates, weekdays } = daysBetween(from, to);
    const rules = await this.rules.findScheduled(
      dates[0],
      dates[dates.length - 1],
      weekdays,
      pushId,
    );
    return rules.map((r) => ({
      pushId: r.id,
      name: r.name,
      startDate: r.startDate,
      endDate: r.endDate,
      slots: r.slots,
    }));
  }

  /**
   * Runs MySQL says are open but no queue will finish (Redis flushed, a job failed for good,
   * a worker died mid-call) get their jobs back; a batch left `sending` with no live job
   * becomes `unknown` — it may have reached WeCom, so it is never resent automatically.
   */
  async reconcile(now: Date): Promise<{ runs: number; batches: number; deliveries: number }> {
    let runs = 0;
    let batches = 0;
    // Answers WeCom gave that MySQL did not get (it failed at that moment): record them first,
    // so a batch they belong to is `sent`, not `unknown`. Fresh entries are left to their job.
    for (const entry of await this.answers.all()) {
      if (now.getTime() - new Date(entry.at).getTime() < JOURNAL_GRACE_MS) continue;
      if ((await this.send.replay(entry)) === BatchState.SENT) batches++;
    }
    // Open runs up to now, and the pending slots of the coming hour the scan put in MySQL.
    for (const run of await this.runs.openRuns(new Date(now.getTime() + LOOKAHEAD_MS))) {
      if (run.state === RunState.PENDING || run.state === RunState.SELECTING) {
        const payload = {
          pushId: run.pushId,
          kind: run.kind,
          slotAt: run.slotAt.toISOString(),
          ...(run.triggeredBy ? { triggeredBy: Number(run.triggeredBy) } : {}),
        };
        const delay = Math.max(0, run.slotAt.getTime() - now.getTime());
        if (
          (await this.queues.ensure(JobName.FIRE_SLOT, slotJobId(payload), payload, {
            delay,
          })) !== 'present'
        )
          runs++;
        // A selecting run already sends the batches it has committed; a pending one has none.
        if (run.state === RunState.PENDING) continue;
      }
      for (const b of await this.runs.findBatchIds(run.id, [BatchState.PENDING])) {
        const outcome = await this.queues.ensure(JobName.SEND_BATCH, batchJobId(b.id, b.resends), {
          batchId: b.id,
          runId: run.id,
        });
        if (outcome !== 'present') batches++;
      }
      for (const b of await this.runs.findBatchIds(run.id, [BatchState.SENDING])) {
        const job = await this.queues.getJob(QueueName.BATCH, batchJobId(b.id, b.resends));
        const state = job ? await job.getState() : 'missing';
        if (state === 'active' || state === 'waiting' || state === 'delayed') continue;
        const journaled = await this.answers.find(b.id, b.resends);
        if (journaled && (await this.send.replay(journaled)) === BatchState.SENT) {
          batches++;
          continue;
        }
        if (await this.send.releaseUncalledClaim(b.id)) {
          // Its attempt stopped before the WeCom call: pending again, with a job to send it.
          await this.queues.ensure(JobName.SEND_BATCH, batchJobId(b.id, b.resends), {
            batchId: b.id,
            runId: run.id,
          });
          batches++;
          continue;
        }
        const errmsg =
          "the send was interrupted and no job holds it; it may have reached WeCom — the worker checks WeCom's task list";
        if (
          await this.runs.transitionBatch(b.id, [BatchState.SENDING], BatchState.UNKNOWN, now, {
            errmsg,
          })
        ) {
          this.logger.error({ msg: 'batch unknown', batchId: b.id, runId: run.id, errmsg });
        }
        batches++;
      }
      if (await this.runs.completeRunIfDone(run.id, now)) runs++;
    }
    // Delivery tracking (issue #6): tracking jobs Redis lost, sent batches without a task.
    const deliveries = await this.delivery.reconcile(now);
    return { runs, batches, deliveries };
  }
}
