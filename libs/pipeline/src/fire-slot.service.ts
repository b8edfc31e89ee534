import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  Clock,
  formatClockTime,
  formatDate,
  formatDateTime,
  weekDay,
} from '@app/common';
import {
  assignSenders,
  AudienceCursor,
  AudiencePage,
  readOwners,
  RunSenders,
  SelectAudienceService,
} from '@app/audience';
import {
  ContactLedger,
  ContactPolicyService,
  PageState,
  PageVerdict,
  ReservationConflict,
  RulePolicy,
  slotRefusal,
} from '@app/contact-policy';
import { addExclusions, ContactPolicyShape, ExclusionCounts, noExclusions } from '@app/contracts';
import { ExperimentDesign, splitControls } from '@app/experiments';
import type { SqlRunner } from '@app/database';
import { OrderFeedService, orderFeedFreshness } from '@app/ingest';
import { PushRuleRepository, PushStatus, RuleApprovalService, WechatPush } from '@app/push-config';
import { WecomAttachmentService, WecomFatalError } from '@app/wecom';
import { BatchState } from './entities/push-batch.entity';
import { PushRun, RunState, TERMINAL_RUN_STATES } from './entities/push-run.entity';
import { PipelineQueues } from './pipeline-queues.service';
import { PushRunRepository } from './push-run.repository';
import { ReadAhead } from './read-ahead';
import { batchJobId, FireSlotPayload, JobName } from './queue.contracts';
import { isWithinGrace } from './slot-schedule';
import { TestGroupService } from './test-send/test-group.service';
import { groupBySender, planFill } from './senders/sender-batches';

/**
 * Pages of the audience read ahead of their commit (each ≤ PUSH_BATCH_SIZE ids, ~1 MB in
 * memory at 10,000): enough to cover the attachments' upload (two WeCom round trips) at the
 * start of a run, so the first batches go out as soon as it is done.
 */
const READ_AHEAD_PAGES = 8;

/** The run stopped being 'selecting' under this job (cancelled, or another job selects it). */
class SelectionStopped extends Error {}

/**
 * How often a page's reservation is tried: again after another reservation took some of its
 * customers meanwhile, or after InnoDB chose it as a deadlock victim.
 */
const RESERVE_ATTEMPTS = 5;
/** How soon a slot waiting for higher-priority selections of its minute looks again. */
const PRIORITY_RECHECK_MS = 500;
/** How a slot skipped by the order-feed freshness guard's reason begins (alerts match it). */
const STALE_ORDER_DATA = 'order data stale since';

const isDeadlock = (e: unknown) =>
  (e as { code?: string; driverError?: { code?: string } })?.code === 'ER_LOCK_DEADLOCK' ||
  (e as { driverError?: { code?: string } })?.driverError?.code === 'ER_LOCK_DEADLOCK';

export type FireOutcome =
  | { runId: number; state: RunState; reason?: string | null }
  /** Higher-priority selections of the same minute are not done: run this job again later. */
  | { runId: number; waitMs: number };

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
    private readonly policy: ContactPolicyService,
    private readonly ledger: ContactLedger,
    private readonly feeds: OrderFeedService,
    private readonly testGroup: TestGroupService,
    private readonly approvals: RuleApprovalService,
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
        if (refusal.reason.startsWith(STALE_ORDER_DATA)) {
          // The line operators alert on (and the robot notifier reports the run).
          this.logger.error({
            msg: 'order data stale',
            pushId: p.pushId,
            runId: run.id,
            ...refusal,
          });
        }
        return { runId: run.id, ...refusal };
      }
      if (p.kind === 'scheduled' && rule) {
        const waitMs = await this.priorityWait(rule, slotAt, now);
        if (waitMs > 0) return { runId: run.id, waitMs };
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
    // A test send shows the newest version — the one waiting for approval, if any — on the
    // test group's phones; every other run sends the approved (live) rule.
    const live = run.kind === 'test' ? await this.withNewestMessage(rule) : rule;
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

  /** The rule with the message of its newest version (and that version's number). */
  private async withNewestMessage(rule: WechatPush): Promise<WechatPush> {
    const newest = await this.approvals.newestMessage(rule.id);
    if (!newest) return rule;
    const { version, variants, ...message } = newest;
    return Object.assign(Object.create(Object.getPrototypeOf(rule) as object) as WechatPush, rule, {
      ...message,
      variants,
      approvedVersion: version,
    });
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
    let variantMessages: { content: string | null; attachments: unknown[] }[];
    try {
      attachments = await this.attachments.forRule(rule);
      // Each variant's media is uploaded like the rule's own (B, C, … in order).
      variantMessages = [];
      for (const v of rule.variants) {
        variantMessages.push({
          content: v.content ?? null,
          attachments: await this.attachments.forRule({
            img: v.img ?? null,
            miniProgramTitle: v.miniProgramTitle ?? null,
            miniProgramImg: v.miniProgramImg ?? null,
            miniProgramUrl: v.miniProgramUrl ?? null,
          }),
        });
      }
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
      {
        content: rule.content,
        ruleVersion: rule.approvedVersion,
        attachments,
        variantMessages: variantMessages.length ? JSON.stringify(variantMessages) : null,
      },
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
    let cursor: string | null = run.selectCursor;
    const start: AudienceCursor | null = cursor ? (JSON.parse(cursor) as AudienceCursor) : null;
    let batchNo = run.batchCount ?? 0;
    let audience = run.audienceCount ?? 0;
    let controls = run.controlCount ?? 0;
    let excluded: ExclusionCounts = addExclusions(
      noExclusions(),
      run.excluded ? (JSON.parse(run.excluded) as Partial<ExclusionCounts>) : {},
    );
    // Finished before a crash: a page was committed (a batch, or its exclusions) and no
    // page is left.
    if ((batchNo > 0 || run.excluded !== null) && start === null)
      return this.selectionDone(run.id, { audience, batches: batchNo });
    if (run.kind === 'test') return this.selectTestGroup(run, rule, message);
    const senders = await this.runs.recordSenders(run.id, {
      mode: rule.senderMode,
      fallback: rule.senderFallback,
      deadlineHours: rule.executionDeadlineHours,
    });
    const policy = this.config.CONTACT_POLICY_ENABLED ? await this.policy.current() : null;
    const rulePolicy: RulePolicy = {
      pushId: rule.id,
      cooldownDays: rule.cooldownDays,
      capExempt: rule.capExempt,
    };
    const design = await this.experimentDesign(run, rule);
    const snapshot = this.db.createQueryRunner();
    let reading:
      | ReadAhead<{
          page: AudiencePage;
          state: PageState | null;
          owners: Map<string, string> | null;
        }>
      | undefined;
    await snapshot.connect();
    try {
      const snapshotAt = this.clock.now();
      await snapshot.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      const pages = this.audience.pages(rule, at, start, this.audience.batchSize, snapshot);
      reading = new ReadAhead(
        this.withState(
          pages,
          policy ? { runner: snapshot, snapshotAt } : null,
          senders.mode === 'owner' ? snapshot : null,
        ),
        READ_AHEAD_PAGES,
      );
      for await (const { page, state, owners } of reading) {
        if ((await message) !== 'ready') return null;
        const next = page.next ? JSON.stringify(page.next) : null;
        if (page.externalUserids.length === 0) continue; // only ever the last page
        const committed = await this.commitPage(
          run,
          rule,
          rulePolicy,
          policy,
          design,
          page.externalUserids,
          state,
          { ...senders, owners },
          {
            batchNo,
            audience,
            controls,
            excluded,
            cursor,
            next,
          },
        );
        batchNo = committed.batchNo;
        audience = committed.audience;
        controls = committed.controls;
        excluded = committed.excluded;
        cursor = next;
        for (const batchId of committed.batchIds) {
          // `ensure`, not `add`: a finished job under this id (left by a database that was
          // reset or restored while Redis kept its jobs) would make `add` a silent no-op.
          await this.queues.ensure(JobName.SEND_BATCH, batchJobId(batchId, 0), {
            batchId,
            runId: run.id,
          });
          this.logger.debug({ msg: 'batch enqueued', runId: run.id, batchId, batchNo });
        }
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
    return this.selectionDone(run.id, { audience, batches: batchNo });
  }

  /**
   * Every page is committed: an owner run's batches still being filled go out now (pending,
   * their jobs enqueued). Repeated by a retry that finds the selection done.
   */
  private async selectionDone(
    runId: number,
    selected: { audience: number; batches: number },
  ): Promise<{ audience: number; batches: number }> {
    if ((await this.runs.closeFilling(runId, this.clock.now())) > 0) {
      await this.enqueueBatches(runId);
    }
    return selected;
  }

  /**
   * A test run's recipients: the test group instead of the audience, every member in one
   * batch per content variant (A, B, …; more when PUSH_BATCH_SIZE is smaller than the group),
   * all committed at once. No contact policy, no controls, no reservations: the members are
   * internal contacts, and nothing of a test run may count against customers' caps.
   */
  private async selectTestGroup(
    run: PushRun,
    rule: WechatPush,
    message: Promise<'ready' | 'failed' | 'stopped'>,
  ): Promise<{ audience: number; batches: number } | null> {
    if ((await message) !== 'ready') return null;
    const members = await this.testGroup.externalUserIds();
    const size = this.audience.batchSize;
    let committed: number[];
    try {
      committed = await this.runs.transaction(async (em) => {
        const now = this.clock.now();
        const batchIds: number[] = [];
        for (let variant = 0; variant <= rule.variants.length; variant++) {
          for (let i = 0; i < members.length; i += size) {
            const recipients = members.slice(i, i + size);
            batchIds.push(
              await this.runs.insertBatch(
                em,
                run.id,
                batchIds.length + 1,
                recipients,
                now,
                variant,
              ),
            );
          }
        }
        const advanced = await this.runs.advanceSelection(
          em,
          run.id,
          { batchCount: 0, cursor: null },
          {
            cursor: null,
            batchCount: batchIds.length,
            audienceCount: members.length,
            controlCount: 0,
            excluded: JSON.stringify(noExclusions()),
          },
          now,
        );
        if (!advanced) throw new SelectionStopped();
        return batchIds;
      });
    } catch (e) {
      if (e instanceof SelectionStopped) return null;
      throw e;
    }
    for (const batchId of committed) {
      await this.queues.ensure(JobName.SEND_BATCH, batchJobId(batchId, 0), {
        batchId,
        runId: run.id,
      });
    }
    return { audience: members.length, batches: committed.length };
  }

  /**
   * What this run holds out (docs/STATISTICS.md "Experiments"): the rule's holdout and the
   * global control group as they stand when its selection starts — recorded on the run then,
   * and read back from it when a retry resumes, so every page of a run splits alike.
   */
  private async experimentDesign(run: PushRun, rule: WechatPush): Promise<ExperimentDesign> {
    if (run.experiment) return JSON.parse(run.experiment) as ExperimentDesign;
    const global = await this.policy.globalControl();
    const design: ExperimentDesign = {
      ruleId: rule.id,
      holdoutPercent: rule.holdoutPercent,
      globalControlPercent: global.percent,
      salt: global.salt,
      ignoreGlobalControl: rule.capExempt && rule.ignoreGlobalControl,
      weights: rule.variants.length
        ? [rule.contentWeight, ...rule.variants.map((v) => v.weight)]
        : [1],
    };
    const stored = await this.runs.recordExperiment(run.id, JSON.stringify(design));
    return stored ?? design;
  }

  /**
   * The audience's pages, each with its customers' contact state read on the same snapshot
   * (so the read runs ahead of the reservations, on the snapshot's connection); no state
   * when the policy is off.
   */
  private async *withState(
    pages: AsyncGenerator<AudiencePage>,
    read: { runner: SqlRunner; snapshotAt: Date } | null,
    ownersFrom: SqlRunner | null,
  ): AsyncGenerator<{
    page: AudiencePage;
    state: PageState | null;
    owners: Map<string, string> | null;
  }> {
    for await (const page of pages) {
      const state = read
        ? await this.ledger.state(read.runner, page.externalUserids, {
            snapshotAt: read.snapshotAt,
          })
        : null;
      // An owner run's senders: each customer's store guide, on the same snapshot.
      const owners = ownersFrom ? await readOwners(ownersFrom, page.externalUserids) : null;
      yield { page, state, owners };
    }
  }

  /**
   * One page in one transaction: the contact policy checks the page's customers against
   * their state as the snapshot read it and reserves the allowed ones — only if no other
   * reservation took them meanwhile (docs/AUDIENCE.md "Reservations") — they become the
   * next batch with their ledger rows, and the run records the keyset position and the
   * counts. All or nothing; after a conflict or a deadlock the page is checked again
   * against the state read in its own transaction.
   */
  private async commitPage(
    run: PushRun,
    rule: WechatPush,
    rulePolicy: RulePolicy,
    policy: ContactPolicyShape | null,
    design: ExperimentDesign,
    pageIds: string[],
    snapshotState: PageState | null,
    senders: RunSenders & { owners: Map<string, string> | null },
    prev: {
      batchNo: number;
      audience: number;
      controls: number;
      excluded: ExclusionCounts;
      cursor: string | null;
      next: string | null;
    },
  ): Promise<{
    batchIds: number[];
    batchNo: number;
    audience: number;
    controls: number;
    excluded: ExclusionCounts;
  }> {
    let known = snapshotState;
    // Under `owner` with `skip`, customers without a store guide never reach the policy.
    const { kept: ids, skipped, senderOf } = assignSenders(pageIds, senders.owners, senders);
    const owner = senders.mode === 'owner';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runs.transaction(async (em) => {
          const now = this.clock.now();
          let verdict: PageVerdict | null = null;
          if (policy) {
            const state = known ?? (await this.ledger.state(em, ids));
            verdict = await this.ledger.judge(em, ids, state, policy, rulePolicy, now);
          }
          // Held out (rule holdout, global control): recorded, not sent, not reserved.
          const { treated, control } = splitControls(verdict ? verdict.allowed : ids, design);
          await this.runs.insertControls(em, run.id, control, now);
          // One batch per content variant (each its own WeCom task), A first; under `owner`
          // per (variant, store guide), filled across pages (docs/PIPELINE.md).
          let no = prev.batchNo;
          let sent = 0;
          const batchIds: number[] = [];
          const reserve = async (batchId: number, recipients: string[]) => {
            if (!verdict) return;
            await this.ledger.reserve(
              em,
              { ...verdict, allowed: recipients },
              { pushId: rule.id, runId: run.id, batchId, at: now, counted: !rule.capExempt },
            );
          };
          const open = owner ? await this.runs.fillingBatches(em, run.id) : [];
          for (const [variant, recipients] of [...treated].sort(([a], [b]) => a - b)) {
            sent += recipients.length;
            if (!owner) {
              no++;
              const batchId = await this.runs.insertBatch(em, run.id, no, recipients, now, variant);
              batchIds.push(batchId);
              await reserve(batchId, recipients);
              continue;
            }
            for (const [sender, group] of groupBySender(recipients, senderOf)) {
              const size = this.audience.batchSize;
              for (const step of planFill(open, { variant, sender, recipients: group }, size)) {
                let batchId: number;
                if (step.kind === 'append') {
                  batchId = step.batchId;
                  await this.runs.appendRecipients(em, batchId, step.recipients, step.full, now);
                } else {
                  no++;
                  batchId = await this.runs.insertBatch(
                    em,
                    run.id,
                    no,
                    step.recipients,
                    now,
                    variant,
                    {
                      sender,
                      state: step.full ? BatchState.PENDING : BatchState.FILLING,
                    },
                  );
                  if (!step.full)
                    open.push({
                      id: batchId,
                      sender,
                      variant,
                      recipientCount: step.recipients.length,
                    });
                }
                if (step.full) batchIds.push(batchId);
                await reserve(batchId, step.recipients);
              }
            }
          }
          const excluded = addExclusions(
            addExclusions(prev.excluded, { noOwner: skipped }),
            verdict?.excluded ?? noExclusions(),
          );
          const advanced = await this.runs.advanceSelection(
            em,
            run.id,
            { batchCount: prev.batchNo, cursor: prev.cursor },
            {
              cursor: prev.next,
              batchCount: no,
              audienceCount: prev.audience + sent,
              controlCount: prev.controls + control.length,
              excluded: JSON.stringify(excluded),
            },
            now,
          );
          // The run left 'selecting' (cancelled): roll this page back and stop.
          if (!advanced) throw new SelectionStopped();
          return {
            batchIds,
            batchNo: no,
            audience: prev.audience + sent,
            controls: prev.controls + control.length,
            excluded,
          };
        }, 'READ COMMITTED');
      } catch (e) {
        const conflict = e instanceof ReservationConflict;
        if ((!conflict && !isDeadlock(e)) || attempt >= RESERVE_ATTEMPTS) throw e;
        known = null;
        this.logger.log({
          msg: conflict ? 'reservation conflict, checking again' : 'reservation deadlock, retrying',
          runId: run.id,
          attempt,
          ...(conflict ? { customers: e.customers } : {}),
        });
      }
    }
  }

  /**
   * How long this scheduled slot should still wait for the selections of higher-priority
   * rules of the same minute (lower `priority`, or equal and a lower id): 0 once every one of
   * them has left pending/selecting (or never will: paused, deleted, refused), or once
   * POLICY_PRIORITY_WAIT_SECONDS after the slot have passed (then it selects anyway).
   */
  private async priorityWait(rule: WechatPush, slotAt: Date, now: Date): Promise<number> {
    const deadline = slotAt.getTime() + this.config.POLICY_PRIORITY_WAIT_SECONDS * 1000;
    if (now.getTime() >= deadline) return 0;
    const peers = (
      await this.rules.findSlotPeers(formatDate(slotAt), weekDay(slotAt), formatClockTime(slotAt))
    ).filter((p) => p.priority < rule.priority || (p.priority === rule.priority && p.id < rule.id));
    if (peers.length === 0) return 0;
    const waiting = await this.runs.selectionsOpen(
      peers.map((p) => p.id),
      slotAt,
    );
    if (waiting.length === 0) return 0;
    this.logger.debug({
      msg: 'slot waits for higher-priority selections',
      pushId: rule.id,
      waiting,
    });
    return Math.min(PRIORITY_RECHECK_MS, deadline - now.getTime());
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
    // A trigger is the operator's call and a test send goes to internal contacts only.
    if (p.kind !== 'scheduled') return null;
    if (rule.status === PushStatus.PAUSED) return skipped('rule paused');
    const date = formatDate(slotAt);
    if (date < rule.startDate || date > rule.endDate) return skipped('outside the rule date range');
    const slots = await this.rules.findSlots(rule.id);
    const time = formatClockTime(slotAt);
    if (!slots.some((s) => s.weekDay === weekDay(slotAt) && s.pushTime === time)) {
      return skipped('slot no longer in the rule');
    }
    const policyRefusal = slotRefusal(await this.policy.current(), slotAt);
    if (policyRefusal) return skipped(`contact policy: ${policyRefusal}`);
    // Every rule selects by purchase window today: a stale feed would recall customers who
    // bought since (issue 20's freshness guard). A manual trigger is the operator's call.
    const feed = orderFeedFreshness(
      await this.feeds.freshness(),
      now,
      this.config.ORDER_FEED_MAX_AGE_HOURS,
    );
    if (feed.stale) {
      return skipped(
        `${STALE_ORDER_DATA} ${feed.lastSuccessAt ? formatDateTime(feed.lastSuccessAt) : 'ever (no successful pull or import yet)'}`,
      );
    }
    if (!isWithinGrace(slotAt, now, this.config.MISFIRE_GRACE_MINUTES)) {
      return {
        state: RunState.MISSED,
        reason: `started ${Math.round((now.getTime() - slotAt.getTime()) / 60_000)} min late (grace ${this.config.MISFIRE_GRACE_MINUTES} min)`,
      };
    }
    return null;
  }

  private outcome(run: PushRun): { runId: number; state: RunState; reason?: string | null } {
    return { runId: run.id, state: run.state, reason: run.reason };
  }
}
