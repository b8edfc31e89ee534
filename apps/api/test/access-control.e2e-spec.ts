import { Controller, Post } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  ApiKeysService,
  RequireRole,
  Role,
  ROLES,
  roleIncludes,
  RouteAccessCheck,
  routeTable,
} from '@app/accounts';
import { PipelineQueues } from '@app/pipeline';
import { CallbackQueueName, CallbackQueues } from '@app/wecom-callbacks';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { tableSnapshot, truncate } from '../../../test/utils/db';
import { createAccount, createApiKey, signIn, SignedIn } from '../../../test/utils/accounts';
import { ruleBody } from '../../../test/utils/rule-factory';
import { deleteRedisKeys } from '../../admin/test/utils/browser';
import { DocumentedRoute, documentedRoutes } from '../../../test/utils/security-doc';

type Row = Pick<DocumentedRoute, 'method' | 'path' | 'access'>;

/** The route × role table of docs/SECURITY.md; each row's per-role columns must follow from its least role. */
function documentedRows(): Row[] {
  return documentedRoutes().map((r) => {
    expect({ row: `${r.method} ${r.path}`, answers: r.answers }).toEqual({
      row: `${r.method} ${r.path}`,
      answers: r.expectedAnswers,
    });
    return { method: r.method, path: r.path, access: r.access };
  });
}

/** Pages Express serves outside Nest's router, and the request that exercises each. */
const EXPRESS_PAGES: Record<string, string> = {
  'GET /docs': '/docs-json',
  'GET /queues': '/queues/api/queues',
};

const ts = () => Date.now().toString(36);

describe('access control: every route × every role (docs/SECURITY.md "Route × role")', () => {
  let api: ApiHarness;
  let http: ReturnType<typeof request>;
  const keys = {} as Record<Role, string>;
  const sessions = {} as Record<Role, SignedIn>;
  const accountIds = {} as Record<Role, number>;
  let ruleId: number;
  let someKeyId: number;
  let rows: Row[];

  beforeAll(async () => {
    api = await startApi();
    http = request(api.app.getHttpServer());
    await truncate(api.db, 'accounts', 'api_keys', 'wechat_push_time', 'wechat_push');
    for (const role of ROLES) {
      keys[role] = await createApiKey(api.app, role);
      const account = await createAccount(api.app, role);
      accountIds[role] = account.id;
      sessions[role] = await signIn(api.app.getHttpServer(), account.username);
    }
    someKeyId = (await api.app.get(ApiKeysService).list())[0].id;
    expect((await api.post('/wechatpush/create', ruleBody({ name: `acl ${ts()}` }))).status).toBe(
      200,
    );
    ruleId = (await api.post('/wechatpush/lists', {})).body.data.data[0].id;
    rows = documentedRows();
  });
  afterAll(async () => {
    await api.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  /** A valid body per write route: refused, it must still change nothing. */
  const writeBody = (path: string): unknown =>
    ({
      '/wechatpush/create': ruleBody({ name: `forbidden ${ts()}` }),
      '/wechatpush/edit': { ...ruleBody({ name: `forbidden edit ${ts()}` }), id: ruleId },
      '/wechatpush/editstatus': { id: ruleId, status: 1 },
      '/wechatpush/delete': { id: ruleId },
      '/wechatpush/trigger': { id: ruleId, force: true },
      '/wechatpush/approve': { id: ruleId, version: 1 },
      '/wechatpush/reject': { id: ruleId, version: 1, comment: 'forbidden' },
      '/wechatpush/confirm': { requestId: 1 },
      '/suppression/add': { externalUserIds: ['wm-forbidden'] },
      '/users/create': { username: `intruder${ts()}`, password: 'Xq7-long-enough!', role: 'admin' },
      '/users/update': { id: accountIds.viewer, role: 'admin' },
      '/users/disable': { id: accountIds.admin },
      '/apikeys/create': { name: 'intruder', role: 'admin' },
      '/apikeys/revoke': { id: someKeyId },
      '/wecom/contacts/sync': {},
      '/testgroup/update': { members: [{ externalUserId: 'wm-forbidden' }] },
      '/wechatpush/testsend': { id: ruleId },
    })[path] ?? {};

  type Credential = { label: string; set: (r: request.Test) => request.Test };
  const viaKey = (role: Role): Credential => ({
    label: `${role} API key`,
    set: (r) => r.set('Authorization', `Bearer ${keys[role]}`),
  });
  const viaSession = (role: Role): Credential => ({
    label: `${role} session`,
    set: (r) =>
      r.set('Cookie', sessions[role].cookie).set('X-CSRF-Token', sessions[role].csrfToken),
  });

  const send = (row: Row, credential: Credential | undefined, body: unknown) => {
    const path = EXPRESS_PAGES[`${row.method} ${row.path}`] ?? row.path;
    let req = row.method === 'GET' ? http.get(path) : http.post(path);
    if (credential) req = credential.set(req);
    if (row.method === 'GET') return req;
    return req.set('Content-Type', 'application/json').send(JSON.stringify(body));
  };

  /** Every table's checksum and every queue's job counts: equal, nothing changed. */
  const state = async () => ({
    tables: await tableSnapshot(api.db),
    queues: await Promise.all(
      [
        ...api.app.get(PipelineQueues).all(),
        ...Object.values(CallbackQueueName).map((n) => api.app.get(CallbackQueues).queue(n)),
      ].map(async (q) => [q.name, await q.getJobCounts()]),
    ),
  });

  it('has one row per route of the app, each declaring what the route declares', () => {
    const app = routeTable(api.app.get(ModulesContainer), api.app.get(Reflector));
    expect(app.length).toBeGreaterThanOrEqual(50);
    const declared = [
      ...app.map((r) => `${r.method} ${r.path} ${r.access}`),
      ...rows
        .filter((r) => EXPRESS_PAGES[`${r.method} ${r.path}`] !== undefined)
        .map((r) => `${r.method} ${r.path} ${r.access}`),
    ].sort();
    expect(rows.map((r) => `${r.method} ${r.path} ${r.access}`).sort()).toEqual(declared);
    expect(
      Object.keys(EXPRESS_PAGES).every((p) => rows.some((r) => `${r.method} ${r.path}` === p)),
    ).toBe(true);
  });

  it('refuses every role below a route its least role, with a key and with a session: 403 FORBIDDEN, nothing changed', async () => {
    const before = await state();
    let refused = 0;
    for (const row of rows) {
      if (row.access === 'public') continue;
      for (const role of ROLES.filter((r) => !roleIncludes(r, row.access as Role))) {
        for (const credential of [viaKey(role), viaSession(role)]) {
          const res = await send(row, credential, writeBody(row.path));
          expect({
            route: `${row.method} ${row.path}`,
            as: credential.label,
            status: res.status,
            code: res.body?.error?.code,
          }).toEqual({
            route: `${row.method} ${row.path}`,
            as: credential.label,
            status: 403,
            code: 'FORBIDDEN',
          });
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(100);
    expect(await state()).toEqual(before);
  });

  it('lets the least role and every role above through, with a key and with a session (never 401 or 403)', async () => {
    // Signing out ends the session the later rows use: it goes last.
    const ordered = [...rows].sort(
      (a, b) => Number(a.path === '/auth/logout') - Number(b.path === '/auth/logout'),
    );
    for (const row of ordered) {
      const roles =
        row.access === 'public'
          ? [undefined]
          : ROLES.filter((r) => roleIncludes(r, row.access as Role));
      for (const role of roles) {
        for (const credential of role ? [viaKey(role), viaSession(role)] : [undefined]) {
          const res = await send(row, credential, {});
          expect({
            route: `${row.method} ${row.path}`,
            as: credential?.label ?? 'anonymous',
            refused: [401, 403].includes(res.status),
          }).toEqual({
            route: `${row.method} ${row.path}`,
            as: credential?.label ?? 'anonymous',
            refused: false,
          });
        }
      }
    }
  });

  it('an app with a route that declares no role refuses to start, naming the route', async () => {
    @Controller('undeclared')
    @RequireRole('viewer')
    class Declared {
      @Post('fine')
      fine() {
        return true;
      }
    }
    @Controller('undeclared')
    class Undeclared {
      @Post('forgotten')
      forgotten() {
        return true;
      }
    }
    const boot = async (controller: new () => unknown) => {
      const moduleRef = await Test.createTestingModule({
        controllers: [controller],
        providers: [RouteAccessCheck],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      try {
        await app.init();
      } finally {
        await app.close().catch(() => undefined);
      }
    };
    await expect(boot(Declared)).resolves.toBeUndefined();
    await expect(boot(Undeclared)).rejects.toThrow(
      'routes without @Public() or @RequireRole(): POST /undeclared/forgotten',
    );
  });
});
