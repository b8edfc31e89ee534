import { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  APP_CONFIG,
  AppConfig,
  AppConfigModule,
  loadConfig,
  REDIS_CLIENT,
  RedisModule,
} from '@app/common';
import {
  WecomAttachmentService,
  WecomClient,
  WecomMediaService,
  WecomModule,
  WecomTokenService,
} from '@app/wecom';

/** Collects log lines, so a test can assert what the client logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log = (m: unknown) => this.add('log', m);
  error = (m: unknown) => this.add('error', m);
  warn = (m: unknown) => this.add('warn', m);
  debug = (m: unknown) => this.add('debug', m);
  verbose = (m: unknown) => this.add('verbose', m);
  private add(level: string, message: unknown) {
    this.lines.push({ level, message: String(message) });
  }
}

export interface WecomContext {
  config: AppConfig;
  client: WecomClient;
  media: WecomMediaService;
  attachments: WecomAttachmentService;
  tokens: WecomTokenService;
  redis: Redis;
  logger: CapturingLogger;
  close(): Promise<void>;
}

/**
 * A Nest application context with the WeCom client as a worker would have it (real Redis),
 * configured by the environment plus `env`.
 */
export async function startWecomContext(env: Record<string, string>): Promise<WecomContext> {
  const config = loadConfig({ ...process.env, ...env });
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule, RedisModule, WecomModule],
  })
    .overrideProvider(APP_CONFIG)
    .useValue(config)
    .compile();
  const logger = new CapturingLogger();
  moduleRef.useLogger(logger);
  await moduleRef.init();
  return {
    config,
    client: moduleRef.get(WecomClient),
    media: moduleRef.get(WecomMediaService),
    attachments: moduleRef.get(WecomAttachmentService),
    tokens: moduleRef.get(WecomTokenService),
    redis: moduleRef.get(REDIS_CLIENT),
    logger,
    close: () => moduleRef.close(),
  };
}
