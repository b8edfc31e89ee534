import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AccountsService, ApiKeysService, Role } from '@app/accounts';

/** A password the policy accepts (12+ characters, varied, without the user name). */
export const TEST_PASSWORD = 'Correct-Horse-42-battery';

/** Creates an account with TEST_PASSWORD through the service (no route, no role needed). */
export async function createAccount(
  app: INestApplication,
  role: Role,
  username = `${role}-${Math.random().toString(36).slice(2, 8)}`,
) {
  return app.get(AccountsService).create({ username, password: TEST_PASSWORD, role }, null);
}

/** Creates an API key of `role` as operator 1 and returns the key itself. */
export async function createApiKey(app: INestApplication, role: Role): Promise<string> {
  return (await app.get(ApiKeysService).create({ name: `test ${role}`, role }, 1)).key;
}

export interface SignedIn {
  /** `wpp_session=…`, for a Cookie header. */
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

/** Signs in through /auth/login and returns the cookie and CSRF token it handed out. */
export async function signIn(
  server: Parameters<typeof request>[0],
  username: string,
  password = TEST_PASSWORD,
): Promise<SignedIn> {
  const res = await request(server)
    .post('/auth/login')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ username, password }));
  if (res.status !== 200) throw new Error(`sign-in of ${username}: ${res.status} ${res.text}`);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
  return {
    cookie: setCookie.split(';')[0],
    csrfToken: res.body.data.csrfToken as string,
    setCookie,
  };
}
