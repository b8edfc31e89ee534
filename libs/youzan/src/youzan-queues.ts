import { Module } from '@nestjs/common';
import { libQueues, NamedQueues } from '@app/common';
import { YouzanQueueName } from './youzan-queue.contracts';

/** The producers of the Youzan queues (the worker reads them with its own workers). */
export class YouzanQueues extends NamedQueues<YouzanQueueName> {}

const QUEUES = libQueues('youzan', Object.values(YouzanQueueName), YouzanQueues);

@Module({ imports: QUEUES.imports, providers: [QUEUES.provider], exports: [YouzanQueues] })
export class YouzanQueuesModule {}
