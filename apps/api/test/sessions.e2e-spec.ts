import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import Redis from 'ioredis';
import request from 'supertest';
import { Clock, FixedClock, formatDateTime, REDIS_CLIENT } from '@app/common';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { createAccount, signIn, SignedIn, TEST_PASSWORD } from '../../../test/utils/accounts';
import { ruleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import { deleteRedisKeys } from '../../admin/test/utils/browser';
import { userCreateCommand } from '../../cli/src/user-create.command';

const MINUTE = 60_000;

/** Both instances share this clock, so idle and absolute expiry are reached by advancing it. */
const clock = new FixedClock(new Date('2026-03-02T02:00:00Z'));

const SETTINGS = {
  SESSION_IDLE_MINUTES: '30',
  SESSION_MAX_HOURS: '12',
  LOGIN_MAX_FAILURES: '3',
  LOGIN_FAILURE_DELAY_MS: '200',
};

async function startInstance(): Promise<ApiHarness> {
  const saved = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SETTINGS);
  try {
    return await startApi((b) => b.overrideProvider(Clock).useValue(clock));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('sign-in sessions and API keys on two api instances (one MariaDB, one Redis)', () => {
  let a: ApiHarness;
  let b: ApiHarness;

  beforeAll(async () => {
    a = await startInstance();
    b = await startInstance();
    await truncate(a.db, 'accounts', 'api_keys', 'wechat_push_time', 'wechat_push');
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  const on = (api: ApiHarness) => request(api.app.getHttpServer());
  const me = (api: ApiHarness, s: SignedIn) =>
    on(api).post('/auth/me').set('Cookie', s.cookie).set('Content-Type', 'application/json');
  const write = (api: ApiHarness, s: SignedIn, path: string, body: unknown, csrf = s.csrfToken) =>
    on(api)
      .post(path)
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', csrf)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
  const login = (api: ApiHarness, username: string, password: string) =>
    on(api)
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username, password }));
  const ruleCount = async () =>
    Number((await a.db.query('SELECT COUNT(*) AS n FROM wechat_push'))[0].n);

  it('signs in with user name and password: an HttpOnly, Secure, SameSite=Strict cookie that the other instance knows', async () => {
    const account = await createAccount(a.app, 'editor', 'eve.editor');
    const s = await signIn(a.app.getHttpServer(), 'EVE.editor');
    expect(s.setCookie).toMatch(/^wpp_session=[A-Za-z0-9_-]{43};/);
    expect(s.setCookie).toMatch(/; HttpOnly/);
    expect(s.setCookie).toMatch(/; Secure/);
    expect(s.setCookie).toMatch(/; SameSite=Strict/);
    expect(s.setCookie).toMatch(/; Path=\//);
    const res = await me(b, s);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      operatorId: account.id,
      role: 'editor',
      via: 'session',
      username: 'eve.editor',
      displayName: 'eve.editor',
      csrfToken: s.csrfToken,
    });
    // Redis holds a digest of the cookie's value, never the value itself.
    const value = s.cookie.split('=')[1];
    const redis = a.app.get<Redis>(REDIS_CLIENT);
    const prefix = process.env.REDIS_KEY_PREFIX as string;
    const digest = createHash('sha256').update(value).digest('hex');
    expect(await redis.exists(`${prefix}:session:${digest}`)).toBe(1);
    const sessionKeys = await redis.keys(`${prefix}:session*`);
    expect(sessionKeys.join(' ')).not.toContain(value);
    for (const k of sessionKeys.filter((k) => k.includes(':session:'))) {
      expect(await redis.get(k)).not.toContain(value);
    }
    const users = await on(b)
      .post('/users/list')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
    const listed = users.body.data.find((u: { id: number }) => u.id === account.id);
    expect(listed.lastLoginAt).toBe(formatDateTime(clock.now()));
    expect(JSON.stringify(users.body)).not.toContain(value);
  });

  it('answers a wrong password, an unknown user and a disabled account alike: 401 INVALID_CREDENTIALS', async () => {
    await createAccount(a.app, 'viewer', 'wanda');
    const disabled = await createAccount(a.app, 'viewer', 'dora');
    await on(a)
      .post('/users/disable')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`)
      .send({ id: disabled.id })
      .expect(200);
    for (const [username, password] of [
      ['wanda', 'not-the-password-1'],
      ['nobody-here', TEST_PASSWORD],
      ['dora', TEST_PASSWORD],
    ]) {
      const res = await login(a, username, password);
      expect({ username, status: res.status, code: res.body.error?.code }).toEqual({
        username,
        status: 401,
        code: 'INVALID_CREDENTIALS',
      });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a cookie write without the CSRF token or with a wrong one (403 CSRF_TOKEN_INVALID, nothing written), on either instance', async () => {
    await createAccount(a.app, 'editor', 'cora');
    const s = await signIn(a.app.getHttpServer(), 'cora');
    const before = await ruleCount();
    const none = await on(b)
      .post('/wechatpush/create')
      .set('Cookie', s.cookie)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(ruleBody({ name: 'csrf none' })));
    expect(none.status).toBe(403);
    expect(none.body.error.code).toBe('CSRF_TOKEN_INVALID');
    expect(none.body.error.details[0].field).toBe('X-CSRF-Token');
    const wrong = await write(a, s, '/wechatpush/create', ruleBody({ name: 'csrf wrong' }), 'x');
    expect(wrong.status).toBe(403);
    // Another session's token is wrong too.
    const other = await signIn(a.app.getHttpServer(), 'cora');
    const foreign = await write(
      b,
      s,
      '/wechatpush/create',
      ruleBody({ name: 'csrf foreign' }),
      other.csrfToken,
    );
    expect(foreign.status).toBe(403);
    // The cached rule reads (answered before the guards) refuse it the same way.
    const read = await on(a)
      .post('/wechatpush/lists')
      .set('Cookie', s.cookie)
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(read.status).toBe(403);
    expect(await ruleCount()).toBe(before);
    const ok = await write(b, s, '/wechatpush/create', ruleBody({ name: 'csrf ok' }));
    expect(ok.status).toBe(200);
    expect(await ruleCount()).toBe(before + 1);
  });

  it('signing out on one instance ends the session on the other at once', async () => {
    await createAccount(a.app, 'viewer', 'otto');
    const s = await signIn(a.app.getHttpServer(), 'otto');
    const other = await signIn(a.app.getHttpServer(), 'otto');
    expect((await me(b, s)).status).toBe(200);
    const out = await write(a, s, '/auth/logout', {});
    expect(out.status).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/^wpp_session=;/);
    const after = await me(b, s);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHORIZED');
    // Only that session: the same user's other sign-in goes on.
    expect((await me(b, other)).status).toBe(200);
  });

  it('disabling a user on one instance ends every session of theirs on the other at once; enabling lets them sign in again', async () => {
    const admin = await createAccount(a.app, 'admin', 'ada');
    const user = await createAccount(a.app, 'approver', 'pete');
    const adminSession = await signIn(a.app.getHttpServer(), 'ada');
    const first = await signIn(a.app.getHttpServer(), 'pete');
    const second = await signIn(b.app.getHttpServer(), 'pete');
    const disabled = await write(a, adminSession, '/users/disable', { id: user.id });
    expect(disabled.status).toBe(200);
    expect(disabled.body.data.disabled).toBe(true);
    for (const s of [first, second]) expect((await me(b, s)).status).toBe(401);
    expect((await login(b, 'pete', TEST_PASSWORD)).status).toBe(401);
    const self = await write(b, adminSession, '/users/disable', { id: admin.id });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('INVALID_STATE');
    await write(b, adminSession, '/users/disable', { id: user.id, disabled: false }).expect(200);
    expect((await login(a, 'pete', TEST_PASSWORD)).status).toBe(200);
  });

  it('a new password ends the account’s sessions; a weak one is refused naming the field', async () => {
    const user = await createAccount(a.app, 'viewer', 'paula');
    const s = await signIn(a.app.getHttpServer(), 'paula');
    const weak = await on(a)
      .post('/users/update')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`)
      .send({ id: user.id, password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details).toEqual([
      { field: 'password', message: 'must be at least 12 characters' },
    ]);
    expect((await me(b, s)).status).toBe(200);
    await on(a)
      .post('/users/update')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`)
      .send({ id: user.id, password: 'A-whole-new-secret-7' })
      .expect(200);
    expect((await me(b, s)).status).toBe(401);
    expect((await login(b, 'paula', 'A-whole-new-secret-7')).status).toBe(200);
  });

  it('ends a session after SESSION_IDLE_MINUTES without a request, on every instance', async () => {
    await createAccount(a.app, 'viewer', 'ida');
    const s = await signIn(a.app.getHttpServer(), 'ida');
    clock.advance(29 * MINUTE);
    expect((await me(b, s)).status).toBe(200);
    // That request restarted the idle time.
    clock.advance(29 * MINUTE);
    expect((await me(a, s)).status).toBe(200);
    clock.advance(30 * MINUTE);
    expect((await me(b, s)).status).toBe(401);
    expect((await me(a, s)).status).toBe(401);
  });

  it('ends a session SESSION_MAX_HOURS after sign-in however busy it is', async () => {
    await createAccount(a.app, 'viewer', 'max');
    const s = await signIn(a.app.getHttpServer(), 'max');
    // A request every 20 minutes, alternating instances, for 11 h 40 min.
    for (let i = 1; i * 20 < 12 * 60; i++) {
      clock.advance(20 * MINUTE);
      expect({ i, status: (await me(i % 2 ? a : b, s)).status }).toEqual({ i, status: 200 });
    }
    clock.advance(20 * MINUTE);
    expect((await me(b, s)).status).toBe(401);
  });

  it('slows repeated failures and then locks the user name on every instance (429 LOGIN_LOCKED with Retry-After), not others', async () => {
    await createAccount(a.app, 'viewer', 'lucy');
    await createAccount(a.app, 'viewer', 'linus');
    expect((await login(a, 'lucy', 'wrong-password-1')).status).toBe(401);
    expect((await login(b, 'lucy', 'wrong-password-2')).status).toBe(401);
    const started = Date.now();
    expect((await login(a, 'LUCY', 'wrong-password-3')).status).toBe(401);
    // The third failure waits LOGIN_FAILURE_DELAY_MS per earlier failure.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const locked = await login(b, 'lucy', TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('LOGIN_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect(locked.headers['set-cookie']).toBeUndefined();
    expect((await login(a, 'linus', TEST_PASSWORD)).status).toBe(200);
  });

  it('API keys: shown once, stored hashed, used as Bearer on the other instance, revoked and expired at once', async () => {
    const admin = { Authorization: `Bearer ${OPERATOR_1_TOKEN}` };
    const created = await on(a)
      .post('/apikeys/create')
      .set(admin)
      .send({ name: 'BI export', role: 'viewer' });
    expect(created.status).toBe(200);
    const { key, id, prefix } = created.body.data;
    expect(key).toMatch(/^wpp_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    const [row] = await a.db.query('SELECT HEX(key_hash) AS h FROM api_keys WHERE id = ?', [id]);
    expect(row.h).toHaveLength(64);
    expect(JSON.stringify(row)).not.toContain(key.slice(4));
    const listed = await on(b).post('/apikeys/list').set(admin).send({});
    expect(JSON.stringify(listed.body)).not.toContain(key);
    const asKey = (api: ApiHarness, k = key) =>
      on(api).post('/auth/me').set('Authorization', `Bearer ${k}`).send({});
    expect((await asKey(b)).body.data).toEqual({ operatorId: 1, role: 'viewer', via: 'api-key' });
    const editing = await on(b)
      .post('/wechatpush/create')
      .set('Authorization', `Bearer ${key}`)
      .send(ruleBody({ name: 'by a viewer key' }));
    expect(editing.status).toBe(403);
    await on(a).post('/apikeys/revoke').set(admin).send({ id }).expect(200);
    expect((await asKey(b)).status).toBe(401);

    const expiring = await on(a)
      .post('/apikeys/create')
      .set(admin)
      .send({
        name: 'one hour',
        role: 'editor',
        expiresAt: formatDateTime(new Date(clock.now().getTime() + 60 * MINUTE)),
      });
    expect((await asKey(b, expiring.body.data.key)).status).toBe(200);
    clock.advance(61 * MINUTE);
    expect((await asKey(b, expiring.body.data.key)).status).toBe(401);
    const past = await on(a)
      .post('/apikeys/create')
      .set(admin)
      .send({ name: 'past', role: 'editor', expiresAt: '2020-01-01 00:00:00' });
    expect(past.status).toBe(400);
    expect(past.body.error.details[0].field).toBe('expiresAt');
  });

  it('validates the users routes with stable codes and fields', async () => {
    const admin = { Authorization: `Bearer ${OPERATOR_1_TOKEN}` };
    const cases: [unknown, string, number, string][] = [
      [
        { username: 'x', password: TEST_PASSWORD, role: 'admin' },
        'username',
        400,
        'VALIDATION_FAILED',
      ],
      [
        { username: 'valid-name', password: TEST_PASSWORD, role: 'root' },
        'role',
        400,
        'VALIDATION_FAILED',
      ],
      [
        { username: 'valid-name', password: 'valid-name-and-more', role: 'viewer' },
        'password',
        400,
        'VALIDATION_FAILED',
      ],
      [
        { username: 'eve.editor', password: TEST_PASSWORD, role: 'viewer' },
        'username',
        409,
        'NAME_TAKEN',
      ],
    ];
    for (const [body, field, status, code] of cases) {
      const res = await on(a)
        .post('/users/create')
        .set(admin)
        .send(body as object);
      expect({
        body,
        status: res.status,
        code: res.body.error?.code,
        field: res.body.error?.details[0]?.field,
      }).toEqual({ body, status, code, field });
    }
    const missing = await on(a).post('/users/disable').set(admin).send({ id: 999999 });
    expect(missing.status).toBe(404);
  });

  it('an account created through the API carries Shanghai wall times like every other record', async () => {
    await createAccount(a.app, 'admin', 'tina');
    const s = await signIn(a.app.getHttpServer(), 'tina');
    const created = await write(a, s, '/users/create', {
      username: 'walter',
      password: TEST_PASSWORD,
      role: 'viewer',
    });
    expect(created.status).toBe(200);
    // The shared FixedClock's instant, written as Asia/Shanghai wall time (not the server's zone).
    expect(created.body.data.createdAt).toBe(formatDateTime(clock.now()));
    expect(created.body.data.createdAt).not.toBe(
      clock.now().toISOString().slice(0, 19).replace('T', ' '),
    );
  });

  it('user:create (CLI) makes the first admin, reading the password from stdin', async () => {
    await userCreateCommand(
      ['--username', 'root-admin', '--password-stdin', '--role', 'admin'],
      Readable.from([`${TEST_PASSWORD}\n`]),
    );
    const s = await signIn(b.app.getHttpServer(), 'root-admin');
    expect((await me(a, s)).body.data.role).toBe('admin');
    await expect(
      userCreateCommand(
        ['--username', 'weak-admin', '--password-stdin', '--role', 'admin'],
        Readable.from(['short\n']),
      ),
    ).rejects.toThrow(/VALIDATION_FAILED: password must be at least 12 characters/);
    await expect(userCreateCommand(['--username', 'no-role', '--password-stdin'])).rejects.toThrow(
      /usage: user:create/,
    );
  });
});
