import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { MetricsRegistry } from '@app/common';
import { PipelineQueues } from '@app/pipeline';
import { CallbackQueueName, CallbackQueues } from '@app/wecom-callbacks';

const STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/**
 * `wpp_queue_jobs{queue, state}`: BullMQ's job counts (waiting / delayed / active / failed)
 * of every queue the worker serves, read from Redis at scrape time; they are the same on
 * every worker, so alerts take `max` over instances. When Redis does not answer the counts
 * are left out (logged), not reported stale.
 */
@Injectable()
export class QueueMetrics {
  private readonly logger = new Logger(QueueMetrics.name);

  constructor(pipeline: PipelineQueues, callbacks: CallbackQueues, metrics: MetricsRegistry) {
    const queues: Queue[] = [
      ...pipeline.all(),
      ...Object.values(CallbackQueueName).map((n) => callbacks.queue(n)),
    ];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    metrics.gauge({
      name: 'wpp_queue_jobs',
      help: 'BullMQ jobs per queue and state (waiting, delayed, active, failed)',
      labelNames: ['queue', 'state'],
      async collect() {
        this.reset();
        try {
          const counts = await Promise.all(queues.map((q) => q.getJobCounts(...STATES)));
          queues.forEach((q, i) => {
            for (const s of STATES) this.set({ queue: q.name, state: s }, counts[i][s] ?? 0);
          });
        } catch (e) {
          self.logger.warn(
            `metrics: queue counts not read: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      },
    });
  }
}
