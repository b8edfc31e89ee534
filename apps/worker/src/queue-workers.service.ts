import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { PipelineQueues, QUEUE_CONCURRENCY, QueueName } from '@app/pipeline';
import {
  CALLBACK_QUEUE_CONCURRENCY,
  CallbackQueueName,
  CallbackQueues,
} from '@app/wecom-callbacks';
import { YOUZAN_QUEUE_CONCURRENCY, YouzanQueueName, YouzanQueues } from '@app/youzan';
import { IMPORT_QUEUE_CONCURRENCY, ImportQueueName, ImportQueues } from '@app/ingest';
import { AnyQueueName, JobHandler } from './processors/job-handlers';

/**
 * The BullMQ workers of this process, one per queue, created only by `start` — after the
 * boot checks — and dispatching each job to its `@OnJob` handler by name.
 */
@Injectable()
export class QueueWorkers implements OnModuleDestroy {
  private readonly logger = new Logger(QueueWorkers.name);
  private readonly workers: Worker[] = [];

  constructor(
    private readonly queues: PipelineQueues,
    private readonly callbackQueues: CallbackQueues,
    private readonly youzanQueues: YouzanQueues,
    private readonly importQueues: ImportQueues,
  ) {}

  /** One worker per queue of the contracts, each running its share of `workerConcurrency`. */
  start(handlers: readonly JobHandler[], workerConcurrency: number): void {
    const entries = <Q extends AnyQueueName>(
      table: { [K in Q]: (c: number) => number },
      producer: (name: Q) => Queue,
    ) =>
      (Object.keys(table) as Q[]).map((name) => ({
        name,
        concurrency: table[name],
        producer: producer(name),
      }));
    const queues = [
      ...entries<QueueName>(QUEUE_CONCURRENCY, (n) => this.queues.queue(n)),
      ...entries<CallbackQueueName>(CALLBACK_QUEUE_CONCURRENCY, (n) =>
        this.callbackQueues.queue(n),
      ),
      ...entries<YouzanQueueName>(YOUZAN_QUEUE_CONCURRENCY, (n) => this.youzanQueues.queue(n)),
      ...entries<ImportQueueName>(IMPORT_QUEUE_CONCURRENCY, (n) => this.importQueues.queue(n)),
    ];
    for (const { name, concurrency, producer } of queues) {
      const byJob = new Map(handlers.filter((h) => h.queue === name).map((h) => [h.name, h]));
      // The producer's connection options and key prefix: workers read what the api writes.
      const { connection, prefix } = producer.opts;
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
