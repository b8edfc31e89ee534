import { DataSource } from 'typeorm';
import { OPERATOR_1_TOKEN, dbSettings } from '../test-env';
import { plainRuleBody } from '../utils/rule-factory';
import {
  eventually,
  PERMISSIVE_POLICY,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
} from '../utils/pipeline';
import { RunningProcess, runTs, START_MS } from '../utils/process';
import { freeTcpPort } from '../utils/mariadb-server';
import { RedisHa, startRedisHa } from '../utils/redis-ha';
import { SimulatorHarness, startTestSimulator } from '../utils/simulator';

/**
 * Redis high availability with real processes: a primary, a replica and three sentinels;
 * the api and two workers configured with REDIS_SENTINELS only (REDIS_URL points at a port
 * where nothing listens, so a connection built without the factory cannot work). Failovers
 * during runs — one by `SENTINEL FAILOVER`, one by killing the primary — and the runs still
 * complete, every batch `sent`, nobody reached twice, every client on the new primary.
 */
describe('Redis Sentinel failover during runs (real processes)', () => {
  const BATCHES = 30;
  let ha: RedisHa | undefined;
  let sim: SimulatorHarness | undefined;
  let db: DataSource | undefined;
  const children: RunningProcess[] = [];
  let apiBase = '';

  const prefix = process.env.REDIS_KEY_PREFIX as string;
  const env = () => ({
    ...(ha as RedisHa).env,
    ...(sim as SimulatorHarness).env,
    REDIS_URL: 'redis://127.0.0.1:9',
    LOG_LEVEL: 'info',
    PUSH_BATCH_SIZE: '100',
    WORKER_CONCURRENCY: '4',
    WECOM_MAX_CALLS_PER_SECOND: '100',
    // Jobs Redis loses in the failover's replication gap are put back from MySQL.
    RECONCILE_INTERVAL_SECONDS: '5',
  });
  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${apiBase}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_1_TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
  };
  const logs = () =>
    [ha?.logs() ?? '', ...children.map((c) => `--- ${c.child.spawnargs.join(' ')}\n${c.output()}`)]
      .join('\n')
      .slice(-60_000);

  beforeAll(async () => {
    ha = await startRedisHa();
    sim = await startTestSimulator();
    const settings = dbSettings(process.env.DB_NAME as string);
    db = new DataSource({
      type: 'mysql',
      host: settings.DB_HOST,
      port: settings.DB_PORT,
      username: settings.DB_USER,
      password: settings.DB_PASSWORD,
      database: settings.DB_NAME,
    });
    await db.initialize();
    await resetPipelineTables(db);
    await setPolicy(db, PERMISSIVE_POLICY);
    const port = await freeTcpPort();
    apiBase = `http://127.0.0.1:${port}`;
    const api = runTs('apps/api/src/main.ts', [], { ...env(), PORT: String(port) });
    const workers = [0, 1].map(() => runTs('apps/worker/src/main.ts', [], env()));
    children.push(api, ...workers);
    await Promise.all([
      api.waitFor(/api listening/, START_MS),
      ...workers.map((w) => w.waitFor(/worker started/, START_MS)),
    ]);
  }, 180_000);

  // Every step runs, whatever failed before it: no process outlives the suite.
  afterAll(async () => {
    const steps = [
      ...children.map((c) => async () => {
        c.kill('SIGKILL');
        await c.exited();
      }),
      async () => void (db?.isInitialized && (await db.destroy())),
      async () => sim?.close(),
      async () => ha?.close(),
    ];
    const errors: unknown[] = [];
    for (const step of steps) await step().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  });

  const createRule = async (name: string) => {
    const body = plainRuleBody({
      name,
      content: `内容-${name}`,
      startDate: '2020-01-01',
      endDate: '2099-12-31',
      weekDayPushTime: [{ week: 1, time: '03:00' }],
    });
    expect((await post('/wechatpush/create', body)).status).toBe(200);
    const [row] = await (db as DataSource).query('SELECT id FROM wechat_push WHERE name = ?', [
      name,
    ]);
    return Number(row.id);
  };
  const batchStates = async (runId: number) => {
    const rows: { state: string; n: number }[] = await (db as DataSource).query(
      'SELECT state, COUNT(*) AS n FROM wechat_push_batches WHERE run_id = ? GROUP BY state',
      [runId],
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  };
  const completed = (runId: number, deadlineMs: number) =>
    eventually(
      async () => {
        const [r] = await (db as DataSource).query('SELECT * FROM wechat_push_runs WHERE id = ?', [
          runId,
        ]);
        return r?.state === 'completed' ? r : undefined;
      },
      deadlineMs,
      `run ${runId} completed`,
    );
  /** Recipients per external id of the messages with this content, from WeCom's ledger. */
  const reached = async (content: string) => {
    const counts = new Map<string, number>();
    for (const m of await (sim as SimulatorHarness).messages())
      if ((m.text as { content?: string } | null)?.content === content)
        for (const id of m.externalUserIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  };
  /**
   * The BullMQ worker connections of this deployment (named `<prefix>:bull:<queue>`) on a
   * data node: both worker processes' are on the primary, none is left on a replica.
   */
  const workerConnections = async (port: number) => {
    const list = (await (ha as RedisHa)
      .node(port)
      .call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${prefix}:bull:`)).length;
  };

  /** Triggers a run of `rule`, fails over with `failover` once a few batches are sent, checks the rest. */
  const runThroughFailover = async (
    rule: string,
    recipients: string[],
    failover: () => Promise<number>,
  ) => {
    const pushId = await createRule(rule);
    const trig = await post('/wechatpush/trigger', { id: pushId });
    expect(trig.status).toBe(200);
    const runId = trig.body.data.runId as number;
    await eventually(
      async () => ((await batchStates(runId)).sent ?? 0) >= 3,
      60_000,
      'some batches sent',
    );
    const from = await (ha as RedisHa).primaryPort();
    const to = await failover();
    expect(to).not.toBe(from);
    // The failover happened while the run was still sending.
    expect((await batchStates(runId)).sent ?? 0).toBeLessThan(BATCHES);

    const run = await completed(runId, 180_000);
    expect(await batchStates(runId)).toEqual({ sent: BATCHES });
    expect(run.sent_batches).toBe(BATCHES);
    const counts = await reached(`内容-${rule}`);
    expect(counts.size).toBe(recipients.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // Every client is on the new primary: both workers' queue connections (one per queue,
    // at least 5 each); the api's, through the next run's trigger (its producers and its rate
    // limit write there) and /health (its shared client answers).
    await eventually(
      async () => (await workerConnections(to)) >= 2 * 5,
      30_000,
      'both workers connected to the new primary',
    );
    const health = await fetch(`${apiBase}/health`);
    expect(health.status).toBe(200);
    return to;
  };

  it('SENTINEL FAILOVER, then the new primary killed, each during a run: both runs complete, every batch sent, nobody twice', async () => {
    try {
      const recipients = await seedBuyers(db as DataSource, BATCHES * 100, { daysAgo: 40 });
      // Slow WeCom: the run is still sending when the failover comes.
      await (sim as SimulatorHarness).setFaults({
        latencyMs: 1_500,
        endpoints: ['externalcontact/add_msg_template'],
      });
      const first = await (ha as RedisHa).primaryPort();
      expect(await workerConnections(first)).toBeGreaterThanOrEqual(2 * 5);

      const promoted = await runThroughFailover('哨兵切换', recipients, () =>
        (ha as RedisHa).failover(),
      );
      // The demoted primary is a replica now, and no worker connection stayed on it.
      expect(((await (ha as RedisHa).node(first).call('ROLE')) as string[])[0]).toBe('slave');
      expect(await workerConnections(first)).toBe(0);

      const again = await runThroughFailover('主节点被杀', recipients, () =>
        (ha as RedisHa).killPrimary(),
      );
      expect(again).toBe(first);
      expect(promoted).not.toBe(first);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    }
  }, 600_000);
});

describe('Redis Sentinel settings at boot', () => {
  it('the worker refuses to start with sentinels but no group name, naming the variable', async () => {
    const p = runTs('apps/worker/src/main.ts', [], {
      REDIS_SENTINELS: '127.0.0.1:26379,127.0.0.1:26380',
      REDIS_SENTINEL_PASSWORD: 'do-not-print-me',
    });
    expect((await p.exited()).code).toBe(1);
    expect(p.output()).toMatch(
      /- REDIS_SENTINEL_NAME: REDIS_SENTINELS and REDIS_SENTINEL_NAME are set together/,
    );
    expect(p.output()).not.toContain('do-not-print-me');
  });
});
