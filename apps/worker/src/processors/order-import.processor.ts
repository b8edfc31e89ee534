import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import {
  ImportJobName,
  ImportJobPayloads,
  ImportQueueName,
  OrderImportRecord,
  OrderImportRunner,
} from '@app/ingest';
import { OnJob } from './job-handlers';

/** One recorded order-file import (docs/INGEST.md "The import job"). */
@Injectable()
export class OrderImportProcessor {
  constructor(private readonly runner: OrderImportRunner) {}

  @OnJob({ name: ImportJobName.RUN_ORDER_IMPORT, queue: ImportQueueName.ORDER_IMPORTS })
  async run(
    job: Job<ImportJobPayloads[ImportJobName.RUN_ORDER_IMPORT]>,
  ): Promise<OrderImportRecord | undefined> {
    return this.runner.run(job.data.importId, (c) => job.updateProgress({ ...c }));
  }
}
