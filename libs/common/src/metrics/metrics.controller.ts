import { Controller, Get, Header, Headers, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';
import { Public } from '../auth/operator-auth.guard';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';
import { RawResponse } from '../http/success-envelope.interceptor';
import { MetricsRegistry } from './metrics.registry';

const METRICS_PATH = 'metrics';

const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();

/**
 * `GET /metrics` for Prometheus, on the api port and the worker's WORKER_PORT. Not an
 * operator route: it answers only `Authorization: Bearer $METRICS_TOKEN` (compared in
 * constant time), 404 when METRICS_TOKEN is unset, 401 otherwise; not in the OpenAPI
 * document, and — public to the operator guard like /health — not counted by the API's
 * rate limit (Prometheus scrapes every few seconds).
 */
@ApiExcludeController()
@Controller(METRICS_PATH)
export class MetricsController {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsRegistry,
  ) {
    this.expected = config.METRICS_TOKEN === undefined ? undefined : digest(config.METRICS_TOKEN);
  }

  @Get()
  @Public()
  @RawResponse()
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Res({ passthrough: true }) res: Response,
    @Headers('authorization') authorization?: string,
  ): Promise<string> {
    if (this.expected === undefined) {
      // Exactly what an unknown route answers: nothing tells that metrics exist.
      throw new NotFoundException(`Cannot GET /${METRICS_PATH}`);
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]), this.expected)) {
      throw new AppException(ErrorCode.UNAUTHORIZED, '未登录或令牌无效', [
        { field: 'Authorization', message: 'Bearer METRICS_TOKEN is required' },
      ]);
    }
    const text = await this.metrics.text();
    // Set here, not by @Header: an error answer must stay JSON.
    res.setHeader('Content-Type', this.metrics.contentType);
    return text;
  }
}
