import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import {
  PullReport,
  PullTradesPayload,
  YouzanJobName,
  YouzanPullService,
  YouzanQueueName,
} from '@app/youzan';
import { OnJob } from './job-handlers';

/** One incremental Youzan pull (docs/INGEST.md "Youzan"). */
@Injectable()
export class YouzanPullProcessor {
  constructor(private readonly pulls: YouzanPullService) {}

  @OnJob({ name: YouzanJobName.PULL_TRADES, queue: YouzanQueueName.PULL })
  pull(_job: Job<PullTradesPayload>): Promise<PullReport> {
    return this.pulls.pull();
  }
}
