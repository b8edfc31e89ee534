import type { JobsOptions } from 'bullmq';

/**
 * The order-import queue, its job, payload and options in one place (the pipeline's
 * queue.contracts.ts pattern). Names are stored in Redis: never rename a shipped value.
 */
export enum ImportQueueName {
  ORDER_IMPORTS = 'order-imports',
}

export enum ImportJobName {
  /** One recorded file import: read, check, write (or only report, in a dry run). */
  RUN_ORDER_IMPORT = 'run-order-import',
}

interface RunOrderImportPayload {
  /** order_imports.id */
  importId: number;
}

/** Job name → payload. */
export interface ImportJobPayloads {
  [ImportJobName.RUN_ORDER_IMPORT]: RunOrderImportPayload;
}

/** One import at a time per worker: each is long and writes in big transactions. */
export const IMPORT_QUEUE_CONCURRENCY: {
  [Q in ImportQueueName]: (workerConcurrency: number) => number;
} = {
  [ImportQueueName.ORDER_IMPORTS]: () => 1,
};

export const IMPORT_JOB_QUEUE: { [K in ImportJobName]: ImportQueueName } = {
  [ImportJobName.RUN_ORDER_IMPORT]: ImportQueueName.ORDER_IMPORTS,
};

const DAY = 24 * 3600;

export const IMPORT_JOB_OPTIONS: { [K in ImportJobName]: JobsOptions } = {
  [ImportJobName.RUN_ORDER_IMPORT]: {
    // The core is idempotent: a run cut short by a crash is run again from the start.
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  },
};

/** `order-import-<id>`: one job per recorded import, whoever enqueues it. */
export function orderImportJobId(importId: number): string {
  return `order-import-${importId}`;
}
