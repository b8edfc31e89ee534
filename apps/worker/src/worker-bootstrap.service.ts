import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/common';
import {
  HOURLY_SCAN_CRON,
  HOURLY_SCAN_SCHEDULER_ID,
  JOB_OPTIONS,
  JobName,
  PipelineQueues,
  QueueName,
} from '@app/pipeline';
import { BatchProcessor } from './processors/batch.processor';
import { DeliveryProcessor } from './processors/delivery.processor';
import { checkJobHandlers } from './processors/job-handlers';
import { ScheduleProcessor } from './processors/schedule.processor';
import { SlotProcessor } from './processors/slot.processor';

/**
 * At start: refuse to run with a job lacking its handler; size the workers from config;
 * set the global WeCom rate limit on the batch queue (shared by every worker replica);
 * upsert the hourly scan's job scheduler (constant id, so replicas converge on one); and
 * run one scan now, so a worker that was down catches up at once.
 */
@Injectable()
export class WorkerBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkerBootstrap.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: PipelineQueues,
    private readonly scheduleProcessor: ScheduleProcessor,
    private readonly slotProcessor: SlotProcessor,
    private readonly batchProcessor: BatchProcessor,
    private readonly deliveryProcessor: DeliveryProcessor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    checkJobHandlers([
      this.scheduleProcessor,
      this.slotProcessor,
      this.batchProcessor,
      this.deliveryProcessor,
    ]);
    this.slotProcessor.worker.concurrency = Math.max(
      1,
      Math.ceil(this.config.WORKER_CONCURRENCY / 2),
    );
    this.batchProcessor.worker.concurrency = this.config.WORKER_CONCURRENCY;
    await this.queues
      .queue(QueueName.BATCH)
      .setGlobalRateLimit(this.config.WECOM_MAX_CALLS_PER_SECOND, 1000);
    if (!this.config.SCHEDULER_ENABLED) {
      this.logger.warn(
        'SCHEDULER_ENABLED=false: this worker runs jobs but does not schedule scans',
      );
      return;
    }
    await this.queues
      .queue(QueueName.SCHEDULE)
      .upsertJobScheduler(
        HOURLY_SCAN_SCHEDULER_ID,
        { pattern: HOURLY_SCAN_CRON, tz: 'Asia/Shanghai' },
        { name: JobName.SCAN, data: { reason: 'hourly' }, opts: JOB_OPTIONS[JobName.SCAN] },
      );
    await this.queues.add(JobName.SCAN, { reason: 'startup' });
    this.logger.log('hourly scan scheduled (0 * * * *, Asia/Shanghai); startup scan enqueued');
  }
}
