import { Inject, Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { Authenticator, csrfSatisfied } from '@app/accounts';
import { APP_CONFIG, AppConfig, REDIS_CLIENT, redisKey } from '@app/common';
import {
  COUNTED_HIT,
  CountedRequest,
  INCREMENT_LUA,
  setRateLimitHeaders,
  throttleKey,
  throttleRecord,
} from './rate-limit';

/**
 * The rate limit's count (INCREMENT_LUA) and, when the request may go on, the current rules
 * version and the answer cached under it, in one round trip.
 * KEYS[1] hit counter, KEYS[2] block marker, KEYS[3] rules version;
 * ARGV ttl ms, limit, block ms, entry key before the version, entry key after it.
 * Returns {hits, window ms left, blocked 0/1, block ms left, version, entry or nil}.
 */
const COUNT_AND_READ_LUA = INCREMENT_LUA.replace(
  'return {hits, ttl, 0, 0}',
  `local v = redis.call('GET', KEYS[3]) or '0'
return {hits, ttl, 0, 0, v, redis.call('GET', ARGV[4] .. v .. ARGV[5])}`,
);
const COMMAND = 'wppCountAndReadRule';

type CountAndRead = (
  hitsKey: string,
  blockKey: string,
  versionKey: string,
  ttlMs: number,
  limit: number,
  blockMs: number,
  head: string,
  tail: string,
) => Promise<[number, number, number, number, string?, (string | null)?]>;

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Answers a repeated `POST /wechatpush/lists` or `/wechatpush/info` from Redis before Nest's
 * guards, pipes and interceptors run: the operator console re-reads the same pages and rules
 * all day, and on a cache hit that pipeline (validation, transformation, the envelope, one
 * more Redis call for the rate limit, a JSON parse and a JSON stringify) was most of the
 * request's CPU.
 *
 * - **Key**: the route and the parsed request body as JSON, under the current rules version
 *   (the one {@link RuleReadCache} uses, incremented by every committed rule write). The
 *   answer to a body is a function of the body and the rules, so a body that once produced an
 *   answer under version v produces the same one while v is current. The version is read
 *   before the handler loads anything, so an answer loaded across a write lands under the
 *   older version, which nobody reads any more: a stale answer is never served after a write
 *   returned, on any replica.
 * - **One answer for every operator**: lists and info show every operator the same rules, so
 *   the key has no operator in it (a per-operator view would have to add one).
 * - **Only successes are stored** (status 200, `success: true`), exactly the bytes sent;
 *   400s, 404s and 429s always go through Nest.
 * - **Auth and rate limit are not skipped**: only a request with a valid credential (API key,
 *   token, or session with its CSRF token; every one includes the viewer role both routes
 *   need) is looked up here, and the same Redis script counts its hit in the operator's budget first
 *   (`X-RateLimit-*` headers as the guard sets them). On a miss or a block the request goes
 *   on to Nest with the hit marked as counted, so the guard applies it (429 with
 *   Retry-After) without counting it twice. Requests without a valid token go straight to
 *   Nest (401, limited by address).
 * - Redis failing → the request goes on to Nest, which degrades as it always did (the hit
 *   may then count twice: a Lua script's INCR stands when a later command in it fails).
 * - `RULE_CACHE_TTL_SECONDS` is the entries' lifetime; 0 turns this cache off too.
 */
@Injectable()
export class CachedRuleReads implements NestMiddleware {
  private readonly logger = new Logger(CachedRuleReads.name);
  private readonly versionKey: string;
  private readonly head: string;
  private readonly countAndRead: CountAndRead;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly authenticator: Authenticator,
  ) {
    this.versionKey = redisKey(config, 'rules', 'version');
    this.head = redisKey(config, 'rules', 'v');
    if (!(COMMAND in redis))
      redis.defineCommand(COMMAND, { numberOfKeys: 3, lua: COUNT_AND_READ_LUA });
    const command = (redis as unknown as Record<string, CountAndRead>)[COMMAND];
    this.countAndRead = command.bind(redis);
  }

  use(req: CountedRequest, res: Response, next: NextFunction): void {
    const ttlSeconds = this.config.RULE_CACHE_TTL_SECONDS;
    if (ttlSeconds === 0 || req.method !== 'POST') return next();
    // Both routes need the viewer role, which every credential includes; a request the access
    // guard would refuse (no credential, a cookie write without its CSRF token) goes to it.
    this.authenticator.principalOf(req).then(
      (principal) => {
        if (principal === undefined || !csrfSatisfied(req, principal)) return next();
        this.answer(req, res, next, principal.operatorId, ttlSeconds);
      },
      () => next(),
    );
  }

  private answer(
    req: CountedRequest,
    res: Response,
    next: NextFunction,
    operatorId: number,
    ttlSeconds: number,
  ): void {
    const route = req.originalUrl.split('?')[0];
    const tail = `:http:${createHash('sha1')
      .update(route)
      .update('\0')
      .update(JSON.stringify(req.body ?? {}))
      .digest('base64url')}`;
    const hits = throttleKey(this.config, `operator:${operatorId}`);
    const windowMs = this.config.THROTTLE_TTL_SECONDS * 1000;
    const limit = this.config.THROTTLE_LIMIT;
    this.countAndRead(
      hits,
      `${hits}:blocked`,
      this.versionKey,
      windowMs,
      limit,
      windowMs,
      this.head,
      tail,
    )
      // Two callbacks, not then/catch: an error thrown further down the chain must not be
      // taken for a Redis failure and call next() a second time.
      .then(
        ([hits, ttlMs, blocked, blockMs, version, entry]) => {
          const record = throttleRecord([hits, ttlMs, blocked, blockMs]);
          req[COUNTED_HIT] = record;
          if (record.isBlocked || version === undefined) return next();
          if (typeof entry === 'string') {
            setRateLimitHeaders(res, limit, record);
            res.status(200).setHeader('Content-Type', JSON_TYPE);
            res.end(entry);
            return;
          }
          this.storeWhatIsSent(res, `${this.head}${version}${tail}`, ttlSeconds);
          next();
        },
        (e: unknown) => {
          this.logger.warn(
            `cached rule read skipped, Redis failed: ${e instanceof Error ? e.message : String(e)}`,
          );
          next();
        },
      );
  }

  /** Keeps the JSON body Nest sends, when it is a success, under `key`. */
  private storeWhatIsSent(res: Response, key: string, ttlSeconds: number): void {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode !== 200 || (body as { success?: unknown } | null)?.success !== true) {
        return json(body);
      }
      const text = JSON.stringify(body);
      this.redis.set(key, text, 'EX', ttlSeconds).catch(() => undefined);
      res.setHeader('Content-Type', JSON_TYPE);
      return res.send(text);
    };
  }
}
