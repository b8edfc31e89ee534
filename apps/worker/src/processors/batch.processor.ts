import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { JobName, QueueName, SendBatchPayload, SendBatchService, SendOutcome } from '@app/pipeline';
import { OnJob } from './job-handlers';

/**
 * One batch, one add_msg_template call, exactly once (see SendBatchService). A retryable
 * WeCom error puts the job back as delayed for the wait the service chose; the queue's own
 * retries only cover unexpected failures (e.g. MySQL unreachable).
 */
@Injectable()
export class BatchProcessor {
  constructor(private readonly sendBatch: SendBatchService) {}

  @OnJob({ name: JobName.SEND_BATCH, queue: QueueName.BATCH })
  async send(job: Job<SendBatchPayload>, token?: string): Promise<SendOutcome> {
    const outcome = await this.sendBatch.send(job.data);
    if (typeof outcome === 'object') {
      await job.moveToDelayed(Date.now() + outcome.retryInMs, token);
      throw new DelayedError();
    }
    return outcome;
  }
}
