import { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { createAccount, TEST_PASSWORD } from '../../../test/utils/accounts';
import { pollUntil } from '../../../test/utils/process';
import { ruleBody } from '../../../test/utils/rule-factory';
import { buildAdmin, deleteRedisKeys, launchChromium, watchConsole } from './utils/browser';

/**
 * The team in the console (issue 23), in Chromium against the real api: an admin creates a
 * user and an API key (shown once, then only its prefix), the key works until revoked; a
 * viewer's console hides what the role cannot do and refuses the admin pages.
 */
describe('console: users, API keys and what each role sees', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let contexts: BrowserContext[] = [];
  const RULE = '角色可见性测试规则';

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, 'accounts', 'api_keys', 'wechat_push_time', 'wechat_push');
    await createAccount(api.app, 'admin', 'ada');
    expect((await api.post('/wechatpush/create', ruleBody({ name: RULE }))).status).toBe(200);
    browser = await launchChromium();
  }, 180_000);

  afterEach(async () => {
    for (const c of contexts) await c.close();
    contexts = [];
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  async function signIn(username: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    const errors = watchConsole(page);
    await page.goto(`${base}/admin/login`);
    await page.getByRole('tab', { name: '账号密码' }).click();
    await page.getByPlaceholder('请输入用户名').fill(username);
    await page.getByPlaceholder('请输入密码').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '登 录' }).click();
    await page.waitForURL('**/admin/rules');
    await page.locator('.ant-table-row').filter({ hasText: RULE }).waitFor();
    return { page, errors };
  }

  const bearer = (key: string) =>
    fetch(`${base}/auth/me`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });

  it('an admin creates a user and an API key that works until it is revoked', async () => {
    const { page, errors } = await signIn('ada');
    await page.getByTestId('admin-me').getByText('管理员').waitFor();

    await page.getByRole('menuitem', { name: '用户' }).click();
    await page.waitForURL('**/admin/users');
    await page.getByRole('button', { name: '新建用户' }).click();
    const dialog = page.getByRole('dialog', { name: '新建用户' });
    await dialog.getByLabel('登录名').fill('vera');
    await dialog.getByLabel('显示名').fill('薇拉');
    await dialog.getByLabel('初始密码').fill('short');
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    // The API's password policy answers on the field.
    await dialog.locator('.ant-form-item-explain-error').first().waitFor();
    await dialog.getByLabel('初始密码').fill(TEST_PASSWORD);
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    const row = page.locator('.ant-table-row').filter({ hasText: 'vera' });
    await row.getByText('只读').waitFor();
    const [vera] = await api.db.query(
      'SELECT display_name, role, disabled FROM accounts WHERE username = ?',
      ['vera'],
    );
    expect({ ...vera, disabled: Number(vera.disabled) }).toEqual({
      display_name: '薇拉',
      role: 'viewer',
      disabled: 0,
    });

    await page.getByRole('menuitem', { name: 'API 密钥' }).click();
    await page.waitForURL('**/admin/apikeys');
    await page.getByRole('button', { name: '新建密钥' }).click();
    const keyDialog = page.getByRole('dialog', { name: '新建 API 密钥' });
    await keyDialog.getByLabel('用途').fill('BI 导出');
    await keyDialog.getByRole('button', { name: /创\s*建/ }).click();
    const shown = page.getByTestId('created-api-key');
    await shown.waitFor();
    const key = (await shown.locator('code').innerText()).trim();
    expect(key.length).toBeGreaterThanOrEqual(32);
    await page.getByRole('button', { name: '我已保存' }).click();
    await page.getByRole('dialog', { name: '密钥已创建' }).waitFor({ state: 'detached' });
    const keyRow = page.locator('.ant-table-row').filter({ hasText: 'BI 导出' });
    await keyRow.getByText('有效').waitFor();
    // Only the prefix stays visible; the key itself is never shown again.
    expect(await page.locator('body').innerText()).not.toContain(key);
    expect((await bearer(key)).status).toBe(200);

    await keyRow.getByRole('button', { name: /吊\s*销/ }).click();
    await page
      .getByRole('tooltip')
      .getByRole('button', { name: /确\s*定|OK/ })
      .click();
    await keyRow.getByText('已吊销').waitFor();
    await pollUntil(async () => (await bearer(key)).status === 401);
    expect(errors).toEqual([]);
  });

  it("a viewer's console hides what the role cannot do and refuses the admin pages", async () => {
    await createAccount(api.app, 'viewer', 'vic');
    const { page, errors } = await signIn('vic');
    await page.getByTestId('admin-me').getByText('只读').waitFor();
    const menu = page.locator('.ant-menu');
    await menu.getByText('推送效果').waitFor();
    for (const hidden of ['新建推送', '用户', 'API 密钥'])
      expect(await menu.getByText(hidden, { exact: true }).count()).toBe(0);

    const row = page.locator('.ant-table-row').filter({ hasText: RULE });
    expect(await row.getByRole('link', { name: '查看' }).count()).toBe(1);
    expect(await row.getByRole('link', { name: '编辑' }).count()).toBe(0);
    expect(await row.getByRole('button', { name: /删\s*除/ }).count()).toBe(0);
    expect(await row.getByRole('switch').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: '新建推送' }).count()).toBe(0);

    // The rule opens read-only: no save, no audience preview.
    await row.getByRole('link', { name: '查看' }).click();
    await page.waitForURL('**/edit');
    await page.getByRole('button', { name: '返回列表' }).waitFor();
    expect(await page.getByRole('button', { name: '保存修改' }).count()).toBe(0);
    expect(await page.getByText('目标人群预估').count()).toBe(0);

    await page.goto(`${base}/admin/users`);
    await page.getByText('无权访问').waitFor();
    // The rule's picture lives on a host this machine cannot resolve (the message preview).
    expect(errors.filter((e) => !/ERR_NAME_NOT_RESOLVED/.test(e))).toEqual([]);
  });
});
