import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

interface SingleFlightOptions {
  /** How long the loader may hold the lock before another process may take over. */
  lockTtlMs: number;
  /** How long a waiter waits for another process's result before giving up. */
  waitMs: number;
  /** How often a waiter looks for the result. */
  pollMs?: number;
}

interface Loaded {
  value: string;
  ttlMs: number;
}

/** Thrown when another process held the lock for longer than `waitMs`. */
export class SingleFlightTimeoutError extends Error {}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read-through cache of one string per key, loaded by one caller at a time across all
 * processes: a Redis lock (SET NX PX) elects the loader, everyone else reuses its result.
 * Within a process, concurrent callers share one promise.
 */
export class RedisSingleFlight {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly redis: Redis) {}

  get(key: string, options: SingleFlightOptions, load: () => Promise<Loaded>): Promise<string> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.resolve(key, options, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async resolve(key: string, o: SingleFlightOptions, load: () => Promise<Loaded>) {
    const lockKey = `${key}:lock`;
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      const cached = await this.redis.get(key);
      if (cached !== null) return cached;
      const nonce = randomBytes(12).toString('hex');
      if (await this.redis.set(lockKey, nonce, 'PX', o.lockTtlMs, 'NX')) {
        try {
          // The previous holder may have stored the value between our read and our lock.
          const again = await this.redis.get(key);
          if (again !== null) return again;
          const loaded = await load();
          await this.redis.set(key, loaded.value, 'PX', Math.max(1, Math.floor(loaded.ttlMs)));
          return loaded.value;
        } finally {
          await this.redis.eval(RELEASE, 1, lockKey, nonce);
        }
      }
      if (Date.now() >= deadline) {
        throw new SingleFlightTimeoutError(`timed out waiting for ${key}`);
      }
      await sleep(o.pollMs ?? 25);
    }
  }
}
