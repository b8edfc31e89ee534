import { Job, Queue } from 'bullmq';
import { createDatabaseIfMissing, dropDatabase } from '@app/database';
import { JobName, QueueName } from '@app/pipeline';
import { dbSettings } from '../test-env';
import { pollUntil, RunningProcess, runTs, START_MS } from '../utils/process';
import { freeTcpPort } from '../utils/mariadb-server';

/** The real entry points as real processes: fail fast at boot, shut down cleanly. */
describe('app processes', () => {
  it('the api refuses to start on invalid configuration, listing every bad variable', async () => {
    const p = runTs('apps/api/src/main.ts', [], {
      PORT: 'eighty',
      DB_PORT: '99999',
      REDIS_URL: 'nope',
      WECOM_CORP_SECRET: 'do-not-print-me',
    });
    const { code } = await p.exited();
    expect(code).toBe(1);
    const out = p.output();
    expect(out).toMatch(/Invalid configuration/);
    for (const name of ['PORT', 'DB_PORT', 'REDIS_URL'])
      expect(out).toMatch(new RegExp(`- ${name}:`));
    expect(out).not.toContain('do-not-print-me');
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('the worker refuses to start on invalid configuration', async () => {
    const p = runTs('apps/worker/src/main.ts', [], { WORKER_CONCURRENCY: '0' });
    expect((await p.exited()).code).toBe(1);
    expect(p.output()).toMatch(/- WORKER_CONCURRENCY:/);
  });

  it('the api refuses to start on a database with pending migrations', async () => {
    const name = `${process.env.DB_NAME}_empty`;
    await createDatabaseIfMissing(dbSettings(name));
    try {
      const p = runTs('apps/api/src/main.ts', [], { DB_NAME: name, PORT: '0' });
      const { code } = await p.exited();
      expect(code).toBe(1);
      expect(p.output()).toMatch(/pending migrations: run `npm run migration:run`/);
    } finally {
      await dropDatabase(dbSettings(name));
    }
  });

  describe('the worker checks before it starts: it exits non-zero and a waiting job stays waiting', () => {
    let queue: Queue;
    let job: Job;
    beforeEach(async () => {
      queue = new Queue(QueueName.SCHEDULE, {
        connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
        prefix: `${process.env.REDIS_KEY_PREFIX}:bull`,
      });
      job = await queue.add(JobName.SCAN, { reason: 'manual' });
    });
    afterEach(async () => {
      try {
        await job.remove();
      } finally {
        await queue.close();
      }
    });

    const refusesBeforeAnyJob = async (p: RunningProcess, message: RegExp) => {
      expect((await p.exited()).code).not.toBe(0);
      expect(p.output()).toMatch(message);
      expect(p.output()).not.toMatch(/worker started/);
      expect(await job.getState()).toBe('waiting');
      expect((await queue.getJob(job.id as string))?.attemptsMade).toBe(0);
    };

    it('with a job handler removed', async () => {
      const p = runTs('apps/worker/test/fixtures/worker-missing-handler.ts', [], {});
      await refusesBeforeAnyJob(p, /worker failed to start: .*job 'send-batch' has no handler/);
    });

    it('on a database with pending migrations', async () => {
      const name = `${process.env.DB_NAME}_unmigrated`;
      await createDatabaseIfMissing(dbSettings(name));
      try {
        const p = runTs('apps/worker/src/main.ts', [], { DB_NAME: name });
        await refusesBeforeAnyJob(p, /pending migrations: run `npm run migration:run`/);
      } finally {
        await dropDatabase(dbSettings(name));
      }
    });
  });

  it('the worker starts, serves /health on WORKER_PORT, and exits 0 on SIGTERM', async () => {
    const port = await freeTcpPort();
    const p = runTs('apps/worker/src/main.ts', [], {
      WORKER_PORT: String(port),
      LOG_LEVEL: 'info',
    });
    try {
      await p.waitFor(/worker started/, START_MS);
      await pollUntil(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        return res.status === 200 && (await res.json()).status === 'ok';
      });
      p.kill('SIGTERM');
      const { code } = await p.exited();
      expect(code).toBe(0);
    } finally {
      p.kill('SIGKILL');
    }
  }, 150_000);

  it('the api starts, answers, and exits 0 on SIGTERM', async () => {
    const port = await freeTcpPort();
    const p = runTs('apps/api/src/main.ts', [], { PORT: String(port), LOG_LEVEL: 'info' });
    try {
      await p.waitFor(/api listening/, START_MS);
      const res = await fetch(`http://127.0.0.1:${port}/wechatpush/lists`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer test-token-operator-1',
        },
        body: '{}',
      });
      expect(res.status).toBe(200);
      expect(p.output()).not.toContain('test-token-operator-1');
      p.kill('SIGTERM');
      expect((await p.exited()).code).toBe(0);
    } finally {
      p.kill('SIGKILL');
    }
  }, 150_000);

  it('with API_PROCESSES=2 the api runs two processes on one port and exits 0 on SIGTERM', async () => {
    const port = await freeTcpPort();
    const p = runTs('apps/api/src/main.ts', [], {
      PORT: String(port),
      LOG_LEVEL: 'info',
      API_PROCESSES: '2',
    });
    try {
      // Three ts-node processes start (primary and two workers): slow on a loaded machine.
      await pollUntil(async () => (p.output().match(/api listening/g) ?? []).length === 2, 120_000);
      const pids = new Set(
        [...p.output().matchAll(/"pid":(\d+)[^\n]*api listening/g)].map((m) => m[1]),
      );
      expect(pids.size).toBe(2);
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(200);
      p.kill('SIGTERM');
      expect((await p.exited()).code).toBe(0);
    } finally {
      p.kill('SIGKILL');
    }
  }, 150_000);
});
