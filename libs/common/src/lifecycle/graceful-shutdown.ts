import { INestApplicationContext, LoggerService } from '@nestjs/common';

/**
 * On SIGTERM / SIGINT: `drain` (e.g. queue workers stop taking jobs and finish the running
 * ones), then close the app (Nest's shutdown hooks close connections), all bounded by
 * `timeoutMs`; then exit 0, or 1 when the deadline passed. A second signal exits at once.
 */
export function exitGracefullyOnSignals(
  app: INestApplicationContext,
  logger: LoggerService,
  timeoutMs: number,
  /** Runs before Nest's shutdown hooks, while every connection is still open. */
  drain: () => Promise<void> = async () => undefined,
): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} again: exiting now`, 'Shutdown');
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal}: shutting down (at most ${timeoutMs} ms)`, 'Shutdown');
    const deadline = setTimeout(() => {
      logger.error(`shutdown did not finish within ${timeoutMs} ms: exiting`, 'Shutdown');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    drain()
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (e: unknown) => {
          logger.error(
            `shutdown failed: ${e instanceof Error ? e.message : String(e)}`,
            'Shutdown',
          );
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
