import { JOB_OPTIONS, JobName } from './queue.contracts';

/** BullMQ's exponential backoff: attempt n (from 1) waits delay × 2^(n−1) before the next. */
function secondsOfRetries(name: JobName): number {
  const o = JOB_OPTIONS[name];
  const backoff = o.backoff as { type: string; delay: number };
  expect(backoff.type).toBe('exponential');
  let ms = 0;
  for (let n = 1; n < (o.attempts ?? 1); n++) ms += backoff.delay * 2 ** (n - 1);
  return ms / 1000;
}

describe('job options: infrastructure errors are retried long enough for a failover', () => {
  it.each([JobName.FIRE_SLOT, JobName.SEND_BATCH])(
    '%s keeps retrying for at least 4 minutes, and gives up within 10',
    (name) => {
      const s = secondsOfRetries(name);
      expect(s).toBeGreaterThanOrEqual(240);
      expect(s).toBeLessThanOrEqual(600);
    },
  );
});
