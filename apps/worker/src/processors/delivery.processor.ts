import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import {
  JobName,
  QueueName,
  TrackDeliveryPayload,
  TrackDeliveryService,
  TrackOutcome,
} from '@app/pipeline';
import { JobHandlerSet } from './job-handlers';

/**
 * One sent batch's delivery tracking. While the task is not final the same job (same id)
 * is put back as delayed until the next poll, so a batch never has two tracking jobs.
 */
@Processor(QueueName.DELIVERY)
export class DeliveryProcessor extends WorkerHost implements JobHandlerSet {
  readonly queue = QueueName.DELIVERY;
  readonly handles = [JobName.TRACK_DELIVERY] as const;

  constructor(private readonly delivery: TrackDeliveryService) {
    super();
  }

  async process(job: Job<TrackDeliveryPayload>, token?: string): Promise<TrackOutcome> {
    if (job.name !== JobName.TRACK_DELIVERY) {
      throw new UnrecoverableError(`no handler for ${job.name}`);
    }
    const outcome = await this.delivery.track(job.data.batchId);
    if (typeof outcome === 'object') {
      await job.moveToDelayed(Date.now() + outcome.nextInMs, token);
      throw new DelayedError();
    }
    return outcome;
  }
}
