import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName, SendBatchPayload, SendBatchService, SendOutcome } from '@app/pipeline';
import { JobHandlerSet } from './job-handlers';

/**
 * One batch, one add_msg_template call, exactly once (see SendBatchService). A retryable
 * WeCom error puts the job back as delayed for the wait the service chose; the queue's own
 * retries only cover unexpected failures (e.g. MySQL unreachable).
 */
@Processor(QueueName.BATCH)
export class BatchProcessor extends WorkerHost implements JobHandlerSet {
  readonly queue = QueueName.BATCH;
  readonly handles = [JobName.SEND_BATCH] as const;

  constructor(private readonly sendBatch: SendBatchService) {
    super();
  }

  async process(job: Job<SendBatchPayload>, token?: string): Promise<SendOutcome> {
    if (job.name !== JobName.SEND_BATCH) throw new UnrecoverableError(`no handler for ${job.name}`);
    const outcome = await this.sendBatch.send(job.data);
    if (typeof outcome === 'object') {
      await job.moveToDelayed(Date.now() + outcome.retryInMs, token);
      throw new DelayedError();
    }
    return outcome;
  }
}
