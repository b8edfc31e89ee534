import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import {
  JobName,
  NIGHTLY_RFM_CRON,
  NIGHTLY_RFM_SCHEDULER_ID,
  PipelineQueues,
  QueueName,
} from '@app/pipeline';
import { truncate } from '../../../test/utils/db';
import { eventually, seedBuyers } from '../../../test/utils/pipeline';
import { deleteRedisKeys } from '../../admin/test/utils/browser';
import { RfmProcessor } from '../src/processors/rfm.processor';
import { WorkerModule } from '../src/worker.module';

/**
 * Issue 22's nightly RFM tiers as a worker job (real worker, MariaDB, Redis): a scheduling
 * worker registers the one nightly scheduler (03:30 Shanghai, upserted, never doubled by a
 * second boot), and a compute-rfm job on the schedule queue fills customer_rfm.
 */
describe('the nightly RFM job (real worker)', () => {
  const prefix = `${process.env.REDIS_KEY_PREFIX}_rfmjob`;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queues: PipelineQueues;

  const boot = async () => {
    const env = { REDIS_KEY_PREFIX: prefix, SCHEDULER_ENABLED: 'true' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const ref = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
      ref.useLogger(false);
      return await ref.init();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };

  beforeAll(async () => {
    await deleteRedisKeys(prefix);
    worker = await boot();
    db = worker.get(DataSource);
    queues = worker.get(PipelineQueues);
  });

  afterAll(async () => {
    await worker?.close();
    await deleteRedisKeys(prefix);
  });

  it('registers one nightly scheduler at 03:30 Shanghai, not doubled by another boot', async () => {
    const queue = queues.queue(QueueName.SCHEDULE);
    const scheduler = await queue.getJobScheduler(NIGHTLY_RFM_SCHEDULER_ID);
    expect(scheduler).toMatchObject({ pattern: NIGHTLY_RFM_CRON, tz: 'Asia/Shanghai' });
    expect(NIGHTLY_RFM_CRON).toBe('30 3 * * *');
    // What a second scheduling worker's boot does: the same id, upserted.
    await worker.get(RfmProcessor).onApplicationBootstrap();
    const all = await queue.getJobSchedulers();
    expect(all.filter((s) => s.key === NIGHTLY_RFM_SCHEDULER_ID)).toHaveLength(1);
  });

  it('a compute-rfm job run by the worker scores every customer with a counted order', async () => {
    await truncate(db, 'customer_rfm');
    // Ids no other suite of this Jest worker uses; their single order 20 days ago counts.
    const buyers = await seedBuyers(db, 5, { daysAgo: 20, prefix: 'rfm', firstId: 960_001 });
    expect(buyers).toHaveLength(5);
    await queues.add(JobName.COMPUTE_RFM, { reason: 'manual' });
    const rows = await eventually(
      async () => {
        const r: { customer_id: number; r_score: number; f_score: number; tier: string }[] =
          await db.query(
            'SELECT customer_id, r_score, f_score, tier FROM customer_rfm WHERE customer_id BETWEEN 960001 AND 960005',
          );
        return r.length === 5 ? r : undefined;
      },
      30_000,
      'the seeded buyers scored in customer_rfm',
    );
    for (const r of rows) {
      expect(r.r_score).toBeGreaterThanOrEqual(1);
      expect(r.r_score).toBeLessThanOrEqual(5);
      expect(r.f_score).toBeGreaterThanOrEqual(1);
      expect(r.tier).toEqual(expect.any(String));
    }
  });
});
