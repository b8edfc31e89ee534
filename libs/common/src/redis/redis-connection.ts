import Redis, { RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/config.schema';

interface SentinelAddress {
  host: string;
  port: number;
}

/**
 * `host:port,host:port` (IPv6 as `[::1]:26379`) → the sentinels' addresses. Throws a message
 * naming the entry at fault; the config schema reports it under REDIS_SENTINELS.
 */
export function parseSentinels(list: string): SentinelAddress[] {
  const entries = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return entries.map((entry) => {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
    const port = Number(m?.[3]);
    if (!m || port < 1 || port > 65535)
      throw new Error(`"${entry}" is not host:port (port 1–65535; IPv6 as [addr]:port)`);
    return { host: m[1] ?? m[2], port };
  });
}

/** What the connection factory reads of the configuration. */
type RedisSettings = Pick<
  AppConfig,
  | 'REDIS_URL'
  | 'REDIS_PASSWORD'
  | 'REDIS_SENTINELS'
  | 'REDIS_SENTINEL_NAME'
  | 'REDIS_SENTINEL_PASSWORD'
>;

/**
 * ioredis options, plus BullMQ's `url` (with it, BullMQ calls `new Redis(url, rest)`).
 * `createRedisClient` builds the same client from them outside BullMQ.
 */
type RedisConnectionOptions = RedisOptions & { url?: string };

/**
 * `client`: the shared ioredis client (caches, locks, rate limits, health) — commands fail
 * after a few reconnection attempts instead of waiting forever. `queue`: BullMQ's queues and
 * workers — BullMQ requires `maxRetriesPerRequest: null` for its blocking worker connections.
 */
type RedisUse = 'client' | 'queue';

/** Sent by a primary that became a replica (a failover) to a client still connected to it. */
const READONLY = /^READONLY\b/;

/**
 * The one place every Redis connection of the system gets its options: REDIS_URL, or with
 * REDIS_SENTINELS the primary of REDIS_SENTINEL_NAME as the sentinels name it — asked at
 * every (re)connection, so after a failover each client reconnects to the new primary.
 */
export function redisConnectionOptions(
  config: RedisSettings,
  use: RedisUse,
): RedisConnectionOptions {
  const perUse: RedisOptions =
    use === 'queue'
      ? { maxRetriesPerRequest: null }
      : {
          maxRetriesPerRequest: 3,
          enableReadyCheck: true,
          // Commands issued while serving one batch of I/O events leave in one write: under load
          // every api request's rate-limit and cache scripts otherwise cost a socket write each.
          enableAutoPipelining: true,
        };
  if (config.REDIS_SENTINELS.length === 0) {
    // A password in REDIS_URL wins over REDIS_PASSWORD (ioredis reads the URL first).
    const password = config.REDIS_PASSWORD === undefined ? {} : { password: config.REDIS_PASSWORD };
    return { url: config.REDIS_URL, ...password, ...perUse };
  }
  return {
    sentinels: config.REDIS_SENTINELS,
    name: config.REDIS_SENTINEL_NAME,
    password: config.REDIS_PASSWORD,
    sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
    role: 'master',
    // A client that reaches the old primary after it was demoted (before Sentinel's CLIENT
    // KILL) gets READONLY: reconnect — through the sentinels — and resend the command.
    reconnectOnError: (e) => (READONLY.test(e.message) ? 2 : false),
    // The ready check confirms the node's role is `master`; ioredis then asks the next sentinel.
    enableReadyCheck: true,
    ...perUse,
  };
}

/** A client from the factory's options, the way BullMQ builds its own. */
export function createRedisClient(options: RedisConnectionOptions): Redis {
  const { url, ...rest } = options;
  return url === undefined ? new Redis(rest) : new Redis(url, rest);
}
