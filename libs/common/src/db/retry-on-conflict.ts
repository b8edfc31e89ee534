import { setTimeout as delay } from 'node:timers/promises';

/** InnoDB rolled the transaction back (deadlock victim) or gave up waiting for a lock. */
export const LOCK_CONFLICTS: ReadonlySet<string> = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);

const codeOf = (e: unknown): string | undefined =>
  (e as { code?: string } | undefined)?.code ??
  (e as { driverError?: { code?: string } } | undefined)?.driverError?.code;

interface RetryOnConflictOptions {
  /** The driver error codes that make `work` safe to run again (default: LOCK_CONFLICTS). */
  codes?: ReadonlySet<string>;
  /** Runs of `work` at most, the first included (default 8). */
  attempts?: number;
  /** The first pause's middle, ms; each next one doubles, up to 64× (default 20). */
  baseMs?: number;
  /** Told before each pause: the attempt that failed and its error. */
  onRetry?: (attempt: number, code: string, e: unknown) => void;
}

/**
 * Runs `work` (one whole transaction) again when it failed with one of `codes`, after a
 * random pause that grows with each attempt — two writers that collided do not collide again
 * at once; any other error, or the last attempt's, is thrown. The one retry of the writers
 * that may meet on the same rows (the contact sync's pages, the ingestion core's batches).
 */
export async function retryOnConflict<T>(
  work: () => Promise<T>,
  options: RetryOnConflictOptions = {},
): Promise<T> {
  const { codes = LOCK_CONFLICTS, attempts = 8, baseMs = 20, onRetry } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      const code = codeOf(e) ?? '';
      if (attempt >= attempts || !codes.has(code)) throw e;
      onRetry?.(attempt, code, e);
      await delay(baseMs * 2 ** Math.min(attempt - 1, 6) * (0.5 + Math.random()));
    }
  }
}
