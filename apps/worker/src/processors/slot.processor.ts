import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { Clock } from '@app/common';
import { FireOutcome, FireSlotPayload, FireSlotService, JobName, QueueName } from '@app/pipeline';
import { SelectionMetrics } from '../metrics/selection-metrics';
import { OnJob } from './job-handlers';

/** A rule slot firing: run row, rule re-check, attachments, audience → batch jobs. */
@Injectable()
export class SlotProcessor {
  constructor(
    private readonly fireSlot: FireSlotService,
    private readonly clock: Clock,
    private readonly selection: SelectionMetrics,
  ) {}

  @OnJob({ name: JobName.FIRE_SLOT, queue: QueueName.SLOT })
  async fire(job: Job<FireSlotPayload>, token?: string): Promise<FireOutcome> {
    const startedAt = this.clock.now();
    const outcome = await this.fireSlot.fire(job.data);
    if ('waitMs' in outcome) {
      // Higher-priority selections of the same minute first (contact policy): look again
      // shortly, without holding a worker slot meanwhile.
      await job.moveToDelayed(Date.now() + outcome.waitMs, token);
      throw new DelayedError();
    }
    // Metrics only: a failure here must not fail (and retry) a slot whose work is done.
    await this.selection.afterSlotJob(outcome, startedAt).catch(() => undefined);
    return outcome;
  }
}
