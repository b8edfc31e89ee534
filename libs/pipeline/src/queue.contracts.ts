import type { JobsOptions } from 'bullmq';

/**
 * Every queue, job name, payload and job option of the pipeline, in one place, so producer
 * and processor cannot disagree. Queue and job names are stored in Redis: never rename or
 * reuse a shipped value.
 */
export enum QueueName {
  SCHEDULE = 'push-schedule',
  SLOT = 'push-slot',
  BATCH = 'push-batch',
  DELIVERY = 'push-delivery',
}

export enum JobName {
  /** Hourly (and at worker start): enqueue due slots, reconcile runs MySQL says are open. */
  SCAN = 'scan',
  /** One rule slot firing (or a manual trigger): create the run, select, write batches. */
  FIRE_SLOT = 'fire-slot',
  /** One batch of ≤ 10,000 recipients: one add_msg_template call, exactly once. */
  SEND_BATCH = 'send-batch',
  /** One sent batch's WeCom task: poll per-recipient results, remind members; re-delayed until final. */
  TRACK_DELIVERY = 'track-delivery',
  /** Nightly (and by hand): recompute the customers' RFM tiers (docs/AUDIENCE.md). */
  COMPUTE_RFM = 'compute-rfm',
}

export interface ScanPayload {
  reason: 'hourly' | 'startup' | 'manual';
}

export interface ComputeRfmPayload {
  reason: 'nightly' | 'manual';
}

export interface FireSlotPayload {
  pushId: number;
  kind: RunKind;
  /** ISO instant of the slot minute (scheduled) or of the trigger (manual, test). */
  slotAt: string;
  triggeredBy?: number;
}

export interface SendBatchPayload {
  batchId: number;
  runId: number;
}

export interface TrackDeliveryPayload {
  batchId: number;
}

/** `test`: a test send to the test group (never in statistics, docs/PIPELINE.md "Test sends"). */
export type RunKind = 'scheduled' | 'manual' | 'test';

/** Job name → payload, the one map both sides are typed by. */
export interface JobPayloads {
  [JobName.SCAN]: ScanPayload;
  [JobName.FIRE_SLOT]: FireSlotPayload;
  [JobName.SEND_BATCH]: SendBatchPayload;
  [JobName.TRACK_DELIVERY]: TrackDeliveryPayload;
  [JobName.COMPUTE_RFM]: ComputeRfmPayload;
}

/**
 * How many jobs of each queue one worker runs at once, from `WORKER_CONCURRENCY`. The worker
 * starts one BullMQ worker per entry, so a new queue is started once it is listed here.
 */
export const QUEUE_CONCURRENCY: { [Q in QueueName]: (workerConcurrency: number) => number } = {
  [QueueName.SCHEDULE]: () => 1,
  [QueueName.SLOT]: (c) => Math.max(1, Math.ceil(c / 2)),
  [QueueName.BATCH]: (c) => c,
  [QueueName.DELIVERY]: () => 1,
};

/** Which queue carries each job. */
export const JOB_QUEUE: { [K in JobName]: QueueName } = {
  [JobName.SCAN]: QueueName.SCHEDULE,
  [JobName.FIRE_SLOT]: QueueName.SLOT,
  [JobName.SEND_BATCH]: QueueName.BATCH,
  [JobName.TRACK_DELIVERY]: QueueName.DELIVERY,
  [JobName.COMPUTE_RFM]: QueueName.SCHEDULE,
};

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Per-job options. Job ids are derived from what the job is about, so adding the same work
 * twice (two scans, two replicas, a retry of the producer) is a no-op. Completed jobs are
 * kept a day (so their ids keep deduplicating), failed ones a week.
 */
export const JOB_OPTIONS: { [K in JobName]: JobsOptions } = {
  [JobName.SCAN]: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: DAY, count: 1000 },
    removeOnFail: { age: 7 * DAY },
  },
  [JobName.FIRE_SLOT]: {
    // An infrastructure error (MySQL or Redis unreachable) is retried for ≈ 4 minutes — long
    // enough for a failover — before the job fails; the workers' minutely reconcile then
    // retries it again while its run is open (within MISFIRE_GRACE_MINUTES it still fires).
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  },
  [JobName.SEND_BATCH]: {
    // WeCom retries are counted in MySQL (BATCH_MAX_ATTEMPTS) and delayed by the processor;
    // these attempts only cover unexpected failures such as MySQL being unreachable (≈ 4
    // minutes of them, as for slots).
    attempts: 9,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  },
  [JobName.TRACK_DELIVERY]: {
    // The job re-delays itself between polls (that is not an attempt); these attempts cover
    // unexpected failures only. Polls are read-only, so a retry is always safe.
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  },
  [JobName.COMPUTE_RFM]: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { age: 7 * DAY, count: 30 },
    removeOnFail: { age: 7 * DAY },
  },
};

/** `slot-<pushId>-<kind>-<yyyyMMddHHmmss>`: one job per rule slot, whoever enqueues it. */
export function slotJobId(p: Pick<FireSlotPayload, 'pushId' | 'kind' | 'slotAt'>): string {
  const stamp = p.slotAt.replace(/\D/g, '').slice(0, 14);
  return `slot-${p.pushId}-${p.kind}-${stamp}`;
}

/** `batch-<batchId>-<resends>`: a resend by an operator is a new job, anything else is not. */
export function batchJobId(batchId: number, resends: number): string {
  return `batch-${batchId}-${resends}`;
}

/** `delivery-<batchId>`: one tracking job per sent batch, whoever enqueues it. */
export function deliveryJobId(batchId: number): string {
  return `delivery-${batchId}`;
}

/** The job scheduler's constant id: upserting it again changes nothing. */
export const HOURLY_SCAN_SCHEDULER_ID = 'hourly-scan';
export const HOURLY_SCAN_CRON = '0 * * * *';

/** The nightly RFM computation's scheduler: 03:30 Asia/Shanghai, before the morning's slots. */
export const NIGHTLY_RFM_SCHEDULER_ID = 'nightly-rfm';
export const NIGHTLY_RFM_CRON = '30 3 * * *';
