import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import {
  createAccount,
  createApiKey,
  signIn,
  SignedIn,
  TEST_PASSWORD,
} from '../../../test/utils/accounts';
import { ruleBody } from '../../../test/utils/rule-factory';
import { setPolicy } from '../../../test/utils/pipeline';
import { DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { ApiKeysService } from '@app/accounts';
import { documentedRoutes } from '../../../test/utils/security-doc';
import { deleteRedisKeys } from '../../admin/test/utils/browser';

interface AuditRow {
  id: number;
  actor_type: string;
  actor_id: number | string | null;
  actor_name: string | null;
  role: string | null;
  client_ip: string | null;
  request_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
  outcome: string;
}

/** POST routes of the table that change nothing: no audit row. */
const READS = new Set([
  '/apikeys/list',
  '/audit/list',
  '/auth/me',
  '/import/list',
  '/import/status',
  '/policy/get',
  '/statistic/wechatpush/compare',
  '/statistic/wechatpush/daily',
  '/statistic/wechatpush/experiment',
  '/statistic/wechatpush/goods',
  '/statistic/wechatpush/result',
  '/statistic/wechatpush/runs',
  '/suppression/list',
  '/testgroup/get',
  '/wechatpush/pending',
  '/wechatpush/confirmations',
  '/wechatpush/versions',
  '/users/list',
  '/wechatpush/info',
  '/wechatpush/labels',
  '/wechatpush/lists',
  '/wechatpush/preview',
  '/wechatpush/runs',
  '/wecom/contacts/customer',
]);
/** Public machine inputs proven by signature, recorded in their own tables. */
const MACHINE = new Set(['POST /wecom/callback', 'POST /youzan/push']);
/** Routes that hand out data in bulk: audited although they change nothing (GET included). */
const EXPORTS = new Set([
  'GET /import/report',
  'POST /import/report',
  'POST /statistic/wechatpush/report',
]);
/** Audited separately below (they need a session of their own). */
const SESSION_ROUTES = new Set(['POST /auth/login', 'POST /auth/logout']);
/**
 * Mutating routes whose success needs state this suite does not build (an `unknown` batch
 * needs a run through WeCom): refused with a 4xx here, which must leave no row.
 */
const NOT_REACHED = new Set(['POST /wechatpush/batch/resend', 'POST /wechatpush/confirm']);

const ORDERS_CSV = [
  'order_number,order_time,status,payment,customer_id,sku_id,sku_name,brand,quantity,price',
  'A1,2025-04-01 10:00:00,paid,10,1,S1,奶,伊利,1,10',
].join('\n');

/**
 * The audit log (issue 23) against the real api and MariaDB: each request is sent with its own
 * X-Request-Id, so "exactly one row" is counted per request, and the audit_log total is
 * checked too (no row for anything else).
 */
describe('audit log (docs/SECURITY.md "Audit log")', () => {
  let api: ApiHarness;
  let dir: string;
  let server: ReturnType<ApiHarness['app']['getHttpServer']>;
  let adminKey: string;
  let viewerKey: string;
  /** An admin key of another account: the approver of what account 1 authored. */
  let secondKey: string;
  let secondId: number;
  let requests = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wpp-audit-'));
    // Approval on: approve and reject need a pending version and an approver not its author.
    api = await startApiWith({ IMPORT_DIR: dir, RULE_APPROVAL: 'required' });
    server = api.app.getHttpServer();
    // A sync left 'running' by an earlier suite of this Jest worker (the fuzz test starts one)
    // would refuse this suite's start with 409.
    await truncate(
      api.db,
      'accounts',
      'api_keys',
      'wechat_push_time',
      'wechat_push',
      'audit_log',
      'wecom_contact_sync_chunks',
      'wecom_contact_syncs',
    );
    // Account 1 is the admin the keys act as (createApiKey creates them as operator 1).
    await createAccount(api.app, 'admin');
    adminKey = await createApiKey(api.app, 'admin');
    viewerKey = await createApiKey(api.app, 'viewer');
    const second = await createAccount(api.app, 'admin');
    secondKey = (
      await api.app.get(ApiKeysService).create({ name: 'second admin', role: 'admin' }, second.id)
    ).key;
    secondId = second.id;
  });
  afterAll(async () => {
    // Later suites of this Jest worker (same database) expect the default policy.
    if (api) await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
    await api?.close();
    await rm(dir, { recursive: true, force: true });
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  const rowsOf = (requestId: string): Promise<AuditRow[]> =>
    api.db.query('SELECT * FROM audit_log WHERE request_id = ? ORDER BY id', [requestId]);
  const rowsAfterFile = async (requestId: string): Promise<AuditRow[]> => {
    const deadline = Date.now() + 5_000;
    let rows = await rowsOf(requestId);
    while (rows.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
      rows = await rowsOf(requestId);
    }
    return rows;
  };
  const count = async () =>
    Number((await api.db.query('SELECT COUNT(*) AS n FROM audit_log'))[0].n);

  type Auth = { bearer: string } | { session: SignedIn };
  /** Sends one request with its own X-Request-Id, by which its audit rows are found. */
  const send = (
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    auth: Auth = { bearer: adminKey },
    upload?: { fields?: Record<string, string>; file: string; name: string },
  ) => {
    const requestId = `audit-test-${++requests}-${Date.now()}`;
    let req =
      method === 'GET'
        ? request(server).get(`${path}?${new URLSearchParams(body as Record<string, string>)}`)
        : request(server).post(path);
    req = req.set('X-Request-Id', requestId);
    req =
      'bearer' in auth
        ? req.set('Authorization', `Bearer ${auth.bearer}`)
        : req.set('Cookie', auth.session.cookie).set('X-CSRF-Token', auth.session.csrfToken);
    if (upload) {
      for (const [k, v] of Object.entries(upload.fields ?? {})) req.field(k, v);
      req.attach('file', Buffer.from(upload.file, 'utf8'), {
        filename: upload.name,
        contentType: 'text/csv',
      });
    } else if (method === 'POST') {
      req = req.set('Content-Type', 'application/json').send(JSON.stringify(body));
    }
    return req.then((res) => ({ res, requestId }));
  };

  describe('every mutating route of the route × role table', () => {
    const ts = Date.now().toString(36);
    const state: Record<string, number> = {};
    /**
     * One successful call per audited route, in an order that builds what the next needs,
     * and the target each must name (`undefined`: none required). A new audited route
     * without an entry here fails the first test.
     */
    const calls: {
      route: string;
      body: () => unknown;
      upload?: () => { fields?: Record<string, string>; file: string; name: string };
      target?: () => string;
      /** A service describes the state before: before_json must hold it. */
      before?: boolean;
      after?: (res: request.Response) => void;
      /** Sent by the second admin (an approver must not be the version's author). */
      bySecond?: boolean;
    }[] = [
      {
        route: 'POST /wechatpush/create',
        body: () => ruleBody({ name: `审计 ${ts}`, variants: [{ content: '变体 B', weight: 1 }] }),
      },
      {
        route: 'POST /wechatpush/approve',
        body: () => ({ id: state.rule, version: 1 }),
        target: () => String(state.rule),
        bySecond: true,
      },
      {
        route: 'POST /wechatpush/edit',
        body: () => ({
          ...ruleBody({
            name: `审计 改 ${ts}`,
            content: '改过的文案（待审批）',
            variants: [{ content: '变体 B', weight: 1 }],
          }),
          id: state.rule,
        }),
        target: () => String(state.rule),
      },
      {
        route: 'POST /wechatpush/reject',
        body: () => ({ id: state.rule, version: 2, comment: '文案再改改' }),
        target: () => String(state.rule),
        bySecond: true,
      },
      { route: 'POST /wechatpush/confirm', body: () => ({ requestId: 987_654 }) },
      {
        route: 'POST /wechatpush/variant/promote',
        body: () => ({ id: state.rule, variant: 'B' }),
        target: () => String(state.rule),
        before: true,
      },
      {
        route: 'POST /wechatpush/editstatus',
        body: () => ({ id: state.rule, status: 1 }),
        target: () => String(state.rule),
        before: true,
      },
      {
        route: 'POST /wechatpush/trigger',
        body: () => ({ id: state.rule, force: true }),
        target: () => String(state.rule),
        after: (res) => (state.run = res.body.data.runId),
      },
      {
        route: 'POST /wechatpush/run/cancel',
        body: () => ({ runId: state.run }),
        target: () => String(state.run),
      },
      {
        route: 'POST /testgroup/update',
        body: () => ({ members: [{ externalUserId: 'wm-audit-tester', name: '测试机' }] }),
      },
      {
        route: 'POST /wechatpush/testsend',
        body: () => ({ id: state.rule }),
        target: () => String(state.rule),
      },
      {
        route: 'POST /wechatpush/editstatus',
        body: () => ({ id: state.rule, status: 0 }),
        target: () => String(state.rule),
        before: true,
      },
      {
        route: 'POST /wechatpush/delete',
        body: () => ({ id: state.rule }),
        target: () => String(state.rule),
        before: true,
      },
      { route: 'POST /wechatpush/batch/resend', body: () => ({ batchId: 987_654 }) },
      {
        route: 'POST /users/create',
        body: () => ({ username: `audited-${ts}`, password: TEST_PASSWORD, role: 'viewer' }),
        after: (res) => (state.user = res.body.data.id),
      },
      {
        route: 'POST /users/update',
        body: () => ({ id: state.user, role: 'editor', password: `${TEST_PASSWORD}-new` }),
        target: () => String(state.user),
        before: true,
      },
      {
        route: 'POST /users/disable',
        body: () => ({ id: state.user }),
        target: () => String(state.user),
        before: true,
      },
      {
        route: 'POST /apikeys/create',
        body: () => ({ name: 'audited key', role: 'viewer' }),
        after: (res) => (state.key = res.body.data.id),
      },
      {
        route: 'POST /apikeys/revoke',
        body: () => ({ id: state.key }),
        target: () => String(state.key),
        before: true,
      },
      {
        route: 'POST /policy/update',
        body: () => ({ maxPerDay: 3 }),
        target: () => '1',
        before: true,
      },
      { route: 'POST /suppression/add', body: () => ({ externalUserIds: ['wm-audit-1'] }) },
      { route: 'POST /suppression/remove', body: () => ({ externalUserIds: ['wm-audit-1'] }) },
      {
        route: 'POST /suppression/import',
        body: () => undefined,
        upload: () => ({ file: 'wm-audit-2\n', name: 'list.csv' }),
      },
      {
        route: 'POST /import/identities',
        body: () => undefined,
        upload: () => ({ file: 'external_userid,customer_id\nwm-audit-3,101\n', name: 'ids.csv' }),
      },
      {
        route: 'POST /import/orders',
        body: () => undefined,
        upload: () => ({ fields: { dryRun: 'true' }, file: ORDERS_CSV, name: 'orders.csv' }),
        after: (res) => (state.import = res.body.data.id),
      },
      {
        route: 'POST /import/cancel',
        body: () => ({ id: state.import }),
        target: () => String(state.import),
      },
      {
        route: 'GET /import/report',
        body: () => ({ id: String(state.import) }),
        target: () => String(state.import),
      },
      {
        route: 'POST /import/report',
        body: () => ({ id: state.import }),
        target: () => String(state.import),
      },
      {
        route: 'POST /statistic/wechatpush/report',
        body: () => ({
          name: '审计',
          startTime: '2025-04-01',
          endTime: '2025-04-30',
          granularity: 'month',
          format: 'csv',
        }),
      },
      { route: 'POST /wecom/contacts/sync', body: () => ({}) },
    ];

    it('is audited unless it only reads: the table, the reads and the calls agree', () => {
      const audited = documentedRoutes()
        .map((r) => `${r.method} ${r.path}`)
        .filter((r) => !MACHINE.has(r) && !SESSION_ROUTES.has(r))
        .filter((r) => (r.startsWith('POST ') ? !READS.has(r.slice(5)) : EXPORTS.has(r)));
      expect([...new Set(calls.map((c) => c.route))].sort()).toEqual(audited.sort());
      for (const r of READS)
        expect(documentedRoutes().some((d) => d.path === r && d.method === 'POST')).toBe(true);
    });

    it('each read route is marked @NotAudited() on the app (a read left unmarked fills the log)', () => {
      const marks = new Map<string, unknown>();
      for (const module of api.app.get(ModulesContainer).values()) {
        for (const wrapper of module.controllers.values()) {
          const controller = wrapper.metatype as (new () => unknown) | null;
          if (!controller) continue;
          const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
          const proto = controller.prototype as Record<string, unknown>;
          for (const name of Object.getOwnPropertyNames(proto)) {
            const handler = proto[name];
            if (typeof handler !== 'function' || name === 'constructor') continue;
            const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
            if (sub === undefined) continue;
            const path = `/${[prefix, sub].filter(Boolean).join('/')}`.replace(/\/+/g, '/');
            marks.set(path, Reflect.getMetadata('wpp:audit', handler));
          }
        }
      }
      for (const r of READS)
        expect({ route: r, mark: marks.get(r) }).toEqual({ route: r, mark: 'read' });
    });

    it('called once by an admin, each leaves exactly one row: actor, role, action, target, before/after', async () => {
      for (const call of calls) {
        const [method, path] = call.route.split(' ') as ['GET' | 'POST', string];
        const before = await count();
        const { res, requestId } = await send(
          method,
          path,
          call.body(),
          call.bySecond ? { bearer: secondKey } : undefined,
          call.upload?.(),
        );
        // A streamed export's row follows its file by a moment (see SECURITY.md): poll.
        const rows = EXPORTS.has(call.route)
          ? await rowsAfterFile(requestId)
          : await rowsOf(requestId);
        if (NOT_REACHED.has(call.route)) {
          expect({ route: call.route, status: res.status, rows: rows.length }).toEqual({
            route: call.route,
            status: 404,
            rows: 0,
          });
          continue;
        }
        const ok = res.status >= 200 && res.status < 300;
        expect({
          route: call.route,
          ok,
          error: ok ? undefined : (res.body?.error ?? res.text),
        }).toEqual({ route: call.route, ok: true, error: undefined });
        call.after?.(res);
        if (call.route === 'POST /wechatpush/create') {
          state.rule = (await api.post('/wechatpush/lists', {}, adminKey)).body.data.data[0].id;
        }
        expect({ route: call.route, rows: rows.length, total: (await count()) - before }).toEqual({
          route: call.route,
          rows: 1,
          total: 1,
        });
        const [row] = rows;
        expect({
          route: call.route,
          action: row.action,
          actor: [row.actor_type, Number(row.actor_id), row.role],
          actorName: row.actor_name,
          outcome: row.outcome,
          target: call.target ? row.target_id : undefined,
          hasBefore: call.before ? row.before_json !== null : undefined,
          hasAfter: row.after_json !== null && row.after_json !== '{}',
          clientIp: row.client_ip !== null,
        }).toEqual({
          route: call.route,
          action: call.route,
          actor: ['api_key', call.bySecond ? secondId : 1, 'admin'],
          actorName: expect.stringMatching(
            call.bySecond ? /^second admin \(wpp_/ : /^test admin \(wpp_/,
          ),
          outcome: 'ok',
          target: call.target?.(),
          hasBefore: call.before ? true : undefined,
          hasAfter: true,
          clientIp: true,
        });
        // Never a secret: no password, no API key.
        expect(`${row.before_json} ${row.after_json}`).not.toContain(TEST_PASSWORD);
        expect(`${row.before_json} ${row.after_json}`).not.toMatch(/wpp_[A-Za-z0-9_-]{20,}/);
      }
      // before/after as the services described them.
      const policy = (await api.db.query(
        "SELECT * FROM audit_log WHERE action = 'POST /policy/update'",
      )) as AuditRow[];
      expect(JSON.parse(policy[0].after_json as string).maxPerDay).toBe(3);
      expect(JSON.parse(policy[0].before_json as string).maxPerDay).not.toBe(3);
      const [status] = (await api.db.query(
        "SELECT * FROM audit_log WHERE action = 'POST /wechatpush/editstatus' ORDER BY id LIMIT 1",
      )) as AuditRow[];
      expect([
        JSON.parse(status.before_json as string),
        JSON.parse(status.after_json as string),
      ]).toEqual([{ status: 0 }, { status: 1 }]);
      const [update] = (await api.db.query(
        "SELECT * FROM audit_log WHERE action = 'POST /users/update'",
      )) as AuditRow[];
      expect(JSON.parse(update.before_json as string).role).toBe('viewer');
      expect(JSON.parse(update.after_json as string)).toMatchObject({
        role: 'editor',
        passwordChanged: true,
      });
    }, 120_000);
  });

  it('a refused call (403) leaves no row', async () => {
    const before = await count();
    for (const path of ['/policy/update', '/users/create', '/wechatpush/delete', '/audit/list']) {
      const { res } = await send('POST', path, { id: 1, maxPerDay: 2 }, { bearer: viewerKey });
      expect([path, res.status]).toEqual([path, 403]);
    }
    expect(await count()).toBe(before);
  });

  it('a call that fails (an unknown id) leaves no row, even where a transaction ran', async () => {
    const before = await count();
    const failing: [string, unknown][] = [
      ['/wechatpush/edit', { ...ruleBody({ name: 'nowhere' }), id: 999_999 }],
      ['/wechatpush/editstatus', { id: 999_999, status: 1 }],
      ['/wechatpush/delete', { id: 999_999 }],
      ['/wechatpush/variant/promote', { id: 999_999, variant: 'B' }],
      ['/wechatpush/trigger', { id: 999_999, force: true }],
      ['/wechatpush/run/cancel', { runId: 999_999 }],
      ['/wechatpush/batch/resend', { batchId: 999_999 }],
      ['/wechatpush/approve', { id: 999_999, version: 1 }],
      ['/wechatpush/reject', { id: 999_999, version: 1, comment: 'x' }],
      ['/wechatpush/confirm', { requestId: 999_999 }],
      ['/import/cancel', { id: 999_999 }],
      ['/users/update', { id: 999_999, role: 'viewer' }],
      ['/users/disable', { id: 999_999 }],
      ['/apikeys/revoke', { id: 999_999 }],
    ];
    for (const [path, body] of failing) {
      const { res, requestId } = await send('POST', path, body);
      expect([path, res.status, (await rowsOf(requestId)).length]).toEqual([path, 404, 0]);
    }
    expect(await count()).toBe(before);
  });

  it('signing in and out leave one row each; a failed sign-in one "failed" row without the password', async () => {
    const account = await createAccount(api.app, 'editor');
    const wrong = `${TEST_PASSWORD}-wrong`;
    const failed = await send('POST', '/auth/login', {
      username: account.username,
      password: wrong,
    });
    expect(failed.res.status).toBe(401);
    const [failedRow, ...moreFailed] = await rowsOf(failed.requestId);
    expect(moreFailed).toEqual([]);
    expect(failedRow).toMatchObject({
      action: 'POST /auth/login',
      actor_type: 'anonymous',
      actor_id: null,
      actor_name: account.username,
      outcome: 'failed',
    });
    expect(JSON.parse(failedRow.after_json as string)).toEqual({
      username: account.username,
      password: '[redacted]',
    });
    expect(JSON.stringify(failedRow)).not.toContain(wrong);

    const before = await count();
    const session = await signIn(server, account.username);
    const [login] = (await api.db.query(
      'SELECT * FROM audit_log ORDER BY id DESC LIMIT 1',
    )) as AuditRow[];
    expect(await count()).toBe(before + 1);
    expect(login).toMatchObject({
      action: 'POST /auth/login',
      actor_type: 'account',
      actor_name: account.username,
      role: 'editor',
      target_id: String(account.id),
      outcome: 'ok',
    });
    expect(Number(login.actor_id)).toBe(account.id);
    expect(JSON.stringify(login)).not.toContain(TEST_PASSWORD);

    const out = await send('POST', '/auth/logout', {}, { session });
    expect(out.res.status).toBe(200);
    const logout = await rowsOf(out.requestId);
    expect(logout).toHaveLength(1);
    expect(logout[0]).toMatchObject({
      action: 'POST /auth/logout',
      actor_type: 'account',
      actor_name: account.username,
    });
  });

  it('the database refuses to change or delete a row, whoever asks', async () => {
    await api.post('/policy/update', { maxPerDay: 4 }, adminKey).expect(200);
    const before = await api.db.query('SELECT * FROM audit_log ORDER BY id');
    await expect(api.db.query("UPDATE audit_log SET action = 'forged'")).rejects.toThrow(
      /append-only/,
    );
    await expect(api.db.query('DELETE FROM audit_log WHERE id > 0')).rejects.toThrow(/append-only/);
    expect(await api.db.query('SELECT * FROM audit_log ORDER BY id')).toEqual(before);
  });

  it('no route can change it: the only /audit route reads, and no code updates or deletes it', () => {
    expect(
      documentedRoutes()
        .filter((r) => r.path.startsWith('/audit'))
        .map((r) => `${r.method} ${r.path} ${r.access}`),
    ).toEqual(['POST /audit/list admin']);
    const root = join(__dirname, '../../..');
    const sources = execFileSync('git', ['ls-files', 'apps', 'libs'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => /\.tsx?$/.test(f) && !/(\/test\/|spec\.ts$|\/migrations\/)/.test(f));
    expect(sources.length).toBeGreaterThan(100);
    const writes = sources.filter((f) =>
      /(update|delete\s+from|truncate(\s+table)?|drop\s+table)\s+`?audit_log/i.test(
        readFileSync(join(root, f), 'utf8'),
      ),
    );
    expect(writes).toEqual([]);
  });

  it('the change and its row commit together: a change whose audit row cannot be written rolls back; a failed handler leaves none', async () => {
    const policy = async () =>
      (await api.post('/policy/get', {}, adminKey)).body.data.maxPerDay as number;
    await api.post('/policy/update', { maxPerDay: 5 }, adminKey).expect(200);
    const before = await count();
    // A dropped connection, a full disk… stood in for by a trigger refusing the insert.
    await api.db.query(`CREATE TRIGGER trg_test_audit_fails BEFORE INSERT ON audit_log FOR EACH ROW
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit write failed'`);
    try {
      const { res } = await send('POST', '/policy/update', { maxPerDay: 6 });
      expect(res.status).toBe(500);
    } finally {
      await api.db.query('DROP TRIGGER trg_test_audit_fails');
    }
    expect(await policy()).toBe(5);
    expect(await count()).toBe(before);

    // The rule's transaction fails on its duplicate name: no rule, no row.
    await api.post('/wechatpush/create', ruleBody({ name: 'dup-audit' }), adminKey).expect(200);
    const afterCreate = await count();
    const dup = await send('POST', '/wechatpush/create', ruleBody({ name: 'dup-audit' }));
    expect(dup.res.status).toBe(409);
    expect(await rowsOf(dup.requestId)).toEqual([]);
    expect(await count()).toBe(afterCreate);
  });

  it('/audit/list filters by user, action prefix, target and time, pages newest first, and names a bad field', async () => {
    const admin = await createAccount(api.app, 'admin');
    const session = await signIn(server, admin.username);
    for (const maxPerDay of [7, 8]) {
      expect((await send('POST', '/policy/update', { maxPerDay }, { session })).res.status).toBe(
        200,
      );
    }
    const list = async (filter: Record<string, unknown>) => {
      const res = await api.post('/audit/list', { page: 1, pagesize: 100, ...filter }, adminKey);
      return res;
    };
    const all = (await list({})).body.data;
    expect(all.total).toBe(await count());
    const ids = all.data.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const mine = (await list({ userId: admin.id })).body.data;
    expect(mine.data.map((e: { action: string }) => e.action)).toEqual([
      'POST /policy/update',
      'POST /policy/update',
      'POST /auth/login',
    ]);
    expect(mine.data[0]).toMatchObject({
      actorType: 'account',
      actorId: admin.id,
      actorName: admin.username,
      role: 'admin',
      targetType: 'contact_policy',
      targetId: '1',
      outcome: 'ok',
    });
    expect([mine.data[0].before.maxPerDay, mine.data[0].after.maxPerDay]).toEqual([7, 8]);

    const rules = (await list({ action: 'POST /wechatpush' })).body.data;
    expect(rules.total).toBeGreaterThan(5);
    expect(
      rules.data.every((e: { action: string }) => e.action.startsWith('POST /wechatpush')),
    ).toBe(true);
    const policy = (await list({ targetId: '1', action: 'POST /policy/update' })).body.data;
    expect(policy.data.every((e: { targetId: string }) => e.targetId === '1')).toBe(true);

    const newest = all.data[0].at as string;
    expect((await list({ startTime: newest, endTime: newest })).body.data.data[0].id).toBe(ids[0]);
    expect((await list({ startTime: '2999-01-01' })).body.data.total).toBe(0);
    expect((await list({ endTime: '2000-01-01' })).body.data.total).toBe(0);

    const page2 = (await api.post('/audit/list', { page: 2, pagesize: 2 }, adminKey)).body.data;
    expect(page2).toMatchObject({ page: 2, pagesize: 2, total: all.total });
    expect(page2.data.map((e: { id: number }) => e.id)).toEqual(ids.slice(2, 4));

    for (const [body, field] of [
      [{ page: 1, pagesize: 10, startTime: 'yesterday' }, 'startTime'],
      [{ page: 1, pagesize: 10, startTime: '2025-02-02', endTime: '2025-02-01' }, 'endTime'],
      [{ pagesize: 10 }, 'page'],
      [{ page: 1, pagesize: 10, userId: 'alice' }, 'userId'],
    ] as const) {
      const res = await api.post('/audit/list', body, adminKey);
      expect([res.status, res.body.error.code, res.body.error.details[0].field]).toEqual([
        400,
        'VALIDATION_FAILED',
        field,
      ]);
    }
  });
});
