import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, BUSINESS_TZ } from '@app/common';
import { assertNoPendingMigrations } from '@app/database';
import {
  HOURLY_SCAN_CRON,
  HOURLY_SCAN_SCHEDULER_ID,
  JOB_OPTIONS,
  JobName,
  PipelineQueues,
  QueueName,
  ResolveUnknownService,
  ScheduleSlotsService,
  TaskDeadlineService,
} from '@app/pipeline';
import { checkJobHandlers, JobHandlerDiscovery } from './processors/job-handlers';
import { QueueWorkers } from './queue-workers.service';

/**
 * Check, then start. Refuses to run when a job of the contracts has no handler, two, or one
 * on the wrong queue, or when the database has a pending migration; only then sets the
 * global WeCom rate limit on the batch queue (shared by every worker replica) and starts one
 * BullMQ worker per queue, sized from config. Last, upserts the hourly scan's job scheduler
 * (constant id, so replicas converge on one) and runs one scan now, so a worker that was
 * down catches up at once. Then, every RECONCILE_INTERVAL_SECONDS, re-asserts the rate limit
 * and the scan's scheduler (both idempotent: a Redis that lost its data gets them back
 * without a restart), reconciles open and coming runs with the queues, and checks `unknown`
 * batches past their in-flight window against WeCom's task list (ResolveUnknownService), and
 * carries out the rules' execution deadlines (TaskDeadlineService).
 */
@Injectable()
export class WorkerBootstrap implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerBootstrap.name);
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly queues: PipelineQueues,
    private readonly handlers: JobHandlerDiscovery,
    private readonly workers: QueueWorkers,
    private readonly scheduler: ScheduleSlotsService,
    private readonly resolver: ResolveUnknownService,
    private readonly deadlines: TaskDeadlineService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.handlers.discover();
    checkJobHandlers(handlers);
    // Explicit here rather than left to the order of Nest's hooks across modules: a worker
    // must not take a job from a database it cannot serve.
    await assertNoPendingMigrations(this.dataSource);
    await this.assertRateLimit();
    this.workers.start(handlers, this.config.WORKER_CONCURRENCY);
    const every = this.config.RECONCILE_INTERVAL_SECONDS;
    if (every > 0) {
      this.timer = setInterval(() => void this.tick(), every * 1000);
      this.timer.unref();
    }
    if (!this.config.CONTACT_POLICY_ENABLED) {
      this.logger.warn(
        'CONTACT_POLICY_ENABLED=false: selections ignore the contact policy (no caps, no opt-outs) and record no contacts',
      );
    }
    if (!this.config.SCHEDULER_ENABLED) {
      this.logger.warn(
        'SCHEDULER_ENABLED=false: this worker runs jobs but does not schedule scans',
      );
      return;
    }
    await this.assertScanScheduler();
    await this.queues.add(JobName.SCAN, { reason: 'startup' });
    this.logger.log('hourly scan scheduled (0 * * * *, Asia/Shanghai); startup scan enqueued');
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async assertRateLimit(): Promise<void> {
    await this.queues
      .queue(QueueName.BATCH)
      .setGlobalRateLimit(this.config.WECOM_MAX_CALLS_PER_SECOND, 1000);
  }

  private async assertScanScheduler(): Promise<void> {
    await this.queues
      .queue(QueueName.SCHEDULE)
      .upsertJobScheduler(
        HOURLY_SCAN_SCHEDULER_ID,
        { pattern: HOURLY_SCAN_CRON, tz: BUSINESS_TZ },
        { name: JobName.SCAN, data: { reason: 'hourly' }, opts: JOB_OPTIONS[JobName.SCAN] },
      );
  }

  /** One round of the periodic self-repair; a failure (Redis or MySQL away) waits for the next. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.assertRateLimit();
      if (this.config.SCHEDULER_ENABLED) {
        await this.assertScanScheduler();
        await this.scheduler.reconcileNow();
      }
    } catch (e) {
      this.logger.error({ msg: 'periodic reconcile failed', err: (e as Error).message });
    }
    try {
      // `unknown` batches past their in-flight window: found in WeCom's task list, or safe to resend.
      await this.resolver.resolveDue();
    } catch (e) {
      this.logger.error({ msg: 'unknown batch resolution failed', err: (e as Error).message });
    }
    try {
      // Rules with an execution deadline: remind members not yet sent, cancel at the deadline.
      await this.deadlines.sweepDue();
    } catch (e) {
      this.logger.error({ msg: 'execution deadlines failed', err: (e as Error).message });
    } finally {
      this.ticking = false;
    }
  }
}
