import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS_CLIENT, redisKey } from '@app/common';

/**
 * Failed sign-ins per user name (docs/SECURITY.md "Sign-in"): LOGIN_MAX_FAILURES within
 * LOGIN_LOCKOUT_MINUTES lock that user name for LOGIN_LOCKOUT_MINUTES (counted from the
 * first failure of the window), on every replica. Keyed by name, not address, so guessing
 * from many addresses is stopped too; the price is that anyone can lock a known name out
 * for a while (the per-address rate limit still applies to /auth/login).
 */
@Injectable()
export class LoginLockout {
  private readonly windowMs: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.windowMs = config.LOGIN_LOCKOUT_MINUTES * 60_000;
  }

  private key(username: string): string {
    return redisKey(this.config, 'login-failures', username.toLowerCase());
  }

  /** Seconds until the user name may try again; 0 when it is not locked. */
  async lockedFor(username: string): Promise<number> {
    const key = this.key(username);
    const [[, failures], [, ttl]] = (await this.redis.multi().get(key).pttl(key).exec()) as [
      [unknown, string | null],
      [unknown, number],
    ];
    return Number(failures ?? 0) >= this.config.LOGIN_MAX_FAILURES
      ? Math.max(1, Math.ceil(ttl / 1000))
      : 0;
  }

  /** Counts a failure and waits LOGIN_FAILURE_DELAY_MS per earlier failure (at most 4×). */
  async failed(username: string): Promise<void> {
    const key = this.key(username);
    const [[, failures]] = (await this.redis
      .multi()
      .incr(key)
      .pexpire(key, this.windowMs, 'NX')
      .exec()) as [[unknown, number]];
    const delay = this.config.LOGIN_FAILURE_DELAY_MS * Math.min(failures - 1, 4);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  async succeeded(username: string): Promise<void> {
    await this.redis.del(this.key(username));
  }
}
