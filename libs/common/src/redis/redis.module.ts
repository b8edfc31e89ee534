import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { createRedisClient, redisConnectionOptions } from './redis-connection';

/** Injection token of the shared ioredis client (caches, locks; BullMQ opens its own). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** `prefix:part:part` — every key this deployment writes starts with REDIS_KEY_PREFIX. */
export function redisKey(config: AppConfig, ...parts: (string | number)[]): string {
  return [config.REDIS_KEY_PREFIX, ...parts].join(':');
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        createRedisClient(redisConnectionOptions(config, 'client')),
    },
    RedisCloser,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
