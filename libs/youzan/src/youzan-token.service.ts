import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import {
  APP_CONFIG,
  AppConfig,
  Clock,
  REDIS_CLIENT,
  RedisSingleFlight,
  redisKey,
  SingleFlightTimeoutError,
} from '@app/common';
import { YouzanApiError } from './youzan-errors';
import { YouzanHttp } from './youzan-http';
import type { YouzanAnswer, YouzanTokenData } from './youzan-trade.types';

const DROP_IF_SAME = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * The access token of a self-use app (自用型应用): `POST /auth/token` with the client id and
 * secret, `authorize_type: silent` and the shop's kdt_id as `grant_id`. Cached in Redis
 * until YOUZAN_TOKEN_MARGIN_SECONDS before Youzan's `expires`, fetched by one process at a
 * time across the deployment (the WeCom token's single flight).
 */
@Injectable()
export class YouzanTokenService {
  private readonly logger = new Logger('YouzanToken');
  private readonly flight: RedisSingleFlight;
  private readonly key: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly http: YouzanHttp,
    private readonly clock: Clock,
  ) {
    this.flight = new RedisSingleFlight(redis);
    // A digest names the (app, secret, shop) without putting the secret in Redis.
    const app = createHash('sha256')
      .update(`${config.YOUZAN_CLIENT_ID}\n${config.YOUZAN_CLIENT_SECRET}\n${config.YOUZAN_KDT_ID}`)
      .digest('hex')
      .slice(0, 20);
    this.key = redisKey(config, 'youzan', 'token', app);
  }

  /** Redis key of the cached token (for tests; holds the token itself). */
  get cacheKey(): string {
    return this.key;
  }

  async getAccessToken(): Promise<string> {
    const lockTtlMs = this.config.YOUZAN_TIMEOUT_MS + 5_000;
    try {
      return await this.flight.get(this.key, { lockTtlMs, waitMs: 2 * lockTtlMs }, () =>
        this.fetch(),
      );
    } catch (e) {
      if (e instanceof SingleFlightTimeoutError) {
        throw new YouzanApiError(
          'auth/token',
          null,
          'another process is still fetching the token',
          true,
        );
      }
      throw e;
    }
  }

  /** Drops the cached token after Youzan refused it, unless another caller already replaced it. */
  async invalidate(token: string): Promise<void> {
    await this.redis.eval(DROP_IF_SAME, 1, this.key, token);
  }

  private async fetch(): Promise<{ value: string; ttlMs: number }> {
    const { YOUZAN_CLIENT_ID, YOUZAN_CLIENT_SECRET, YOUZAN_KDT_ID } = this.config;
    const answer = await this.http.post<YouzanAnswer<YouzanTokenData>>(
      'auth/token',
      '/auth/token',
      {
        client_id: YOUZAN_CLIENT_ID,
        client_secret: YOUZAN_CLIENT_SECRET,
        authorize_type: 'silent',
        grant_id: YOUZAN_KDT_ID,
        refresh: false,
      },
    );
    const data = answer.data;
    if (!answer.success || typeof data?.access_token !== 'string') {
      this.logger.error(
        `Youzan refused the credentials (${answer.code}: ${answer.message}); check YOUZAN_CLIENT_ID, YOUZAN_CLIENT_SECRET and YOUZAN_KDT_ID`,
      );
      throw new YouzanApiError(
        'auth/token',
        answer.code ?? null,
        answer.message ?? 'no token',
        false,
      );
    }
    const lifetimeMs = Math.max(1_000, Number(data.expires) - this.clock.now().getTime());
    const marginMs = Math.min(this.config.YOUZAN_TOKEN_MARGIN_SECONDS * 1000, lifetimeMs / 2);
    return { value: data.access_token, ttlMs: lifetimeMs - marginMs };
  }
}
