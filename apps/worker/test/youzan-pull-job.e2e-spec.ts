import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/common';
import {
  YOUZAN_JOB_OPTIONS,
  YOUZAN_PULL_SCHEDULER_ID,
  YouzanJobName,
  YouzanPullScheduler,
  YouzanQueueName,
  YouzanQueues,
} from '@app/youzan';
import { truncate } from '../../../test/utils/db';
import { eventually } from '../../../test/utils/pipeline';
import { deleteRedisKeys } from '../../admin/test/utils/browser';
import { resetIngestTables } from '../../../libs/ingest/test/ingest-harness';
import {
  startTestYouzanSimulator,
  YouzanSimulatorHarness,
} from '../../../test/utils/youzan-simulator';
import { WorkerModule } from '../src/worker.module';

describe('the Youzan pull as a worker job (real worker, MariaDB, Redis, Youzan simulator)', () => {
  const prefix = `${process.env.REDIS_KEY_PREFIX}_yzjob`;
  let sim: YouzanSimulatorHarness;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queues: YouzanQueues;

  beforeAll(async () => {
    sim = await startTestYouzanSimulator({ settings: { trades: 60, days: 5 } });
    const env = { ...sim.env, REDIS_KEY_PREFIX: prefix, SCHEDULER_ENABLED: 'false' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const ref = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
      ref.useLogger(false);
      worker = await ref.init();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    db = worker.get(DataSource);
    queues = worker.get(YouzanQueues);
    await resetIngestTables(db);
    await truncate(db, 'youzan_pull_state');
  });

  afterAll(async () => {
    await worker?.close();
    await sim?.close();
    await deleteRedisKeys(prefix);
  });

  it('a pull job enqueued is run by the worker: the paid trades land in youzan_orders', async () => {
    const paid = (await sim.orders()).filter((o) => o.status !== null).length;
    const queue = queues.queue(YouzanQueueName.PULL);
    await queue.add(
      YouzanJobName.PULL_TRADES,
      { reason: 'manual' },
      YOUZAN_JOB_OPTIONS[YouzanJobName.PULL_TRADES],
    );
    await eventually(
      async () =>
        (
          await db.query('SELECT COUNT(*) AS n FROM youzan_orders WHERE ingest_number IS NOT NULL')
        )[0].n === paid,
      30_000,
      'the pulled orders',
    );
  });

  it('the scheduler puts one job scheduler at the configured interval, and removes it when the feed is off', async () => {
    const queue = queues.queue(YouzanQueueName.PULL);
    const config = (over: Partial<AppConfig>) =>
      ({
        SCHEDULER_ENABLED: true,
        YOUZAN_CLIENT_ID: 'x',
        YOUZAN_PULL_INTERVAL_MINUTES: 7,
        ...over,
      }) as AppConfig;
    await new YouzanPullScheduler(config({}), queues).onApplicationBootstrap();
    await new YouzanPullScheduler(config({}), queues).onApplicationBootstrap();
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.every])).toEqual([
      [YOUZAN_PULL_SCHEDULER_ID, 7 * 60_000],
    ]);
    await new YouzanPullScheduler(
      config({ YOUZAN_CLIENT_ID: '' }),
      queues,
    ).onApplicationBootstrap();
    expect(await queue.getJobSchedulers()).toEqual([]);
    // Drop the job the scheduler put there at once, so nothing runs after this suite.
    await queue.obliterate({ force: true });
  });
});
