import { Browser, Page } from 'playwright-core';
import { DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { setPolicy } from '../../../test/utils/pipeline';
import { createAccount, TEST_PASSWORD } from '../../../test/utils/accounts';
import { buildAdmin, deleteRedisKeys, launchChromium, watchConsole } from './utils/browser';

/**
 * The 操作日志 page (issue 23) in Chromium against the real api: an admin signs in, changes the
 * contact policy, and finds both on the audit page with who, role and the before/after.
 */
describe('console audit log', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, 'accounts', 'api_keys', 'audit_log');
    await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
    await createAccount(api.app, 'admin', 'audrey');
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
    });
    page = await context.newPage();
    consoleErrors = watchConsole(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (api) await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  it('an admin changes the contact policy; the audit page shows the change with before/after', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.waitForURL('**/admin/login');
    await page.getByRole('tab', { name: '账号密码' }).click();
    await page.getByPlaceholder('请输入用户名').fill('audrey');
    await page.getByPlaceholder('请输入密码').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '登 录' }).click();
    await page.waitForURL('**/admin/rules');

    await page.getByRole('menuitem', { name: '触达策略' }).click();
    const maxPerDay = page
      .locator('.ant-form-item')
      .filter({ has: page.getByText('每天最多（次）', { exact: true }) })
      .locator('input');
    await maxPerDay.waitFor();
    expect(await maxPerDay.inputValue()).toBe(String(DEFAULT_CONTACT_POLICY.maxPerDay));
    await maxPerDay.fill('3');
    await page.getByRole('button', { name: '保存策略' }).click();
    await page.getByText('触达策略已保存').waitFor();

    await page.getByRole('menuitem', { name: '操作日志' }).click();
    await page.waitForURL('**/admin/audit');
    const change = page.locator('.ant-table-row').filter({ hasText: 'POST /policy/update' });
    await change.waitFor();
    expect(await change.innerText()).toMatch(
      /audrey[\s\S]*管理员[\s\S]*contact_policy #1[\s\S]*成功/,
    );
    const signIn = page.locator('.ant-table-row').filter({ hasText: 'POST /auth/login' });
    expect(await signIn.innerText()).toContain('audrey');

    await change.getByRole('button', { name: /展开/ }).click();
    const detail = page.getByTestId('audit-detail');
    await detail.waitFor();
    await detail.getByText('maxPerDay', { exact: true }).waitFor();
    expect(await detail.locator('pre').first().innerText()).toContain(
      `"maxPerDay": ${DEFAULT_CONTACT_POLICY.maxPerDay}`,
    );
    expect(await detail.locator('pre').nth(1).innerText()).toContain('"maxPerDay": 3');

    // Filtering by the action leaves only that change.
    await page.getByPlaceholder('如 POST /policy/update').fill('POST /policy');
    await page.getByRole('button', { name: /查\s*询/ }).click();
    await page.locator('.ant-table-row').filter({ hasText: 'POST /auth/login' }).waitFor({
      state: 'detached',
    });
    expect(await page.locator('.ant-table-row').count()).toBe(1);
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
