import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig, redisConnectionOptions } from '@app/common';
import { PipelineQueues } from './pipeline-queues.service';
import { QueueName } from './queue.contracts';

const QUEUES = Object.values(QueueName);

/** BullMQ on the deployment's Redis, prefixed by REDIS_KEY_PREFIX; producers for every queue. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: redisConnectionOptions(config, 'queue'),
        prefix: `${config.REDIS_KEY_PREFIX}:bull`,
      }),
    }),
    BullModule.registerQueue(...QUEUES.map((name) => ({ name }))),
  ],
  providers: [
    {
      provide: PipelineQueues,
      inject: QUEUES.map((name) => getQueueToken(name)),
      useFactory: (...queues: Queue[]) => new PipelineQueues(queues),
    },
  ],
  exports: [PipelineQueues, BullModule],
})
export class PipelineQueuesModule {}
