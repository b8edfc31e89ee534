import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { FireOutcome, FireSlotPayload, FireSlotService, JobName, QueueName } from '@app/pipeline';
import { JobHandlerSet } from './job-handlers';

/** A rule slot firing: run row, rule re-check, attachments, audience → batch jobs. */
@Processor(QueueName.SLOT)
export class SlotProcessor extends WorkerHost implements JobHandlerSet {
  readonly queue = QueueName.SLOT;
  readonly handles = [JobName.FIRE_SLOT] as const;

  constructor(private readonly fireSlot: FireSlotService) {
    super();
  }

  async process(job: Job<FireSlotPayload>): Promise<FireOutcome> {
    if (job.name !== JobName.FIRE_SLOT) throw new UnrecoverableError(`no handler for ${job.name}`);
    return this.fireSlot.fire(job.data);
  }
}
