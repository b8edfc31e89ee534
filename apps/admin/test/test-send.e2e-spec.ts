import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES } from '../../../test/utils/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * Test sends in the console (issue 23), in a real browser against the real api, MariaDB and
 * Redis: an admin fills the 测试组 page (a duplicate refused on its field), then 测试发送 on the
 * rule list asks with the member count and lands on the rule's runs, the test run marked.
 */
describe('test group and test send in the console', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  let ruleId: number;

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, ...PIPELINE_TABLES, 'test_group_members');
    const created = await api.post(
      '/wechatpush/create',
      plainRuleBody({ name: '测试发送（E2E）', startDate: '2025-01-01', endDate: '2030-12-31' }),
    );
    expect(created.body).toEqual({ success: true, data: true });
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [
      '测试发送（E2E）',
    ]);
    ruleId = Number(row.id);

    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
    });
    await context.addInitScript(
      (token) => sessionStorage.setItem('wpp.operatorToken', token),
      OPERATOR_1_TOKEN,
    );
    page = await context.newPage();
    consoleErrors = watchConsole(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    // The test send queued a slot job no worker ran here.
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  it('an admin fills the test group, an operator test-sends a rule and sees the marked run', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.getByRole('menuitem', { name: '测试组' }).click();
    await page.waitForURL('**/admin/testgroup');
    await page.getByText('0 / 50 人').waitFor();

    const addMember = async (id: string, name: string, n: number) => {
      await page.getByRole('button', { name: /添加成员/ }).click();
      await page.getByLabel(`成员 ${n} 的 external_userid`).fill(id);
      await page.getByLabel(`成员 ${n} 的备注名`).fill(name);
    };
    await addMember('wm-phone-alice', '小王的手机', 1);
    await addMember('WM-PHONE-ALICE', '重复', 2);
    await page.getByRole('button', { name: /保存测试组/ }).click();
    // The API names the duplicate; the page shows it on that member's field.
    await page.getByText('duplicate of members[0] (WM-PHONE-ALICE)').waitFor();
    expect(await api.db.query('SELECT * FROM test_group_members')).toEqual([]);

    await page.getByLabel('成员 2 的 external_userid').fill('wm-phone-bob');
    await page.getByLabel('成员 2 的备注名').fill('小李的手机');
    await page.getByRole('button', { name: /保存测试组/ }).click();
    await page.getByText('测试组已保存').waitFor();
    await page.getByText('2 / 50 人').waitFor();
    const stored: { external_userid: string; name: string }[] = await api.db.query(
      'SELECT external_userid, name FROM test_group_members ORDER BY external_userid',
    );
    expect(stored).toEqual([
      { external_userid: 'wm-phone-alice', name: '小王的手机' },
      { external_userid: 'wm-phone-bob', name: '小李的手机' },
    ]);
    await page.screenshot({ path: join(screenshotDir(), 'test-group.png'), fullPage: true });

    await page.getByRole('menuitem', { name: '推送列表' }).click();
    await page.waitForURL('**/admin/rules');
    await page
      .getByRole('row', { name: /测试发送（E2E）/ })
      .getByRole('button', { name: /测试发送/ })
      .click();
    const confirm = page.locator('.ant-modal-confirm');
    await confirm.getByText('测试组的 2 位成员').waitFor();
    await confirm.getByRole('button', { name: /发\s*送/ }).click();
    await page.waitForURL(`**/admin/rules/${ruleId}/runs`);
    await page.getByRole('cell', { name: '测试发送', exact: true }).waitFor();
    const runs: { kind: string; triggered_by: number }[] = await api.db.query(
      'SELECT kind, triggered_by FROM wechat_push_runs WHERE push_id = ?',
      [ruleId],
    );
    expect(runs).toEqual([{ kind: 'test', triggered_by: expect.anything() }]);
    expect(consoleErrors).toEqual([]);
  });
});
