import Redis from 'ioredis';
import { dropDatabase } from '../libs/database/src/migrate';
import { dbSettings, workerDbName, workerRedisPrefix } from './test-env';

/** Drops this run's databases and deletes its Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.WPP_TEST_RUN_ID;
  if (!runId) return;
  const workers = Number(process.env.WPP_TEST_WORKERS ?? 1);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    for (let w = 1; w <= workers; w++) {
      await dropDatabase(dbSettings(workerDbName(runId, w)));
      const stream = redis.scanStream({ match: `${workerRedisPrefix(runId, w)}*`, count: 1000 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        if (keys.length) await redis.del(...keys);
      }
    }
  } finally {
    redis.disconnect();
  }
}
