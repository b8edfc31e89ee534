import Redis from 'ioredis';
import { OPERATOR_1_TOKEN, OPERATOR_2_TOKEN } from '../test-env';
import { ApiHarness, startApi } from '../utils/api-app';
import { eventually, resetPipelineTables, seedBuyers } from '../utils/pipeline';
import { RunningProcess, runTs, START_MS } from '../utils/process';
import { plainRuleBody } from '../utils/rule-factory';
import { SimulatorHarness, startTestSimulator } from '../utils/simulator';
import { freeTcpPort } from '../utils/mariadb-server';

/**
 * The real api and worker processes at LOG_LEVEL=trace through requests with credentials
 * and a push with WeCom faults (5xx, revoked tokens): their whole output is searched for the
 * operator tokens, the corp secret and every access token WeCom handed out.
 */
describe('secrets never reach the logs', () => {
  let sim: SimulatorHarness;
  let db: ApiHarness;
  const procs: RunningProcess[] = [];
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = process.env.REDIS_KEY_PREFIX as string;

  const flushPrefix = async () => {
    for await (const keys of redis.scanStream({
      match: `${prefix}*`,
      count: 1000,
    }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
  };

  beforeAll(async () => {
    // What an earlier suite of this Jest worker left — the per-IP rate-limit window of requests
    // without a valid token (forged Youzan pushes, say) — must not answer this one's 429.
    await flushPrefix();
    sim = await startTestSimulator();
    // In-process only for database access; the requests go to the api process.
    db = await startApi();
    await resetPipelineTables(db.db);
  });
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await db.close();
    await sim.close();
    await flushPrefix();
    redis.disconnect();
  });

  /** Every access token the worker cached (the value under the token key). */
  const cachedTokens = async (): Promise<string[]> => {
    const keys = await redis.keys(`${prefix}:wecom:token:*`);
    const values = await Promise.all(
      keys.filter((k) => !k.includes(':config-error')).map((k) => redis.get(k)),
    );
    return values.filter((v): v is string => typeof v === 'string' && v.length >= 8);
  };

  it('api and worker output hold no operator token, corp secret or access token', async () => {
    const port = await freeTcpPort();
    const env = {
      ...sim.env,
      LOG_LEVEL: 'trace',
      PUSH_BATCH_SIZE: '50',
      BATCH_RETRY_MAX_DELAY_MS: '300',
    };
    const api = runTs('apps/api/src/main.ts', [], { ...env, PORT: String(port) });
    const worker = runTs('apps/worker/src/main.ts', [], env);
    procs.push(api, worker);
    await Promise.all([
      api.waitFor(/api listening/, START_MS),
      worker.waitFor(/worker started/, START_MS),
    ]);

    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, body: unknown, token = OPERATOR_1_TOKEN) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });

    // Credentials where a careless log would print them: the query, a wrong token, the body.
    expect((await post('/wechatpush/lists?access_token=query-token-9f8e7d', {})).status).toBe(200);
    expect((await post('/wechatpush/lists', {}, 'wrong-token-5a4b3c2d1e')).status).toBe(401);
    expect(
      (await post('/wechatpush/lists', { token: 'body-token-1q2w3e', secret: 'x' })).status,
    ).toBe(400);
    const basic = Buffer.from(`op:${OPERATOR_2_TOKEN}`).toString('base64');
    expect(
      (await fetch(`${base}/queues`, { headers: { authorization: `Basic ${basic}` } })).status,
    ).toBe(200);
    // A 500 (its error is logged with the stack) while a credential is in the URL.
    await db.db.query('RENAME TABLE wechat_push TO wechat_push_hidden');
    try {
      const failed = await post(`/wechatpush/lists?access_token=during-500-token`, {
        searchText: `x${Date.now()}`,
      });
      expect(failed.status).toBe(500);
    } finally {
      await db.db.query('RENAME TABLE wechat_push_hidden TO wechat_push');
    }

    // A push through WeCom faults: 5xx answers and an invalid token make the worker log
    // retries and fetch new tokens.
    await seedBuyers(db.db, 300, { daysAgo: 40 });
    await sim.setFaults({ seed: 11, http5xxRate: 0.2, tokenInvalidRate: 0.15 });
    expect((await post('/wechatpush/create', plainRuleBody({ name: '日志密钥检查' }))).status).toBe(
      200,
    );
    const [{ id }] = await db.db.query('SELECT id FROM wechat_push WHERE name = ?', [
      '日志密钥检查',
    ]);
    expect((await post('/wechatpush/trigger', { id: Number(id) })).status).toBe(200);
    const tokensSeen = new Set<string>();
    try {
      await eventually(
        async () => {
          for (const t of await cachedTokens()) tokensSeen.add(t);
          const [row] = await db.db.query(
            "SELECT COUNT(*) AS n, SUM(state = 'sent') AS sent FROM wechat_push_batches",
          );
          if (Number(row.n) === 6 && Number(row.sent) === 6) return true;
          // Not there yet: the state is what a failure reports.
          const runs = await db.db.query('SELECT id, state, reason FROM wechat_push_runs');
          const batches = await db.db.query(
            'SELECT state, attempts, COUNT(*) AS n FROM wechat_push_batches GROUP BY state, attempts',
          );
          throw new Error(JSON.stringify({ runs, batches }));
        },
        90_000,
        'six sent batches',
      );
    } catch (e) {
      const tail = (s: string) => s.split('\n').slice(-40).join('\n');
      throw new Error(`${String(e)}\nworker output (last lines):\n${tail(worker.output())}`);
    }
    await sim.revokeTokens(42001);
    for (const t of await cachedTokens()) tokensSeen.add(t);

    // Logs are complete once the processes have shut down.
    for (const p of [api, worker]) p.kill('SIGTERM');
    for (const p of [api, worker]) expect((await p.exited()).code).toBe(0);
    const out = api.output() + worker.output();

    // The premise: the logs are there, including the faults and retries.
    expect(out).toMatch(/"url":"\/wechatpush\/lists"/);
    expect(out).toMatch(/batch sent/);
    expect(out).toMatch(/unhandled error/);
    expect(tokensSeen.size).toBeGreaterThan(0);

    for (const secret of [
      OPERATOR_1_TOKEN,
      OPERATOR_2_TOKEN,
      'wrong-token-5a4b3c2d1e',
      'query-token-9f8e7d',
      'during-500-token',
      'body-token-1q2w3e',
      basic,
      sim.env.WECOM_CORP_SECRET,
      ...tokensSeen,
    ]) {
      expect({ secret, found: out.includes(secret) }).toEqual({ secret, found: false });
    }
    expect(out).not.toMatch(/(access_token|corpsecret)=(?!\[redacted\])[^&\s"]/);
  }, 300_000);
});
