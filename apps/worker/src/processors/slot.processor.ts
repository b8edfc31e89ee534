import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { FireOutcome, FireSlotPayload, FireSlotService, JobName, QueueName } from '@app/pipeline';
import { OnJob } from './job-handlers';

/** A rule slot firing: run row, rule re-check, attachments, audience → batch jobs. */
@Injectable()
export class SlotProcessor {
  constructor(private readonly fireSlot: FireSlotService) {}

  @OnJob({ name: JobName.FIRE_SLOT, queue: QueueName.SLOT })
  async fire(job: Job<FireSlotPayload>, token?: string): Promise<FireOutcome> {
    const outcome = await this.fireSlot.fire(job.data);
    if ('waitMs' in outcome) {
      // Higher-priority selections of the same minute first (contact policy): look again
      // shortly, without holding a worker slot meanwhile.
      await job.moveToDelayed(Date.now() + outcome.waitMs, token);
      throw new DelayedError();
    }
    return outcome;
  }
}
