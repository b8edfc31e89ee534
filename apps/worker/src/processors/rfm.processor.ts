import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig, BUSINESS_TZ, Clock } from '@app/common';
import { RfmComputation, RfmService } from '@app/audience';
import {
  JOB_OPTIONS,
  JobName,
  NIGHTLY_RFM_CRON,
  NIGHTLY_RFM_SCHEDULER_ID,
  PipelineQueues,
  QueueName,
} from '@app/pipeline';
import { OnJob } from './job-handlers';

/** The nightly RFM tiers (docs/AUDIENCE.md "Value tiers"); `cli rfm:compute` runs it by hand. */
@Injectable()
export class RfmProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger('Rfm');

  constructor(
    private readonly rfm: RfmService,
    private readonly queues: PipelineQueues,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A scheduling worker asserts the one scheduler (same id: upserted, never doubled). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SCHEDULER_ENABLED) return;
    await this.queues.queue(QueueName.SCHEDULE).upsertJobScheduler(
      NIGHTLY_RFM_SCHEDULER_ID,
      { pattern: NIGHTLY_RFM_CRON, tz: BUSINESS_TZ },
      {
        name: JobName.COMPUTE_RFM,
        data: { reason: 'nightly' },
        opts: JOB_OPTIONS[JobName.COMPUTE_RFM],
      },
    );
  }

  @OnJob({ name: JobName.COMPUTE_RFM, queue: QueueName.SCHEDULE })
  async compute(): Promise<RfmComputation> {
    const result = await this.rfm.compute(this.clock.now());
    this.logger.log({ msg: 'RFM tiers computed', ...result });
    return result;
  }
}
