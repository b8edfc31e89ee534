import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, Clock, REDIS_CLIENT, redisKey } from '@app/common';

export interface Session {
  /** The cookie's value: 256 random bits. Redis keeps only its SHA-256. */
  id: string;
  accountId: number;
  /** Sent back in X-CSRF-Token on every cookie-authenticated write. */
  csrfToken: string;
  /** Epoch ms. */
  createdAt: number;
  lastSeenAt: number;
}

type Stored = Omit<Session, 'id'>;

const digest = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

/**
 * Signed-in sessions in Redis (docs/SECURITY.md "Sessions"), shared by every api replica, so
 * sign-out and disabling take effect on all of them with the next request. A session ends
 * after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after sign-in, both
 * measured with the injectable Clock (Redis's own expiry only collects what is left over).
 * Losing Redis loses the sessions: everyone signs in again.
 */
@Injectable()
export class SessionStore {
  private readonly idleMs: number;
  private readonly maxMs: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.idleMs = config.SESSION_IDLE_MINUTES * 60_000;
    this.maxMs = config.SESSION_MAX_HOURS * 3_600_000;
  }

  private key(id: string): string {
    return redisKey(this.config, 'session', digest(id));
  }

  private accountKey(accountId: number): string {
    return redisKey(this.config, 'sessions', 'account', accountId);
  }

  /** Redis keeps the record until the earlier of its idle and absolute end (real time). */
  private ttl(s: Stored, now: number): number {
    return Math.max(1, Math.min(this.idleMs, s.createdAt + this.maxMs - now));
  }

  async start(accountId: number): Promise<Session> {
    const now = this.clock.now().getTime();
    const id = randomBytes(32).toString('base64url');
    const stored: Stored = {
      accountId,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
    };
    await this.redis
      .multi()
      .set(this.key(id), JSON.stringify(stored), 'PX', this.ttl(stored, now))
      .sadd(this.accountKey(accountId), digest(id))
      .pexpire(this.accountKey(accountId), this.maxMs)
      .exec();
    return { id, ...stored };
  }

  /** The live session of a cookie value (its idle time restarts), or undefined. */
  async touch(id: string): Promise<Session | undefined> {
    const key = this.key(id);
    const text = await this.redis.get(key);
    if (text === null) return undefined;
    const stored = JSON.parse(text) as Stored;
    const now = this.clock.now().getTime();
    if (now - stored.lastSeenAt >= this.idleMs || now - stored.createdAt >= this.maxMs) {
      await this.redis.del(key);
      return undefined;
    }
    stored.lastSeenAt = now;
    // XX: a session ended between the GET and here stays ended.
    await this.redis.set(key, JSON.stringify(stored), 'PX', this.ttl(stored, now), 'XX');
    return { id, ...stored };
  }

  async end(session: Pick<Session, 'id' | 'accountId'>): Promise<void> {
    await this.redis
      .multi()
      .del(this.key(session.id))
      .srem(this.accountKey(session.accountId), digest(session.id))
      .exec();
  }

  /** Ends every session of an account (disabled, or its password changed). */
  async endAllOf(accountId: number): Promise<void> {
    const setKey = this.accountKey(accountId);
    const digests = await this.redis.smembers(setKey);
    const multi = this.redis.multi();
    for (const d of digests) multi.del(redisKey(this.config, 'session', d));
    await multi.del(setKey).exec();
  }
}
