import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import {
  JobName,
  QueueName,
  RetryBatchLater,
  SendBatchPayload,
  SendBatchService,
  SendOutcome,
} from '@app/pipeline';
import { JobHandlerSet } from './job-handlers';

/**
 * Exponential back-off, or WeCom's own wait when it named one (45009 blocks for the rest of
 * its window), whichever is longer.
 */
export function batchBackoff(attemptsMade: number, _type?: string, err?: Error): number {
  const exponential = Math.min(60_000, 1_000 * 2 ** Math.max(0, attemptsMade - 1));
  return err instanceof RetryBatchLater ? Math.max(exponential, err.retryAfterMs) : exponential;
}

/** One batch, one add_msg_template call, exactly once (see SendBatchService). */
@Processor(QueueName.BATCH, { settings: { backoffStrategy: batchBackoff } })
export class BatchProcessor extends WorkerHost implements JobHandlerSet {
  readonly queue = QueueName.BATCH;
  readonly handles = [JobName.SEND_BATCH] as const;

  constructor(private readonly sendBatch: SendBatchService) {
    super();
  }

  async process(job: Job<SendBatchPayload>): Promise<SendOutcome> {
    if (job.name !== JobName.SEND_BATCH) throw new UnrecoverableError(`no handler for ${job.name}`);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.sendBatch.send(job.data, lastAttempt);
  }
}
