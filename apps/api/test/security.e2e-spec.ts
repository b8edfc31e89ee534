import { gzipSync } from 'node:zlib';
import Redis from 'ioredis';
import request from 'supertest';
import { PipelineQueues } from '@app/pipeline';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { pollUntil } from '../../../test/utils/process';
import { ruleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_1_TOKEN, OPERATOR_2_TOKEN } from '../../../test/test-env';
import { deleteRedisKeys } from '../../admin/test/utils/browser';
import { RedisThrottlerStorage } from '../src/http/rate-limit';
import { loadConfig } from '@app/common';

/** What no error answer may carry: stack frames, SQL, driver codes, file paths. */
const LEAKS =
  /\n\s+at |\bat .+\.(ts|js):\d+|\bSELECT\b|\bINSERT\b|\bUPDATE\b|\bFROM\s+`?\w+|ER_[A-Z_]+|QueryFailedError|node_modules|\/src\//;

function expectEnvelope(
  res: { status: number; body: unknown; text: string },
  status: number,
  code: string,
) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
  expect(res.text).not.toMatch(LEAKS);
}

const basic = (password: string) =>
  `Basic ${Buffer.from(`operator:${password}`, 'utf8').toString('base64')}`;

describe('security of the api (real app, MariaDB and Redis)', () => {
  const CORP_SECRET = 'corp-secret-must-not-leak-7c1e';
  let api: ApiHarness;
  let http: ReturnType<typeof request>;
  let base: string;

  beforeAll(async () => {
    api = await startApiWith({ WECOM_CORP_SECRET: CORP_SECRET });
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    http = request(api.app.getHttpServer());
    await truncate(api.db, 'wechat_push_time', 'wechat_push');
  });
  afterAll(async () => {
    await api.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  describe('authentication', () => {
    /** Every operation of the OpenAPI document, which Nest builds from every controller route. */
    const operations = async () => {
      const res = await http.get('/docs-json').set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
      expect(res.status).toBe(200);
      const paths = res.body.paths as Record<string, Record<string, unknown>>;
      return Object.entries(paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => ({ method, path })),
      );
    };

    it('every API route refuses a request without a token, or with a wrong one, with the 401 envelope', async () => {
      // /health and the sign-in itself need no credential (access-control.e2e-spec.ts checks
      // every route's role).
      const ops = (await operations()).filter(
        (o) => o.path !== '/health' && o.path !== '/auth/login',
      );
      // The premise: the document lists the API (a new route appears here by itself).
      expect(ops.length).toBeGreaterThanOrEqual(15);
      expect(ops).toEqual(expect.arrayContaining([{ method: 'post', path: '/wechatpush/create' }]));
      for (const { method, path } of ops) {
        for (const auth of [
          undefined,
          'Bearer not-a-configured-token',
          `Bearer ${OPERATOR_1_TOKEN}x`,
          basic(OPERATOR_1_TOKEN),
          `Token ${OPERATOR_1_TOKEN}`,
        ]) {
          const req = (http as unknown as Record<string, (p: string) => request.Test>)
            [method](path)
            .set('Content-Type', 'application/json');
          if (auth) req.set('Authorization', auth);
          const res = await req.send('{}');
          expect({ method, path, auth, status: res.status }).toEqual({
            method,
            path,
            auth,
            status: 401,
          });
          expectEnvelope(res, 401, 'UNAUTHORIZED');
        }
      }
    });

    it('/health stays open', async () => {
      const res = await http.get('/health');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
    });

    it.each(['/queues', '/queues/api/queues', '/docs', '/docs/', '/docs-json', '/docs-yaml'])(
      '%s refuses without credentials and accepts the operator token (Bearer or Basic password)',
      async (path) => {
        const none = await http.get(path);
        expectEnvelope(none, 401, 'UNAUTHORIZED');
        expect(none.headers['www-authenticate']).toMatch(/^Basic /);
        expectEnvelope(
          await http.get(path).set('Authorization', basic('wrong-token')),
          401,
          'UNAUTHORIZED',
        );
        const viaBasic = await http.get(path).set('Authorization', basic(OPERATOR_2_TOKEN));
        expect(viaBasic.status).toBeLessThan(400);
        const viaBearer = await http.get(path).set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
        expect(viaBearer.status).toBeLessThan(400);
      },
    );
  });

  describe('headers', () => {
    it('every answer carries helmet headers with a strict script policy and no X-Powered-By', async () => {
      for (const res of [
        await http.get('/health'),
        await api.post('/wechatpush/lists', {}),
        await http.get('/docs/').set('Authorization', basic(OPERATOR_1_TOKEN)),
        await http.get('/nope'),
      ]) {
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("object-src 'none'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(res.headers['referrer-policy']).toBe('same-origin');
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('API answers carry no ETag: every route is a POST, so hashing each body bought nothing', async () => {
      const res = await api.post('/wechatpush/lists', {});
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBeUndefined();
    });

    it('CORS is closed by default: no Access-Control-Allow-Origin for any origin', async () => {
      const preflight = await http
        .options('/wechatpush/lists')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const post = await api.post('/wechatpush/lists', {}).set('Origin', 'https://evil.example');
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('CORS_ORIGINS opens the API to the listed origins only', async () => {
      const open = await startApiWith({
        CORS_ORIGINS: 'https://ops.example.com, https://b.example',
      });
      try {
        const h = request(open.app.getHttpServer());
        const preflight = (origin: string) =>
          h
            .options('/wechatpush/lists')
            .set('Origin', origin)
            .set('Access-Control-Request-Method', 'POST')
            .set('Access-Control-Request-Headers', 'authorization,content-type');
        const ok = await preflight('https://ops.example.com');
        expect(ok.status).toBe(204);
        expect(ok.headers['access-control-allow-origin']).toBe('https://ops.example.com');
        expect(ok.headers['access-control-allow-headers']).toMatch(/Authorization/);
        expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
        const other = await preflight('https://evil.example');
        expect(other.headers['access-control-allow-origin']).toBeUndefined();
        const post = await open.post('/wechatpush/lists', {}).set('Origin', 'https://b.example');
        expect(post.status).toBe(200);
        expect(post.headers['access-control-allow-origin']).toBe('https://b.example');
      } finally {
        await open.close();
      }
    });
  });

  describe('request bodies', () => {
    /** Exactly these bytes and headers (fetch, so no client re-encodes the body). */
    const raw = async (body: string | Buffer, headers: Record<string, string>) => {
      const res = await fetch(`${base}/wechatpush/lists`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${OPERATOR_1_TOKEN}`, ...headers },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
      const text = await res.text();
      return { status: res.status, text, body: JSON.parse(text) as unknown };
    };
    const big = JSON.stringify({ searchText: 'x'.repeat(300 * 1024) });

    it.each([
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'searchText=a&page=1'],
      ['application/x-www-form-urlencoded', `searchText=${'a'.repeat(300 * 1024)}`],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
      ],
      ['application/xml', '<a/>'],
      ['application/json; charset=latin1', '{}'],
    ])('a %s body is refused with 415', async (type, body) => {
      expectEnvelope(await raw(body, { 'Content-Type': type }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('a JSON body over BODY_LIMIT is refused with 413, also when it arrives compressed', async () => {
      expectEnvelope(
        await raw(big, { 'Content-Type': 'application/json' }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      const bomb = gzipSync(
        Buffer.from(JSON.stringify({ searchText: ' '.repeat(5 * 1024 * 1024) })),
      );
      expect(bomb.length).toBeLessThan(64 * 1024);
      expectEnvelope(
        await raw(bomb, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
    });

    it('a corrupt compressed body is a 400, not a 500', async () => {
      expectEnvelope(
        await raw(Buffer.from('not gzip at all'), {
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
        }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('a body nested deeper than 32 levels is a 400 naming the body (found by the fuzz test as a 500)', async () => {
      const deep = `{"searchText":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const res = await raw(deep, { 'Content-Type': 'application/json' });
      expectEnvelope(res, 400, 'VALIDATION_FAILED');
      expect(res.body).toMatchObject({ error: { details: [{ field: 'body' }] } });
      expect((await api.post('/wechatpush/lists', { endTime: null, startTime: null })).status).toBe(
        200,
      );
    });

    it('an unknown content encoding is 415 and malformed JSON is 400 MALFORMED_JSON', async () => {
      expectEnvelope(
        await raw('{}', { 'Content-Type': 'application/json', 'Content-Encoding': 'x-unknown' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectEnvelope(
        await raw('{"page": 1,', { 'Content-Type': 'application/json' }),
        400,
        'MALFORMED_JSON',
      );
    });

    it('an unknown route or method answers the 404 envelope', async () => {
      expectEnvelope(
        await http.get('/wechatpush/lists').set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`),
        404,
        'ROUTE_NOT_FOUND',
      );
      expectEnvelope(await api.post('/wechatpush/nope', {}), 404, 'ROUTE_NOT_FOUND');
    });
  });

  describe('errors', () => {
    it('a database failure answers 500 with an error id, without SQL, driver codes or a stack', async () => {
      await api.db.query('RENAME TABLE wechat_push TO wechat_push_hidden');
      try {
        // A search no cached list answers, so the query reaches MariaDB and fails there.
        const res = await api.post('/wechatpush/lists', { searchText: `db-fails-${Date.now()}` });
        expectEnvelope(res, 500, 'INTERNAL_ERROR');
        expect(res.body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.text).not.toMatch(/wechat_push|doesn't exist|Table/);
      } finally {
        await api.db.query('RENAME TABLE wechat_push_hidden TO wechat_push');
      }
      expect((await api.post('/wechatpush/lists', {})).status).toBe(200);
    });
  });

  describe('secrets', () => {
    it('job payloads and Bull Board carry ids only: no operator token or corp secret', async () => {
      expect((await api.post('/wechatpush/create', ruleBody({ name: '密钥检查' }))).status).toBe(
        200,
      );
      const [{ id }] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [
        '密钥检查',
      ]);
      expect((await api.post('/wechatpush/trigger', { id: Number(id) })).status).toBe(200);

      const jobs = (
        await Promise.all(
          api.app
            .get(PipelineQueues)
            .all()
            .map((q) => q.getJobs()),
        )
      ).flat();
      expect(jobs.length).toBeGreaterThan(0);
      const stored = JSON.stringify(
        jobs.map((j) => ({ data: j.data, opts: j.opts, name: j.name })),
      );
      expect(stored).toContain(`"pushId":${Number(id)}`);

      const board = await http
        .get('/queues/api/queues?activeQueue=push-slot&status=latest&page=1')
        .set('Authorization', basic(OPERATOR_1_TOKEN));
      expect(board.status).toBe(200);
      expect(board.text).toContain(`"pushId":${Number(id)}`);

      for (const text of [stored, board.text]) {
        for (const secret of [OPERATOR_1_TOKEN, OPERATOR_2_TOKEN, CORP_SECRET]) {
          expect(text).not.toContain(secret);
        }
        expect(text).not.toMatch(/access_token|corpsecret|authorization/i);
      }
    });
  });
});

describe('rate limiting (THROTTLE_LIMIT per THROTTLE_TTL_SECONDS, shared through Redis)', () => {
  // A key prefix of its own, so the counters of other suites of this Jest worker do not count.
  const prefix = `${process.env.REDIS_KEY_PREFIX}_rl${Date.now()}`;
  const env = { REDIS_KEY_PREFIX: prefix, THROTTLE_LIMIT: '5', THROTTLE_TTL_SECONDS: '60' };
  let a: ApiHarness;
  let b: ApiHarness;

  beforeAll(async () => {
    // Two api instances: what two processes or replicas share is Redis only.
    a = await startApiWith(env);
    b = await startApiWith(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await deleteRedisKeys(prefix);
  });

  it('limits one operator across instances with 429 RATE_LIMITED and Retry-After; others and /health are not limited', async () => {
    for (const api of [a, b, a, b, a])
      expect((await api.post('/wechatpush/lists', {})).status).toBe(200);
    const limited = await b.post('/wechatpush/labels', {});
    expectEnvelope(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expectEnvelope(await a.post('/wechatpush/lists', {}), 429, 'RATE_LIMITED');

    // The operator's budget covers the pages outside the API routes too.
    expectEnvelope(
      await request(a.app.getHttpServer())
        .get('/queues')
        .set('Authorization', basic(OPERATOR_1_TOKEN)),
      429,
      'RATE_LIMITED',
    );

    // Another operator has a budget of its own; the health probe is never limited.
    expect((await a.post('/wechatpush/lists', {}, OPERATOR_2_TOKEN)).status).toBe(200);
    for (let i = 0; i < 8; i++)
      expect((await request(b.app.getHttpServer()).get('/health')).status).toBe(200);
  });

  it('without a valid token, requests are limited by client address, before authentication', async () => {
    for (let i = 0; i < 5; i++) {
      expectEnvelope(
        await a.post('/wechatpush/lists', {}, 'guessing-a-token'),
        401,
        'UNAUTHORIZED',
      );
    }
    expectEnvelope(await b.post('/wechatpush/lists', {}, 'guessing-again'), 429, 'RATE_LIMITED');
    // Guessing through the Basic login of /docs or /queues spends the same budget.
    const docs = await request(a.app.getHttpServer())
      .get('/docs-json')
      .set('Authorization', basic('guessing-via-docs'));
    expectEnvelope(docs, 429, 'RATE_LIMITED');
    expect(Number(docs.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('the storage counts atomically under concurrency and starts a new window when one expires', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const storage = new RedisThrottlerStorage(redis, {
        ...loadConfig(),
        REDIS_KEY_PREFIX: prefix,
      });
      const results = await Promise.all(
        Array.from({ length: 50 }, () => storage.increment('burst', 60_000, 10, 60_000, 'unit')),
      );
      expect(results.filter((r) => !r.isBlocked)).toHaveLength(10);
      expect(results.map((r) => r.totalHits).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      expect(await redis.pttl(`${prefix}:throttle:unit:burst`)).toBeGreaterThan(0);

      const first = await storage.increment('short', 300, 1, 300, 'unit');
      expect(first).toMatchObject({ totalHits: 1, isBlocked: false });
      expect((await storage.increment('short', 300, 1, 300, 'unit')).isBlocked).toBe(true);
      // Probes further apart than the window and the block: a probe inside a window that
      // already has a hit would itself exceed the limit and block again (CI: re-blocked until
      // the deadline when the two first hits were far apart under load).
      await pollUntil(
        async () => !(await storage.increment('short', 300, 1, 300, 'unit')).isBlocked,
        5_000,
        400,
      );
    } finally {
      redis.disconnect();
    }
  });
});
