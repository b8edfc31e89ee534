import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS_CLIENT, redisKey } from '@app/common';
import { WecomEndpoint } from './wecom-endpoints';

/**
 * Takes one call of the window (a counter per endpoint and clock-aligned window, shared by
 * every process) if fewer than ARGV[1] were taken: 1 taken, 0 spent.
 */
const TAKE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then return 0 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * WeCom's per-API limits (10,000 calls a minute and 150,000 an hour per API per corp):
 * each endpoint has its own budget in Redis, so a contact sync spends only the budget of the
 * contact APIs and never slows sending (whose add_msg_template keeps WECOM_MAX_CALLS_PER_SECOND).
 */
@Injectable()
export class WecomApiRateLimiter {
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.prefix = redisKey(config, 'wecom', 'rate', config.WECOM_CORP_ID || 'corp');
  }

  /** Waits until both of the endpoint's windows have a call left, and takes it. */
  async take(endpoint: WecomEndpoint): Promise<void> {
    for (;;) {
      const waitMs = await this.tryTake(endpoint);
      if (waitMs <= 0) return;
      await delay(Math.min(waitMs, MINUTE_MS));
    }
  }

  /** Takes a call of the endpoint's minute and hour if both have one left (0), else the ms to wait. */
  async tryTake(endpoint: WecomEndpoint): Promise<number> {
    const perMinute = this.config.WECOM_API_CALLS_PER_MINUTE;
    const perHour = Math.max(perMinute, this.config.WECOM_API_CALLS_PER_HOUR);
    const minuteWaitMs = await this.window(endpoint, 'm', perMinute, MINUTE_MS);
    if (minuteWaitMs > 0) return minuteWaitMs;
    return this.window(endpoint, 'h', perHour, HOUR_MS);
  }

  /** 0 when a call was taken, else the ms until the window ends. */
  private async window(e: WecomEndpoint, unit: string, max: number, ms: number): Promise<number> {
    const now = Date.now();
    const slot = Math.floor(now / ms);
    const key = `${this.prefix}:${e.name}:${unit}${slot}`;
    const taken = Number(await this.redis.eval(TAKE, 1, key, max, 2 * ms));
    return taken === 1 ? 0 : (slot + 1) * ms - now;
  }
}
