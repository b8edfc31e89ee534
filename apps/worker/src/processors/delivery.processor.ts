import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import {
  JobName,
  QueueName,
  TrackDeliveryPayload,
  TrackDeliveryService,
  TrackOutcome,
} from '@app/pipeline';
import { OnJob } from './job-handlers';

/**
 * One sent batch's delivery tracking. While the task is not final the same job (same id)
 * is put back as delayed until the next poll, so a batch never has two tracking jobs.
 */
@Injectable()
export class DeliveryProcessor {
  constructor(private readonly delivery: TrackDeliveryService) {}

  @OnJob({ name: JobName.TRACK_DELIVERY, queue: QueueName.DELIVERY })
  async track(job: Job<TrackDeliveryPayload>, token?: string): Promise<TrackOutcome> {
    const outcome = await this.delivery.track(job.data.batchId);
    if (typeof outcome === 'object') {
      await job.moveToDelayed(Date.now() + outcome.nextInMs, token);
      throw new DelayedError();
    }
    return outcome;
  }
}
