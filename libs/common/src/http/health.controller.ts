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
import { DataSource } from 'typeorm';
import { Clock } from '../time/clock';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
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
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Public()
  @RawResponse()
  @HealthCheck()
  @ApiOperation({
    summary:
      'Liveness, MySQL and Redis reachability, and the scheduler: unhealthy when its last scan is older than SCHEDULER_STALE_MINUTES (no credential needed)',
  })
  async check() {
    try {
      return await this.health.check([
        () => this.db.pingCheck('mysql', { timeout: 2000 }),
        () => this.redisCheck(),
        () => this.schedulerCheck(),
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

  /**
   * Scheduling stopped (no worker scans: all down, or Redis lost the scan's scheduler and no
   * worker re-asserted it) shows here, from MySQL. Before the first scan ever: up.
   */
  private async schedulerCheck(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('scheduler');
    try {
      const [row] = (await this.dataSource.query(
        "SELECT last_at FROM scheduler_heartbeats WHERE name = 'scan'",
      )) as { last_at: Date }[];
      if (!row) return indicator.up({ lastScan: null });
      const ageMinutes = (this.clock.now().getTime() - row.last_at.getTime()) / 60_000;
      return ageMinutes <= this.config.SCHEDULER_STALE_MINUTES
        ? indicator.up({ lastScanMinutesAgo: Math.round(ageMinutes) })
        : indicator.down({
            message: `last scan ${Math.round(ageMinutes)} min ago (limit ${this.config.SCHEDULER_STALE_MINUTES})`,
          });
    } catch (e) {
      return indicator.down({ message: e instanceof Error ? e.message : 'unreadable' });
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
