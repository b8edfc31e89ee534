import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import {
  APP_CONFIG,
  AppConfig,
  REDIS_CLIENT,
  RedisSingleFlight,
  redisKey,
  SingleFlightTimeoutError,
} from '@app/common';
import { ENDPOINTS } from './wecom-endpoints';
import { errorForErrcode } from './wecom-error-policy';
import { WecomConfigError, WecomRetryableError } from './wecom-errors';
import { WecomTransport } from './wecom-transport.service';
import { WecomAnswer } from './wecom.types';

interface TokenAnswer extends WecomAnswer {
  access_token: string;
  expires_in: number;
}

/** After a configuration error, gettoken is not asked again for this long: WeCom bans IPs that keep sending a wrong secret. */
const CONFIG_FAILURE_TTL_MS = 60_000;

const DROP_IF_SAME = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * The access token, cached in Redis per (corp id, secret) for WeCom's `expires_in` minus a
 * margin, and fetched by one process at a time across the deployment.
 */
@Injectable()
export class WecomTokenService {
  private readonly logger = new Logger('WecomToken');
  private readonly flight: RedisSingleFlight;
  private readonly key: string;
  private readonly failureKey: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly transport: WecomTransport,
  ) {
    this.flight = new RedisSingleFlight(redis);
    // A digest names the (corp, secret) pair without putting the secret in Redis.
    const app = createHash('sha256')
      .update(`${config.WECOM_CORP_ID}\n${config.WECOM_CORP_SECRET}`)
      .digest('hex')
      .slice(0, 20);
    this.key = redisKey(config, 'wecom', 'token', app);
    this.failureKey = `${this.key}:config-error`;
  }

  /** Redis key of the cached token (for operators and tests; holds the token itself). */
  get cacheKey(): string {
    return this.key;
  }

  async getAccessToken(): Promise<string> {
    if (!this.config.WECOM_CORP_ID || !this.config.WECOM_CORP_SECRET) {
      throw new WecomConfigError(
        ENDPOINTS.gettoken.name,
        null,
        'WECOM_CORP_ID and WECOM_CORP_SECRET must be set',
      );
    }
    const lockTtlMs = this.config.WECOM_TIMEOUT_MS + 5_000;
    try {
      return await this.flight.get(this.key, { lockTtlMs, waitMs: 2 * lockTtlMs }, () =>
        this.fetch(),
      );
    } catch (e) {
      if (e instanceof SingleFlightTimeoutError) {
        throw new WecomRetryableError(
          ENDPOINTS.gettoken.name,
          null,
          'another process is still fetching the access token',
          1_000,
        );
      }
      throw e;
    }
  }

  /**
   * Drops the cached token after WeCom refused it, unless another caller already replaced it
   * (then that newer token is kept and reused).
   */
  async invalidate(token: string): Promise<void> {
    await this.redis.eval(DROP_IF_SAME, 1, this.key, token);
  }

  private async fetch(): Promise<{ value: string; ttlMs: number }> {
    const endpoint = ENDPOINTS.gettoken;
    const failure = await this.redis.get(this.failureKey);
    if (failure !== null) {
      const { errcode, errmsg } = JSON.parse(failure) as WecomAnswer;
      throw new WecomConfigError(endpoint.name, errcode, `${errmsg} (not retried for a minute)`);
    }
    const secret = this.config.WECOM_CORP_SECRET;
    const answer = await this.transport.send<TokenAnswer>(
      endpoint,
      { params: { corpid: this.config.WECOM_CORP_ID, corpsecret: secret } },
      [secret],
    );
    if (answer.errcode !== 0 || typeof answer.access_token !== 'string') {
      const error = errorForErrcode(endpoint, answer.errcode, answer.errmsg);
      if (error instanceof WecomConfigError) {
        this.logger.error(
          `WeCom refused the credentials (errcode ${answer.errcode}: ${answer.errmsg}); check WECOM_CORP_ID, WECOM_CORP_SECRET and the app's trusted IPs`,
        );
        await this.redis.set(
          this.failureKey,
          JSON.stringify({ errcode: answer.errcode, errmsg: answer.errmsg }),
          'PX',
          CONFIG_FAILURE_TTL_MS,
        );
      }
      throw error;
    }
    const lifetimeMs = (Number(answer.expires_in) || 7200) * 1000;
    const marginMs = Math.min(this.config.WECOM_TOKEN_MARGIN_SECONDS * 1000, lifetimeMs / 2);
    return { value: answer.access_token, ttlMs: lifetimeMs - marginMs };
  }
}
