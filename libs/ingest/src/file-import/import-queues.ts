import { Module } from '@nestjs/common';
import { Job } from 'bullmq';
import { libQueues, NamedQueues } from '@app/common';
import {
  IMPORT_JOB_OPTIONS,
  IMPORT_JOB_QUEUE,
  ImportJobName,
  ImportJobPayloads,
  ImportQueueName,
} from './import-queue.contracts';

/** The only way work enters the import queue: typed by the contracts, options from one table. */
export class ImportQueues extends NamedQueues<ImportQueueName> {
  add<K extends ImportJobName>(
    name: K,
    payload: ImportJobPayloads[K],
    jobId: string,
  ): Promise<Job> {
    return this.queue(IMPORT_JOB_QUEUE[name]).add(name, payload, {
      ...IMPORT_JOB_OPTIONS[name],
      jobId,
    });
  }
}

const QUEUES = libQueues('ingest', Object.values(ImportQueueName), ImportQueues);

/** Producers of the import queue, on the deployment's Redis under REDIS_KEY_PREFIX. */
@Module({ imports: QUEUES.imports, providers: [QUEUES.provider], exports: [ImportQueues] })
export class ImportQueuesModule {}
