import { setTimeout as delay } from 'node:timers/promises';
import type Redis from 'ioredis';
import { PipelineQueues } from '../pipeline-queues.service';
import { QueueName } from '../queue.contracts';

/**
 * Takes one call from the window counter if it is below `max`; otherwise returns how many ms
 * the window has left. The counter is the one BullMQ's global rate limit of the batch queue
 * keeps (INCR per job started, PEXPIRE on the first), so sends and these calls share it.
 */
const TAKE = `
local max = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= max then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(ARGV[2])
  end
  return ttl
end
if redis.call('INCR', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/**
 * The global WECOM_MAX_CALLS_PER_SECOND budget for WeCom calls made outside the batch queue
 * (delivery tracking: get_groupmsg_task, get_groupmsg_send_result, remind_groupmsg_send).
 * Each call counts in the batch queue's rate-limit window in Redis — shared by every worker
 * replica — and waits for the next window when this one is used up, by sends or by calls.
 */
export class WecomCallBudget {
  constructor(
    private readonly queues: PipelineQueues,
    private readonly maxPerSecond: number,
  ) {}

  async take(): Promise<void> {
    const queue = this.queues.queue(QueueName.BATCH);
    // BullMQ's connection is an ioredis client (its own type names only what BullMQ uses).
    const client = (await queue.client) as unknown as Redis;
    for (;;) {
      const waitMs = Number(
        await client.eval(TAKE, 1, queue.keys.limiter, this.maxPerSecond, WINDOW_MS),
      );
      if (waitMs <= 0) return;
      await delay(waitMs);
    }
  }
}

/** The window of WECOM_MAX_CALLS_PER_SECOND (the worker sets the batch queue's limit with it). */
const WINDOW_MS = 1000;
