import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, Clock, formatClockTime, formatDate, weekDay } from '@app/common';
import { AudienceCursor, AudiencePage, SelectAudienceService } from '@app/audience';
import { PushRuleRepository, PushStatus, WechatPush } from '@app/push-config';
import { WecomAttachmentService, WecomFatalError } from '@app/wecom';
import { BatchState } from './entities/push-batch.entity';
import { PushRun, RunState, TERMINAL_RUN_STATES } from './entities/push-run.entity';
import { PipelineQueues } from './pipeline-queues.service';
import { PushRunRepository } from './push-run.repository';
import { ReadAhead } from './read-ahead';
import { batchJobId, FireSlotPayload, JobName } from './queue.contracts';
import { isWithinGrace } from './slot-schedule';

/**
 * Pages of the audience read ahead of their commit (each ≤ PUSH_BATCH_SIZE ids, ~1 MB in
 * memory at 10,000): enough to cover the attachments' upload (two WeCom round trips) at the
 * start of a run, so the first batches go out as soon as it is done.
 */
const READ_AHEAD_PAGES = 8;

/** The run stopped being 'selecting' under this job (cancelled, or another job selects it). */
class SelectionStopped extends Error {}

export type FireOutcome = { runId: number; state: RunState; reason?: string | null };

/**
 * One slot firing (SPEC §5–§6): records the run, re-reads the rule (paused, deleted, slot
 * edited away, out of range, too late → skipped/missed with the reason, nothing sent),
 * uploads the attachments once, streams the audience into batch rows in one transaction
 * (so a crash leaves either no batches or all of them) and enqueues one job per batch.
 * Every step is safe to repeat: a retry finds the run and continues where it stands.
 */
@Injectable()
export class FireSlotService {
  private readonly logger = new Logger(FireSlotService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly rules: PushRuleRepository,
    private readonly runs: PushRunRepository,
    private readonly queues: PipelineQueues,
    private readonly audience: SelectAudienceService,
    private readonly attachments: WecomAttachmentService,
  ) {}

  async fire(p: FireSlotPayload): Promise<FireOutcome> {
    const now = this.clock.now();
    const slotAt = new Date(p.slotAt);
    this.logger.debug({ msg: 'slot job started', pushId: p.pushId, slotAt: p.slotAt });
    const rule = await this.rules.findStored(p.pushId);
    let run = await this.runs.ensureRun(
      { pushId: p.pushId, kind: p.kind, slotAt },
      rule?.name ?? `#${p.pushId}`,
      now,
      p.triggeredBy,
    );

    if (TERMINAL_RUN_STATES.includes(run.state)) return this.outcome(run);
    if (run.state === RunState.SENDING) {
      await this.enqueueBatches(run.id);
      return this.outcome(run);
    }

    if (run.state === RunState.PENDING) {
      const refusal = await this.refusal(p, rule, slotAt, now);
      if (refusal) {
        await this.runs.transitionRun(run.id, [RunState.PENDING], refusal.state, now, {
          reason: refusal.reason,
        });
        this.logger.log({ msg: 'slot not sent', pushId: p.pushId, slotAt: p.slotAt, ...refusal });
        return { runId: run.id, ...refusal };
      }
      await this.runs.transitionRun(run.id, [RunState.PENDING], RunState.SELECTING, now, {
        startedAt: now,
      });
    }

    // SELECTING: this attempt selects, or a retry resumes after the last committed page.
    if (!rule) {
      await this.runs.transitionRun(run.id, [RunState.SELECTING], RunState.FAILED, now, {
        reason: 'rule vanished',
      });
      return { runId: run.id, state: RunState.FAILED, reason: 'rule vanished' };
    }
    const live = rule;
    // The attachments' upload (token, download, media/upload: WeCom round trips) runs while
    // the first pages of the audience are read; pages are committed once it is done.
    const message = this.prepareMessage(run.id, live, now);
    message.catch(() => undefined); // awaited below, also when the selection throws first
    let selected: { audience: number; batches: number } | null;
    try {
      selected = await this.select(run, live, slotAt, message);
    } finally {
      await message.catch(() => undefined);
    }
    if (!selected || (await message) !== 'ready') {
      // Attachments failed for good, or an operator cancelled the run meanwhile: stop
      // selecting, keep what was sent.
      run = (await this.runs.findRun(run.id)) as PushRun;
      return this.outcome(run);
    }
    const { audience, batches } = selected;
    const moved = await this.runs.transitionRun(
      run.id,
      [RunState.SELECTING],
      batches === 0 ? RunState.COMPLETED : RunState.SENDING,
      this.clock.now(),
      { audienceCount: audience, batchCount: batches },
    );
    if (!moved) throw new Error(`run ${run.id} left 'selecting' while this job selected`);
    this.logger.log({ msg: 'run selected', runId: run.id, pushId: p.pushId, audience, batches });
    // Batches that finished while the run was still selecting complete it now.
    await this.runs.completeRunIfDone(run.id, this.clock.now());
    run = (await this.runs.findRun(run.id)) as PushRun;
    return this.outcome(run);
  }

  /**
   * Uploads the rule's attachments and stores them with the text on the run, where every
   * batch job reads them: 'ready'; 'failed' when WeCom or the rule makes them impossible (the
   * run is failed with the reason); 'stopped' when the run left 'selecting' meanwhile.
   * Other errors (WeCom unreachable, …) reject: the slot job is retried.
   */
  private async prepareMessage(
    runId: number,
    rule: WechatPush,
    now: Date,
  ): Promise<'ready' | 'failed' | 'stopped'> {
    let attachments: unknown[];
    try {
      attachments = await this.attachments.forRule(rule);
    } catch (e) {
      if (!(e instanceof WecomFatalError)) throw e;
      await this.runs.transitionRun(runId, [RunState.SELECTING], RunState.FAILED, now, {
        reason: `attachments: ${e.message}`.slice(0, 255),
      });
      return 'failed';
    }
    const stored = await this.runs.transitionRun(
      runId,
      [RunState.SELECTING],
      RunState.SELECTING,
      now,
      { content: rule.content, attachments },
    );
    this.logger.debug({ msg: 'message ready', runId, stored });
    return stored ? 'ready' : 'stopped';
  }

  /**
   * Streams the audience page by page: each page is committed as a batch together with the
   * run's keyset position, then its job is enqueued at once, so the first batches are on
   * their way to WeCom while later pages are still being read. The snapshot connection keeps
   * reading up to READ_AHEAD_PAGES pages ahead while pages are committed — and while the
   * message (attachments) is prepared: no page is committed before it is ready, so every
   * batch job finds it on the run. A retry resumes after the last committed page (pages read
   * ahead but not committed are simply read again). The pages of one attempt read one
   * consistent snapshot.
   */
  private async select(
    run: PushRun,
    rule: WechatPush,
    at: Date,
    message: Promise<'ready' | 'failed' | 'stopped'>,
  ): Promise<{ audience: number; batches: number } | null> {
    const start: AudienceCursor | null = run.selectCursor
      ? (JSON.parse(run.selectCursor) as AudienceCursor)
      : null;
    let batchNo = run.batchCount ?? 0;
    let audience = run.audienceCount ?? 0;
    if (batchNo > 0 && start === null) return { audience, batches: batchNo }; // finished before a crash
    const snapshot = this.db.createQueryRunner();
    let reading: ReadAhead<AudiencePage> | undefined;
    await snapshot.connect();
    try {
      await snapshot.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      reading = new ReadAhead(
        this.audience.pages(rule, at, start, this.audience.batchSize, snapshot),
        READ_AHEAD_PAGES,
      );
      for await (const page of reading) {
        if ((await message) !== 'ready') return null;
        if (page.externalUserids.length === 0) continue;
        const no = batchNo + 1;
        const now = this.clock.now();
        const batchId = await this.runs.transaction(async (em) => {
          const id = await this.runs.insertBatch(em, run.id, no, page.externalUserids, now);
          const advanced = await this.runs.advanceSelection(
            em,
            run.id,
            batchNo,
            {
              cursor: page.next ? JSON.stringify(page.next) : null,
              batchCount: no,
              audienceCount: audience + page.externalUserids.length,
            },
            now,
          );
          // The run left 'selecting' (cancelled): roll this page back and stop.
          if (!advanced) throw new SelectionStopped();
          return id;
        });
        batchNo = no;
        audience += page.externalUserids.length;
        // `ensure`, not `add`: a finished job under this id (left by a database that was
        // reset or restored while Redis kept its jobs) would make `add` a silent no-op.
        await this.queues.ensure(JobName.SEND_BATCH, batchJobId(batchId, 0), {
          batchId,
          runId: run.id,
        });
        this.logger.debug({ msg: 'batch enqueued', runId: run.id, batchId, batchNo });
      }
    } catch (e) {
      if (e instanceof SelectionStopped) return null;
      throw e;
    } finally {
      // Pages still being read ahead finish first; then the snapshot ends. A connection
      // whose COMMIT failed is not handed back to the pool with a transaction open.
      await reading?.settled();
      const ended = await snapshot.query('COMMIT').then(
        () => true,
        () => false,
      );
      if (!ended) await snapshot.query('ROLLBACK').catch(() => undefined);
      await snapshot.release();
    }
    return { audience, batches: batchNo };
  }

  /** One job per pending batch; job ids make a repeat of this a no-op (see `ensure`). */
  async enqueueBatches(runId: number): Promise<void> {
    for (const b of await this.runs.findBatchIds(runId, [BatchState.PENDING])) {
      await this.queues.ensure(JobName.SEND_BATCH, batchJobId(b.id, b.resends), {
        batchId: b.id,
        runId: Number(runId),
      });
    }
  }

  private async refusal(
    p: FireSlotPayload,
    rule: WechatPush | null,
    slotAt: Date,
    now: Date,
  ): Promise<{ state: RunState; reason: string } | null> {
    const skipped = (reason: string) => ({ state: RunState.SKIPPED, reason });
    if (!rule || rule.isDeleted) return skipped('rule deleted');
    if (p.kind === 'manual') return null;
    if (rule.status === PushStatus.PAUSED) return skipped('rule paused');
    const date = formatDate(slotAt);
    if (date < rule.startDate || date > rule.endDate) return skipped('outside the rule date range');
    const slots = await this.rules.findSlots(rule.id);
    const time = formatClockTime(slotAt);
    if (!slots.some((s) => s.weekDay === weekDay(slotAt) && s.pushTime === time)) {
      return skipped('slot no longer in the rule');
    }
    if (!isWithinGrace(slotAt, now, this.config.MISFIRE_GRACE_MINUTES)) {
      return {
        state: RunState.MISSED,
        reason: `started ${Math.round((now.getTime() - slotAt.getTime()) / 60_000)} min late (grace ${this.config.MISFIRE_GRACE_MINUTES} min)`,
      };
    }
    return null;
  }

  private outcome(run: PushRun): FireOutcome {
    return { runId: run.id, state: run.state, reason: run.reason };
  }
}
