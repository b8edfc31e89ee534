import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { FireOutcome, FireSlotPayload, FireSlotService, JobName, QueueName } from '@app/pipeline';
import { OnJob } from './job-handlers';

/** A rule slot firing: run row, rule re-check, attachments, audience → batch jobs. */
@Injectable()
export class SlotProcessor {
  constructor(private readonly fireSlot: FireSlotService) {}

  @OnJob({ name: JobName.FIRE_SLOT, queue: QueueName.SLOT })
  fire(job: Job<FireSlotPayload>): Promise<FireOutcome> {
    return this.fireSlot.fire(job.data);
  }
}
