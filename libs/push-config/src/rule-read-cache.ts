import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS_CLIENT, redisKey } from '@app/common';

/**
 * Read-through cache of the operator console's rule reads (lists, info) in Redis.
 * Every key embeds the current rules version; each committed rule write increments it,
 * so a write makes all earlier entries unreachable at once. A reader that fetched the
 * old version before a write can only fill a key nobody reads any more, so a stale
 * answer is never served after the write returned. Redis trouble degrades to MySQL.
 * The scheduler and pipeline never read through this cache.
 */
@Injectable()
export class RuleReadCache {
  private readonly logger = new Logger(RuleReadCache.name);
  private readonly versionKey: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.versionKey = redisKey(config, 'rules', 'version');
  }

  async read<T>(kind: string, query: unknown, load: () => Promise<T>): Promise<T> {
    const ttl = this.config.RULE_CACHE_TTL_SECONDS;
    if (ttl === 0) return load();
    let key: string | undefined;
    try {
      const version = (await this.redis.get(this.versionKey)) ?? '0';
      const digest = createHash('sha1').update(JSON.stringify(query)).digest('base64url');
      key = redisKey(this.config, 'rules', 'v' + version, kind, digest);
      const hit = await this.redis.get(key);
      if (hit !== null) return JSON.parse(hit) as T;
    } catch (e) {
      this.logger.warn(`rule cache unavailable, reading MySQL: ${(e as Error).message}`);
      return load();
    }
    const value = await load();
    this.redis.set(key, JSON.stringify(value), 'EX', ttl).catch(() => undefined);
    return value;
  }

  /**
   * After a committed write: every cached read becomes unreachable. If Redis fails here the
   * write still stands; entries then age out within RULE_CACHE_TTL_SECONDS.
   */
  async invalidate(): Promise<void> {
    try {
      await this.redis.incr(this.versionKey);
    } catch (e) {
      this.logger.error(`could not invalidate the rule cache: ${(e as Error).message}`);
    }
  }
}
