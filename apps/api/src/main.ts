import 'reflect-metadata';
import cluster from 'node:cluster';
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
      'ADMIN_TOKENS is not set: the development operator token is active (see README); create accounts and API keys for any shared environment',
      'Bootstrap',
    );
  } else if (config.ADMIN_TOKENS.length > 0) {
    logger.warn(
      `ADMIN_TOKENS is deprecated: its ${config.ADMIN_TOKENS.length} token(s) act as admin API keys; create API keys (/apikeys/create) and remove it (docs/OPERATIONS.md)`,
      'Bootstrap',
    );
  }
}

/**
 * With API_PROCESSES > 1 this process only supervises: it forks that many api processes
 * sharing the port, replaces one that dies, and on SIGTERM/SIGINT passes the signal on and
 * exits 0 once every child has shut down gracefully.
 */
function supervise(processes: number): void {
  let stopping = false;
  // Requests allocate short-lived objects only; with 32 MiB semi-spaces (16 by default) garbage
  // collection fell from ~10 % to ~7 % of an api process's CPU in a profiled bench:api run.
  // An explicit flag on the command line wins.
  if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
    cluster.setupPrimary({ execArgv: [...process.execArgv, '--max-semi-space-size=32'] });
  }
  for (let i = 0; i < processes; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      console.error(
        `api process ${worker.process.pid} exited (${signal ?? code}); starting another`,
      );
      cluster.fork();
    } else if (Object.keys(cluster.workers ?? {}).length === 0) {
      process.exit(0);
    }
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(sig);
    });
  }
}

const processes = loadConfigOrExit().API_PROCESSES;
if (processes > 1 && cluster.isPrimary) {
  supervise(processes);
} else {
  void bootstrap().catch((e: unknown) => {
    console.error(`api failed to start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
