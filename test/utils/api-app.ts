import { INestApplication } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig, redisKey } from '@app/common';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApiApp } from '../../apps/api/src/http/configure-app';
import { OPERATOR_1_TOKEN } from '../test-env';

export interface ApiHarness {
  app: INestApplication;
  db: DataSource;
  /** POST `path` with a JSON body as operator 1 (or with `token`, or none when null). */
  post(path: string, body?: unknown, token?: string | null): request.Test;
  close(): Promise<void>;
}

/**
 * Forgets the rate limiter's counters of this Jest worker's prefix: the suites of one worker
 * share it, and unauthenticated requests of earlier suites (one budget per IP) must not
 * spend a later suite's budget within the same window, as a fresh api process would not.
 */
async function resetRateLimits(config: AppConfig): Promise<void> {
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({
      match: `${redisKey(config, 'throttle')}:*`,
      count: 1000,
    }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * Boots the real api module (real MariaDB, real Redis) exactly as main.ts configures it.
 * `customize` may override providers (e.g. a fixed Clock).
 */
export async function startApi(
  customize: (b: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
): Promise<ApiHarness> {
  await resetRateLimits(loadConfig());
  const moduleRef = await customize(Test.createTestingModule({ imports: [ApiModule] })).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  configureApiApp(app, loadConfig());
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    db: app.get(DataSource),
    post(path, body = {}, token = OPERATOR_1_TOKEN) {
      const req = request(server).post(path).set('Content-Type', 'application/json');
      if (token !== null) req.set('Authorization', `Bearer ${token}`);
      return req.send(typeof body === 'string' ? body : JSON.stringify(body));
    },
    close: () => app.close(),
  };
}

/** Starts the real api with some variables set for its configuration only. */
export async function startApiWith(env: Record<string, string>): Promise<ApiHarness> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await startApi();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
