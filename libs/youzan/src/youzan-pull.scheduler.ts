import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/common';
import {
  YOUZAN_JOB_OPTIONS,
  YOUZAN_PULL_SCHEDULER_ID,
  YouzanJobName,
  YouzanQueueName,
} from './youzan-queue.contracts';
import { YouzanQueues } from './youzan-queues';

/**
 * Schedules the pull every YOUZAN_PULL_INTERVAL_MINUTES on a worker (a BullMQ job scheduler
 * with a constant id, so replicas converge on one), when the feed is configured and the
 * worker schedules (SCHEDULER_ENABLED) — BullMQ runs the first one at once —; removes the schedule when the feed is not configured.
 */
@Injectable()
export class YouzanPullScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('YouzanPull');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: YouzanQueues,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SCHEDULER_ENABLED) return;
    const queue = this.queues.queue(YouzanQueueName.PULL);
    if (this.config.YOUZAN_CLIENT_ID === '') {
      await queue.removeJobScheduler(YOUZAN_PULL_SCHEDULER_ID);
      return;
    }
    const every = this.config.YOUZAN_PULL_INTERVAL_MINUTES * 60_000;
    await queue.upsertJobScheduler(
      YOUZAN_PULL_SCHEDULER_ID,
      { every },
      {
        name: YouzanJobName.PULL_TRADES,
        data: { reason: 'interval' },
        opts: YOUZAN_JOB_OPTIONS[YouzanJobName.PULL_TRADES],
      },
    );
    this.logger.log(`Youzan pull scheduled every ${this.config.YOUZAN_PULL_INTERVAL_MINUTES} min`);
  }
}
