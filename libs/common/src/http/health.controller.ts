import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import Redis from 'ioredis';
import { Public } from '../auth/operator-auth.guard';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RawResponse } from './success-envelope.interceptor';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  @Get()
  @Public()
  @RawResponse()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness plus MySQL and Redis reachability (no credential needed)' })
  async check() {
    try {
      return await this.health.check([
        () => this.db.pingCheck('mysql', { timeout: 2000 }),
        () => this.redisCheck(),
      ]);
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      const result = e.getResponse() as { error?: Record<string, { message?: string }> };
      throw new AppException(
        ErrorCode.SERVICE_UNAVAILABLE,
        '依赖服务不可用',
        Object.entries(result.error ?? {}).map(([field, v]) => ({
          field,
          message: v.message ?? 'down',
        })),
      );
    }
  }

  private async redisCheck(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    try {
      const pong = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('timeout')), 2000).unref(),
        ),
      ]);
      return pong === 'PONG' ? indicator.up() : indicator.down({ message: 'unexpected reply' });
    } catch (e) {
      return indicator.down({ message: e instanceof Error ? e.message : 'unreachable' });
    }
  }
}
