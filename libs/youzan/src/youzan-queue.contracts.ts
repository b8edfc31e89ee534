import type { JobsOptions } from 'bullmq';

/**
 * The Youzan queue, its job, payload and options in one place (the pipeline's
 * queue.contracts.ts pattern). Names are stored in Redis: never rename a shipped value.
 */
export enum YouzanQueueName {
  PULL = 'youzan-pull',
}

export enum YouzanJobName {
  /** One incremental pull of trades by update time (YouzanPullService.pull). */
  PULL_TRADES = 'youzan-pull-trades',
}

export interface PullTradesPayload {
  reason: 'interval' | 'startup' | 'manual';
}

/** Job name → payload. */
export interface YouzanJobPayloads {
  [YouzanJobName.PULL_TRADES]: PullTradesPayload;
}

/** One pull at a time per worker; the pull's Redis lock keeps it to one across workers. */
export const YOUZAN_QUEUE_CONCURRENCY: {
  [Q in YouzanQueueName]: (workerConcurrency: number) => number;
} = {
  [YouzanQueueName.PULL]: () => 1,
};

export const YOUZAN_JOB_QUEUE: { [K in YouzanJobName]: YouzanQueueName } = {
  [YouzanJobName.PULL_TRADES]: YouzanQueueName.PULL,
};

const DAY = 24 * 3600;

export const YOUZAN_JOB_OPTIONS: { [K in YouzanJobName]: JobsOptions } = {
  [YouzanJobName.PULL_TRADES]: {
    // The next interval pulls the same window again: a few quick retries are enough.
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: DAY, count: 1000 },
    removeOnFail: { age: 7 * DAY },
  },
};

/** Constant id of the pull's job scheduler, so every worker replica upserts the same one. */
export const YOUZAN_PULL_SCHEDULER_ID = 'youzan-pull-every-interval';
