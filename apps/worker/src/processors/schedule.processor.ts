import { Injectable } from '@nestjs/common';
import { JobName, QueueName, ScanReport, ScheduleSlotsService } from '@app/pipeline';
import { OnJob } from './job-handlers';

/** The hourly scan (and the one at worker start): enqueue due slots, reconcile. */
@Injectable()
export class ScheduleProcessor {
  constructor(private readonly scheduler: ScheduleSlotsService) {}

  @OnJob({ name: JobName.SCAN, queue: QueueName.SCHEDULE })
  scan(): Promise<ScanReport> {
    return this.scheduler.scan();
  }
}
