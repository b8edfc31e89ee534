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
    const buyers = await seedBuyers(db, 5, { daysAgo: 20, prefix: 'rfm' });
    const [{ n: customers }] = await db.query(
      `SELECT COUNT(DISTINCT b.customer_id) AS n FROM order_buyers b
        WHERE b.order_creation_time >= NOW() - INTERVAL 365 DAY`,
    );
    expect(buyers).toHaveLength(5);
    await queues.add(JobName.COMPUTE_RFM, { reason: 'manual' });
    const rows = await eventually(
      async () => {
        const r = await db.query('SELECT COUNT(*) AS n FROM customer_rfm');
        return Number(r[0].n) > 0 ? r : undefined;
      },
      30_000,
      'customer_rfm filled',
    );
    expect(Number(rows[0].n)).toBe(Number(customers));
    const [tiers] = await db.query(
      `SELECT MIN(r_score) AS rmin, MAX(r_score) AS rmax, COUNT(tier) AS tiers FROM customer_rfm`,
    );
    expect(Number(tiers.rmin)).toBeGreaterThanOrEqual(1);
    expect(Number(tiers.rmax)).toBeLessThanOrEqual(5);
    expect(Number(tiers.tiers)).toBe(Number(customers));
  });
});
