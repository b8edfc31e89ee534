import { ExecutionContext, INestApplication, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  getStorageToken,
  normalizeIp,
  ThrottlerGuard,
  ThrottlerModule,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import Redis from 'ioredis';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  ErrorCode,
  isPublicRoute,
  REDIS_CLIENT,
  redisKey,
} from '@app/common';
import { Authenticator, Principal } from '@app/accounts';
import { LOGIN_PATH } from '../accounts/auth.controller';
import { isUnverifiedCallback } from '../wecom-callback/open-callback.middleware';
import { isUnverifiedYouzanPush } from '../youzan/open-youzan-push.middleware';

/**
 * Fixed window per key, counted and blocked in one round trip:
 * KEYS[1] the window's hit counter, KEYS[2] the block marker; ARGV ttl ms, limit, block ms.
 * Returns {hits, window ms left, blocked 0/1, block ms left}.
 */
export const INCREMENT_LUA = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {hits, ttl, 1, blocked} end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}
`;

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** The throttler's name (one budget for the whole API). */
const THROTTLER = 'default';

/** Redis key of a throttler's hit counter for the guard's key (`<key>:blocked`: its block marker). */
function counterKey(config: AppConfig, throttlerName: string, key: string): string {
  return redisKey(config, 'throttle', throttlerName, key);
}

/** The guard's key of a tracker (what generateKey returns and the storage is given). */
const guardKey = (tracker: string, throttlerName = THROTTLER) => `${throttlerName}:${tracker}`;

/** Redis key of a tracker's hit counter in the API's one budget, as the guard counts it. */
export function throttleKey(config: AppConfig, tracker: string): string {
  return counterKey(config, THROTTLER, guardKey(tracker));
}

/** The storage record of INCREMENT_LUA's reply {hits, window ms left, blocked, block ms left}. */
export function throttleRecord([hits, ttlMs, blocked, blockMs]: number[]): ThrottlerStorageRecord {
  return {
    totalHits: hits,
    timeToExpire: Math.ceil(ttlMs / 1000),
    isBlocked: blocked === 1,
    timeToBlockExpire: Math.ceil(blockMs / 1000),
  };
}

/**
 * Set on a request whose hit was already counted before Nest's guards ran (the cached
 * rule reads count it in the same Redis call that looks up the answer): the guard then
 * applies this record instead of counting the request a second time.
 */
export const COUNTED_HIT = Symbol('wpp:countedHit');
export type CountedRequest = Request & { [COUNTED_HIT]?: ThrottlerStorageRecord };

/** The guard's X-RateLimit-* headers for a counted hit. */
export function setRateLimitHeaders(
  res: Response,
  limit: number,
  record: ThrottlerStorageRecord,
): void {
  res.setHeader('X-RateLimit-Limit', limit);
  res.setHeader('X-RateLimit-Remaining', Math.max(0, limit - record.totalHits));
  res.setHeader('X-RateLimit-Reset', record.timeToExpire);
}

type ThrottleRedis = Redis & {
  wppThrottle(
    hitsKey: string,
    blockKey: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
  ): Promise<[number, number, number, number]>;
};

/**
 * Throttler counters in Redis, so every api process and replica shares one budget per
 * operator. A Lua script keeps count, expiry and block atomic. When Redis cannot answer,
 * the request is let through (logged): the limiter must not take the API down with it.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: ThrottleRedis;

  constructor(
    redis: Redis,
    private readonly config: AppConfig,
  ) {
    if (!('wppThrottle' in redis)) {
      redis.defineCommand('wppThrottle', { numberOfKeys: 2, lua: INCREMENT_LUA });
    }
    this.redis = redis as ThrottleRedis;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = counterKey(this.config, throttlerName, key);
    try {
      const reply = await this.redis.wppThrottle(
        base,
        `${base}:blocked`,
        ttl,
        limit,
        blockDuration,
      );
      return throttleRecord(reply);
    } catch (e) {
      this.logger.warn(
        `rate limit not checked, Redis failed: ${e instanceof Error ? e.message : String(e)}`,
      );
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}

/**
 * Whose budget a request spends: the operator of a valid credential, else the client address
 * (also when the credential cannot be checked: the access guard answers for it).
 */
async function trackerOf(
  principal: (req: Request) => Promise<Principal | undefined>,
  req: Request,
): Promise<string> {
  const found = await principal(req).catch(() => undefined);
  if (found !== undefined) return `operator:${found.operatorId}`;
  return `ip:${normalizeIp(req.ip ?? req.socket.remoteAddress ?? 'unknown', 64)}`;
}

const rateLimited = () =>
  new AppException(ErrorCode.RATE_LIMITED, '请求过于频繁，请稍后再试', [
    { field: 'Authorization', message: 'too many requests; retry after Retry-After seconds' },
  ]);

/**
 * One request budget per operator across the whole API (not per route): the tracker is the
 * operator id of a valid credential, else the client IP, so requests with bad tokens are
 * limited by address. /health is not limited (load balancers poll it), nor are WeCom's
 * callbacks and Youzan's push messages whose signature verified (a burst of thousands must
 * get through); anything else sent to those routes spends the sender's per-IP budget.
 */
@Injectable()
export class OperatorThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (!isPublicRoute(this.reflector, context)) return false;
    const req = context.switchToHttp().getRequest<Request>();
    // Sign-in is public but guessable: it spends the sender's budget like any other request.
    if (req.path === LOGIN_PATH) return false;
    return !isUnverifiedCallback(req) && !isUnverifiedYouzanPush(req);
  }

  protected override async getTracker(req: Request): Promise<string> {
    return trackerOf((r) => this.authenticator.principalOf(r), req);
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return guardKey(tracker, throttlerName);
  }

  protected override async throwThrottlingException(): Promise<void> {
    throw rateLimited();
  }

  /** A hit counted earlier in this request ({@link COUNTED_HIT}) is applied, not counted again. */
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const http = props.context.switchToHttp();
    const counted = http.getRequest<CountedRequest>()[COUNTED_HIT];
    if (counted === undefined) return super.handleRequest(props);
    const res = http.getResponse<Response>();
    if (counted.isBlocked) {
      res.setHeader('Retry-After', String(counted.timeToBlockExpire));
      throw rateLimited();
    }
    setRateLimitHeaders(res, props.limit, counted);
    return true;
  }
}

/**
 * The same budget for the pages Express serves outside Nest's guards (/docs, /queues), so
 * guessing a token through their Basic login is limited too.
 */
export function rateLimitMiddleware(app: INestApplication, config: AppConfig) {
  const storage = app.get<ThrottlerStorage>(getStorageToken());
  const authenticator = app.get(Authenticator);
  const ttl = config.THROTTLE_TTL_SECONDS * 1000;
  return (req: Request, res: Response, next: NextFunction) => {
    trackerOf((r) => authenticator.browserPrincipalOf(r), req)
      .then((tracker) =>
        storage.increment(guardKey(tracker), ttl, config.THROTTLE_LIMIT, ttl, THROTTLER),
      )
      .then(({ isBlocked, timeToBlockExpire }) => {
        if (!isBlocked) return next();
        res.setHeader('Retry-After', String(timeToBlockExpire));
        next(rateLimited());
      }, next);
  };
}

/** THROTTLE_LIMIT requests per THROTTLE_TTL_SECONDS, counted in Redis. */
export const rateLimitModule = ThrottlerModule.forRootAsync({
  inject: [APP_CONFIG, REDIS_CLIENT],
  useFactory: (config: AppConfig, redis: Redis): ThrottlerModuleOptions => ({
    throttlers: [
      { name: THROTTLER, ttl: config.THROTTLE_TTL_SECONDS * 1000, limit: config.THROTTLE_LIMIT },
    ],
    storage: new RedisThrottlerStorage(redis, config),
  }),
});
