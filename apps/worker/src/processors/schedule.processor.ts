import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName, ScanReport, ScheduleSlotsService } from '@app/pipeline';
import { JobHandlerSet } from './job-handlers';

/** The hourly scan (and the one at worker start): enqueue due slots, reconcile. */
@Processor(QueueName.SCHEDULE, { concurrency: 1 })
export class ScheduleProcessor extends WorkerHost implements JobHandlerSet {
  readonly queue = QueueName.SCHEDULE;
  readonly handles = [JobName.SCAN] as const;

  constructor(private readonly scheduler: ScheduleSlotsService) {
    super();
  }

  async process(job: Job): Promise<ScanReport> {
    if (job.name !== JobName.SCAN) throw new UnrecoverableError(`no handler for ${job.name}`);
    return this.scheduler.scan();
  }
}
