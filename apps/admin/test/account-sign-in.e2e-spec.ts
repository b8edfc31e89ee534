import { Browser, Page } from 'playwright-core';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { createAccount, TEST_PASSWORD } from '../../../test/utils/accounts';
import { pollUntil } from '../../../test/utils/process';
import { ruleBody } from '../../../test/utils/rule-factory';
import { buildAdmin, deleteRedisKeys, launchChromium, watchConsole } from './utils/browser';

/**
 * Signing in to the console with user name and password (issue 23) in Chromium against the
 * real api: the session is an HttpOnly cookie the page cannot read, writes carry its CSRF
 * token, a reload keeps the session, and 退出 ends it on the server.
 */
describe('console sign-in with user name and password', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  const RULE = '账号登录测试规则';

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, 'accounts', 'api_keys', 'wechat_push_time', 'wechat_push');
    await createAccount(api.app, 'approver', 'amy');
    expect((await api.post('/wechatpush/create', ruleBody({ name: RULE }))).status).toBe(200);
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'zh-CN' });
    page = await context.newPage();
    consoleErrors = watchConsole(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  it('signs in, writes with the CSRF token, survives a reload and signs out on the server', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.waitForURL('**/admin/login');
    await page.getByRole('tab', { name: '账号密码' }).click();
    await page.getByPlaceholder('请输入用户名').fill('amy');
    await page.getByPlaceholder('请输入密码').fill('not-the-password');
    await page.getByRole('button', { name: '登 录' }).click();
    await page.getByText('用户名或密码错误').waitFor();

    await page.getByPlaceholder('请输入密码').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '登 录' }).click();
    await page.waitForURL('**/admin/rules');
    const row = page.locator('.ant-table-row').filter({ hasText: RULE });
    await row.waitFor();
    // The session is the HttpOnly cookie: the page holds only its CSRF token.
    expect(await page.evaluate(() => document.cookie)).not.toContain('wpp_session');
    expect(await page.evaluate(() => sessionStorage.getItem('wpp.operatorToken'))).toBeNull();
    expect(await page.evaluate(() => sessionStorage.getItem('wpp.csrfToken'))).toMatch(/^\S{40,}$/);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'wpp_session', httpOnly: true, secure: true });
    expect(cookie.sameSite).toBe('Strict');

    // A write (pause, an approver's right) goes through with the CSRF header.
    await row.getByRole('switch').click();
    await row.getByText('已暂停').waitFor();
    await pollUntil(async () => {
      const [r] = await api.db.query('SELECT status FROM wechat_push WHERE name = ?', [RULE]);
      return Number(r.status) === 1;
    });

    await page.reload();
    await page.locator('.ant-table-row').filter({ hasText: RULE }).waitFor();
    expect(page.url()).toBe(`${base}/admin/rules`);

    await page.getByRole('button', { name: '退出' }).click();
    await page.waitForURL('**/admin/login');
    // The session ended on the server, not only in the tab.
    await pollUntil(async () => {
      const res = await fetch(`${base}/auth/me`, {
        method: 'POST',
        headers: { Cookie: `wpp_session=${cookie.value}` },
      });
      return res.status === 401;
    });
    // The wrong password's 401 is the only console error the sign-in may cause.
    expect(consoleErrors.filter((e) => !/401/.test(e))).toEqual([]);
  });
});
