import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Provider } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { redisConnectionOptions } from './redis-connection';

/** A lib's BullMQ queues by name (the producers; the worker reads them with its own workers). */
export class NamedQueues<N extends string> {
  private readonly queues = new Map<string, Queue>();

  constructor(queues: readonly Queue[]) {
    for (const q of queues) this.queues.set(q.name, q);
  }

  queue(name: N): Queue {
    return this.queues.get(name) as Queue;
  }
}

/**
 * The imports and the provider of a lib's queue module: a BullMQ connection of the lib's own
 * (`configKey`, so the lib needs no other lib's queue module) on the deployment's Redis, keys
 * under `REDIS_KEY_PREFIX:bull`, one producer per queue name, gathered in `holder`.
 */
export function libQueues<T>(
  configKey: string,
  names: readonly string[],
  holder: new (queues: readonly Queue[]) => T,
): { imports: DynamicModule[]; provider: Provider } {
  return {
    imports: [
      BullModule.forRootAsync(configKey, {
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({
          connection: redisConnectionOptions(config, 'queue'),
          prefix: `${config.REDIS_KEY_PREFIX}:bull`,
        }),
      }),
      BullModule.registerQueue(...names.map((name) => ({ name, configKey }))),
    ],
    provider: {
      provide: holder,
      inject: names.map((name) => getQueueToken(name)),
      useFactory: (...queues: Queue[]) => new holder(queues),
    },
  };
}
