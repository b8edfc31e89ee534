import { Module } from '@nestjs/common';
import { Job, JobsOptions } from 'bullmq';
import { libQueues, NamedQueues } from '@app/common';
import {
  CALLBACK_JOB_OPTIONS,
  CALLBACK_JOB_QUEUE,
  CallbackJobName,
  CallbackJobPayloads,
  CallbackQueueName,
} from './callback-queue.contracts';

/** The only way work enters the callback queue: typed by the contracts, options from one table. */
export class CallbackQueues extends NamedQueues<CallbackQueueName> {
  add<K extends CallbackJobName>(
    name: K,
    payload: CallbackJobPayloads[K],
    opts: JobsOptions = {},
  ): Promise<Job> {
    return this.queue(CALLBACK_JOB_QUEUE[name]).add(name, payload, {
      ...CALLBACK_JOB_OPTIONS[name],
      ...opts,
    });
  }
}

const QUEUES = libQueues('wecom-callbacks', Object.values(CallbackQueueName), CallbackQueues);

/** Producers of the callback queues, on the deployment's Redis under REDIS_KEY_PREFIX. */
@Module({ imports: QUEUES.imports, providers: [QUEUES.provider], exports: [CallbackQueues] })
export class CallbackQueuesModule {}
