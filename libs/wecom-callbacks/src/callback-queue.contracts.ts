import type { JobsOptions } from 'bullmq';

/**
 * The callback queue, its job, payload and options in one place (the pipeline's
 * queue.contracts.ts pattern). Names are stored in Redis: never rename a shipped value.
 */
export enum CallbackQueueName {
  EVENTS = 'wecom-callback-events',
  /** Full contact syncs and the nightly reconcile, one at a time. */
  CONTACTS = 'wecom-contacts',
}

export enum CallbackJobName {
  /** One stored callback event: validate, record its kind, mark it processed. */
  PROCESS_EVENT = 'process-callback-event',
  /** Runs (or resumes) one recorded contact sync to its end. */
  SYNC_CONTACTS = 'sync-contacts',
  /** The nightly reconcile (a job scheduler at CONTACTS_RECONCILE_AT): records and runs a sync. */
  RECONCILE_CONTACTS = 'reconcile-contacts',
}

export interface SyncContactsPayload {
  /** wecom_contact_syncs.id */
  syncId: number;
}

export interface ProcessEventPayload {
  /** wecom_callback_events.id */
  eventId: number;
}

/** Job name → payload. */
export interface CallbackJobPayloads {
  [CallbackJobName.PROCESS_EVENT]: ProcessEventPayload;
  [CallbackJobName.SYNC_CONTACTS]: SyncContactsPayload;
  [CallbackJobName.RECONCILE_CONTACTS]: Record<string, never>;
}

/** Jobs one worker runs at once per queue, from WORKER_CONCURRENCY. */
export const CALLBACK_QUEUE_CONCURRENCY: {
  [Q in CallbackQueueName]: (workerConcurrency: number) => number;
} = {
  [CallbackQueueName.EVENTS]: (c) => c,
  [CallbackQueueName.CONTACTS]: () => 1,
};

export const CALLBACK_JOB_QUEUE: { [K in CallbackJobName]: CallbackQueueName } = {
  [CallbackJobName.PROCESS_EVENT]: CallbackQueueName.EVENTS,
  [CallbackJobName.SYNC_CONTACTS]: CallbackQueueName.CONTACTS,
  [CallbackJobName.RECONCILE_CONTACTS]: CallbackQueueName.CONTACTS,
};

const DAY = 24 * 3600;

/** Completed jobs are kept a day, so their ids keep deduplicating; failed ones a week. */
export const CALLBACK_JOB_OPTIONS: { [K in CallbackJobName]: JobsOptions } = {
  [CallbackJobName.PROCESS_EVENT]: {
    // Processing is a conditional update on the row: a retry is always safe.
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  },
  [CallbackJobName.SYNC_CONTACTS]: {
    // Each page commits its progress: a retry resumes after the last page written.
    attempts: 8,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  },
  [CallbackJobName.RECONCILE_CONTACTS]: {
    attempts: 1,
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  },
};

/** `contact-sync-<id>`: one job per recorded sync. */
export function contactSyncJobId(syncId: number): string {
  return `contact-sync-${syncId}`;
}

/** The job scheduler of the nightly reconcile (one per deployment, whoever upserts it). */
export const CONTACTS_RECONCILE_SCHEDULER = 'contacts-nightly-reconcile';

/** `callback-event-<id>`: one processing job per stored event, whoever enqueues it. */
export function callbackEventJobId(eventId: number): string {
  return `callback-event-${eventId}`;
}
