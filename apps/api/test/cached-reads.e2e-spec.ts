import Redis from 'ioredis';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { ruleBody } from '../../../test/utils/rule-factory';
import { deleteRedisKeys } from '../../admin/test/utils/browser';

/**
 * CachedRuleReads: repeated lists / info answered from Redis before Nest's pipeline, with the
 * rate limit counted once and never a stale answer after a write. Real app, MariaDB, Redis.
 */
describe('cached rule reads (lists, info) in front of Nest', () => {
  const prefix = `${process.env.REDIS_KEY_PREFIX}_cr${Date.now()}`;
  const LIMIT = 40;
  let a: ApiHarness;
  let b: ApiHarness;
  let redis: Redis;

  beforeAll(async () => {
    const env = {
      REDIS_KEY_PREFIX: prefix,
      THROTTLE_LIMIT: String(LIMIT),
      THROTTLE_TTL_SECONDS: '60',
    };
    // Two instances share only Redis, as two replicas would.
    a = await startApiWith(env);
    b = await startApiWith(env);
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  beforeEach(async () => {
    await truncate(a.db, 'wechat_push_time', 'wechat_push');
    await deleteRedisKeys(prefix);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await deleteRedisKeys(prefix);
    redis?.disconnect();
  });

  const entries = () => redis.keys(`${prefix}:rules:v*:http:*`);
  const createRule = async (name: string) => {
    expect((await a.post('/wechatpush/create', ruleBody({ name }))).status).toBe(200);
    const [row] = await a.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    return Number(row.id);
  };

  it('stores exactly the success body sent and answers the same body from it on every replica', async () => {
    const id = await createRule('缓存规则');
    const first = await a.post('/wechatpush/info', { id });
    expect(first.status).toBe(200);
    const keys = await entries();
    expect(keys).toHaveLength(1);
    expect(await redis.get(keys[0])).toBe(first.text);

    // The answer comes from that entry: replace it and both instances serve the replacement.
    const marker = JSON.stringify({ success: true, data: { from: 'the entry' } });
    await redis.set(keys[0], marker, 'EX', 60);
    for (const api of [a, b]) {
      const hit = await api.post('/wechatpush/info', { id });
      expect(hit.status).toBe(200);
      expect(hit.text).toBe(marker);
      expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(hit.headers['x-request-id']).toEqual(expect.any(String));
      expect(hit.headers['content-security-policy']).toContain("default-src 'self'");
    }
    // Another body is another entry.
    expect((await b.post('/wechatpush/lists', { page: 1, pagesize: 10 })).body.data.total).toBe(1);
    expect(await entries()).toHaveLength(2);
  });

  it('never answers from an entry stored before a write', async () => {
    const id = await createRule('旧名字');
    const listed = async (api: ApiHarness) =>
      (await api.post('/wechatpush/lists', { searchText: '名字' })).body.data.data.map(
        (r: { name: string }) => r.name,
      );
    expect(await listed(a)).toEqual(['旧名字']);
    expect(await listed(b)).toEqual(['旧名字']); // from the entry
    expect((await b.post('/wechatpush/info', { id })).body.data.name).toBe('旧名字');
    const edit = await a.post('/wechatpush/edit', { ...ruleBody({ name: '新名字' }), id });
    expect(edit.status).toBe(200);
    expect(await listed(b)).toEqual(['新名字']);
    expect((await b.post('/wechatpush/info', { id })).body.data.name).toBe('新名字');
    expect(await listed(a)).toEqual(['新名字']);
  });

  it('stores no error answers and refuses a request without a valid token even when the body has an entry', async () => {
    const missing = await a.post('/wechatpush/info', { id: 999999 });
    expect(missing.status).toBe(404);
    const invalid = await a.post('/wechatpush/lists', { pagesize: 'many' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'pagesize' })]),
    );
    expect(await entries()).toHaveLength(0);

    expect((await a.post('/wechatpush/lists', {})).status).toBe(200);
    expect(await entries()).toHaveLength(1);
    for (const token of [null, 'not-a-token']) {
      const refused = await b.post('/wechatpush/lists', {}, token);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('counts each request once in the operator budget, on a miss as on a hit, and limits with 429', async () => {
    const id = await createRule('限流');
    const remaining: number[] = [];
    for (const api of [a, a, b, a]) {
      const res = await api.post('/wechatpush/info', { id });
      expect(res.status).toBe(200);
      expect(Number(res.headers['x-ratelimit-limit'])).toBe(LIMIT);
      remaining.push(Number(res.headers['x-ratelimit-remaining']));
    }
    // The create spent one; the miss (first) and the hits after it one each.
    expect(remaining).toEqual([LIMIT - 2, LIMIT - 3, LIMIT - 4, LIMIT - 5]);
    for (let i = remaining.length + 1; i < LIMIT; i++) {
      expect((await b.post('/wechatpush/info', { id })).status).toBe(200);
    }
    const limited = await a.post('/wechatpush/info', { id });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // A body with no entry is limited too (the guard applies the hit counted in front).
    expect((await b.post('/wechatpush/lists', { page: 7 })).status).toBe(429);
  });

  it('answers from MySQL when Redis answers the lookup with an error', async () => {
    await createRule('降级');
    const versionKey = `${prefix}:rules:version`;
    // A real error reply: the version key of another type makes every GET of it fail, in the
    // lookup in front of Nest and in the rule cache behind it.
    await redis.del(versionKey);
    await redis.rpush(versionKey, 'not-a-version');
    try {
      for (let i = 0; i < 2; i++) {
        const res = await a.post('/wechatpush/lists', { searchText: '降级' });
        expect(res.status).toBe(200);
        expect(res.body.data.data.map((r: { name: string }) => r.name)).toEqual(['降级']);
      }
      expect(await entries()).toHaveLength(0);
    } finally {
      await redis.del(versionKey);
    }
    expect((await a.post('/wechatpush/lists', { searchText: '降级' })).status).toBe(200);
    expect(await entries()).toHaveLength(1);
  });
});
