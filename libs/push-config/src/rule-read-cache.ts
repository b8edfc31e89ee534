import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS_CLIENT, redisKey } from '@app/common';

const READ_COMMAND = 'wppRuleCacheRead';
const READ_SCRIPT = `
local v = redis.call('GET', KEYS[1]) or '0'
return {v, redis.call('GET', ARGV[1] .. v .. ARGV[2])}`;

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
    // EVALSHA after the first call, so the script is not re-sent with every read.
    if (!(READ_COMMAND in redis))
      redis.defineCommand(READ_COMMAND, { numberOfKeys: 1, lua: READ_SCRIPT });
  }

  async read<T>(kind: string, query: unknown, load: () => Promise<T>): Promise<T> {
    const ttl = this.config.RULE_CACHE_TTL_SECONDS;
    if (ttl === 0) return load();
    const digest = createHash('sha1').update(JSON.stringify(query)).digest('base64url');
    const head = redisKey(this.config, 'rules', 'v');
    const tail = `:${kind}:${digest}`;
    let key: string;
    try {
      // One round trip: the current version and the entry under it.
      const read = (
        this.redis as unknown as Record<string, (...args: string[]) => Promise<unknown>>
      )[READ_COMMAND];
      const [version, hit] = (await read.call(this.redis, this.versionKey, head, tail)) as [
        string,
        string | null,
      ];
      if (hit !== null) return JSON.parse(hit) as T;
      key = `${head}${version}${tail}`;
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
