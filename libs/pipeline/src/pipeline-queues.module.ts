import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/common';
import { PipelineQueues } from './pipeline-queues.service';
import { QueueName } from './queue.contracts';

/** BullMQ on the deployment's Redis, prefixed by REDIS_KEY_PREFIX; producers for every queue. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: { url: config.REDIS_URL, maxRetriesPerRequest: null },
        prefix: `${config.REDIS_KEY_PREFIX}:bull`,
      }),
    }),
    BullModule.registerQueue(
      { name: QueueName.SCHEDULE },
      { name: QueueName.SLOT },
      { name: QueueName.BATCH },
      { name: QueueName.DELIVERY },
    ),
  ],
  providers: [PipelineQueues],
  exports: [PipelineQueues, BullModule],
})
export class PipelineQueuesModule {}
