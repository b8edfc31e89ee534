import { JobName, JOB_QUEUE, QueueName } from '@app/pipeline';

/** Implemented by every processor: the job names it handles on its queue. */
export interface JobHandlerSet {
  readonly queue: QueueName;
  readonly handles: readonly JobName[];
}

/**
 * The worker refuses to start when a job of the contracts has no handler, has two, or is
 * handled on a queue that does not carry it — so a producer can never enqueue work that
 * nothing will run.
 */
export function checkJobHandlers(sets: readonly JobHandlerSet[]): void {
  const problems: string[] = [];
  for (const name of Object.values(JobName)) {
    const owners = sets.filter((s) => s.handles.includes(name));
    if (owners.length === 0) problems.push(`job '${name}' has no handler`);
    if (owners.length > 1) problems.push(`job '${name}' has ${owners.length} handlers`);
    for (const o of owners) {
      if (o.queue !== JOB_QUEUE[name]) {
        problems.push(
          `job '${name}' is handled on queue '${o.queue}' but travels on '${JOB_QUEUE[name]}'`,
        );
      }
    }
  }
  if (problems.length) throw new Error(`job handlers are inconsistent: ${problems.join('; ')}`);
}
