import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitGracefullyOnSignals, loadConfigOrExit } from '@app/common';
import { QueueWorkers } from './queue-workers.service';
import { WorkerModule, WorkerWithHealthModule } from './worker.module';

/**
 * Stops every queue worker from taking jobs and waits for the running ones, before Nest's
 * shutdown hooks run: those close the HTTP agents and database pools (module destroy runs
 * deeper modules first), which would cut an in-flight WeCom call and leave its batch
 * `unknown`.
 */
function drainQueueWorkers(app: INestApplicationContext): Promise<void> {
  return app.get(QueueWorkers, { strict: false }).close();
}

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  let app: INestApplicationContext;
  if (config.WORKER_PORT) {
    const http = await NestFactory.create(WorkerWithHealthModule, { bufferLogs: true });
    http.useLogger(http.get(Logger));
    await http.listen(config.WORKER_PORT);
    app = http;
  } else {
    app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.init();
  }
  const logger = app.get(Logger);
  exitGracefullyOnSignals(app, logger, config.SHUTDOWN_TIMEOUT_MS, () => drainQueueWorkers(app));
  logger.log(
    `worker started${config.WORKER_PORT ? `, health on :${config.WORKER_PORT}/health` : ''}`,
    'Bootstrap',
  );
}

void bootstrap().catch((e: unknown) => {
  console.error(`worker failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
