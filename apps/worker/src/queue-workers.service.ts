import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { PipelineQueues, QUEUE_CONCURRENCY, QueueName } from '@app/pipeline';
import { JobHandler } from './processors/job-handlers';

/**
 * The BullMQ workers of this process, one per queue, created only by `start` — after the
 * boot checks — and dispatching each job to its `@OnJob` handler by name.
 */
@Injectable()
export class QueueWorkers implements OnModuleDestroy {
  private readonly logger = new Logger(QueueWorkers.name);
  private readonly workers: Worker[] = [];

  constructor(private readonly queues: PipelineQueues) {}

  /** One worker per queue of the contracts, each running its share of `workerConcurrency`. */
  start(handlers: readonly JobHandler[], workerConcurrency: number): void {
    const queues = Object.entries(QUEUE_CONCURRENCY) as [QueueName, (c: number) => number][];
    for (const [name, concurrency] of queues) {
      const byJob = new Map(handlers.filter((h) => h.queue === name).map((h) => [h.name, h]));
      // The producer's connection options and key prefix: workers read what the api writes.
      const { connection, prefix } = this.queues.queue(name).opts;
      const worker = new Worker(
        name,
        async (job: Job, token?: string) => {
          const handler = byJob.get(job.name as JobHandler['name']);
          if (!handler) throw new UnrecoverableError(`no handler for ${job.name}`);
          return handler.run(job, token);
        },
        { connection, prefix, concurrency: concurrency(workerConcurrency) },
      );
      worker.on('error', (e) => this.logger.error(`queue ${name}: ${e.message}`));
      this.workers.push(worker);
    }
  }

  /** Stops taking jobs and waits for the running ones. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }
}
