import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitGracefullyOnSignals, loadConfigOrExit } from '@app/common';
import { ApiModule } from './api.module';
import { configureApiApp } from './http/configure-app';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.create(ApiModule, { bufferLogs: true, bodyParser: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureApiApp(app, config);
  exitGracefullyOnSignals(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  await app.listen(config.PORT);
  const base = `http://localhost:${config.PORT}`;
  logger.log(`api listening on ${base} — OpenAPI ${base}/docs, health ${base}/health`, 'Bootstrap');
  if (config.usingDevAdminToken) {
    logger.warn(
      'ADMIN_TOKENS is not set: the development operator token is active (see README); set ADMIN_TOKENS for any shared environment',
      'Bootstrap',
    );
  }
}

void bootstrap().catch((e: unknown) => {
  console.error(`api failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
