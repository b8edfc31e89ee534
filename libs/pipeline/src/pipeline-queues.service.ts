import { Job, JobsOptions, Queue } from 'bullmq';
import { JOB_OPTIONS, JOB_QUEUE, JobName, JobPayloads, QueueName } from './queue.contracts';

/** The only way work enters a queue: typed by the contracts, options from one table. */
export class PipelineQueues {
  private readonly queues = new Map<string, Queue>();

  /** Given a producer for every queue of the contracts (see PipelineQueuesModule). */
  constructor(queues: readonly Queue[]) {
    for (const q of queues) this.queues.set(q.name, q);
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name) as Queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  add<K extends JobName>(name: K, payload: JobPayloads[K], opts: JobsOptions = {}): Promise<Job> {
    return this.queue(JOB_QUEUE[name]).add(name, payload, { ...JOB_OPTIONS[name], ...opts });
  }

  getJob(queue: QueueName, jobId: string): Promise<Job | undefined> {
    return this.queue(queue).getJob(jobId);
  }

  /**
   * Makes sure a job with this id will run: adds it when missing, retries it when it
   * failed for good, replaces it when it completed although MySQL says its work is open.
   * An active, waiting or delayed job is left alone.
   */
  async ensure<K extends JobName>(
    name: K,
    jobId: string,
    payload: JobPayloads[K],
    opts: JobsOptions = {},
  ): Promise<'added' | 'retried' | 'present'> {
    const queue = JOB_QUEUE[name];
    const existing = await this.getJob(queue, jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'failed') {
        await existing.retry('failed');
        return 'retried';
      }
      if (state !== 'completed') return 'present';
      await existing.remove();
    }
    await this.add(name, payload, { ...opts, jobId });
    return 'added';
  }
}
