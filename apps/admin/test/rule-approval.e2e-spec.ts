import { Browser, Page } from 'playwright-core';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { createAccount, TEST_PASSWORD } from '../../../test/utils/accounts';
import { pollUntil } from '../../../test/utils/process';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_1_TOKEN, OPERATOR_2_TOKEN } from '../../../test/test-env';
import { seedBuyers } from '../../../test/utils/pipeline';
import { join } from 'node:path';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * Four eyes in the console (issue 23) with RULE_APPROVAL=required: an editor's change of a
 * rule's content waits (待审批 on the list and the form) and appears in the 待审批 inbox with
 * its diff, where the editor cannot decide; an approver approves it there, and the rule shows
 * the new version in effect and in its 版本记录; an admin's 操作日志 shows the edit and the
 * approval.
 */
describe('console approval inbox', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  const RULE = '审批流程测试规则';
  let ruleId: number;

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApiWith({ RULE_APPROVAL: 'required', APPROVAL_CONFIRM_ABOVE: '2' });
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(
      api.db,
      'accounts',
      'api_keys',
      'wechat_push_time',
      'wechat_push',
      'audit_log',
      'wechat_push_trigger_confirmations',
    );
    await createAccount(api.app, 'editor', 'eddie');
    await createAccount(api.app, 'approver', 'anna');
    await createAccount(api.app, 'admin', 'alma');
    const body = plainRuleBody({
      name: RULE,
      content: '旧文案',
      startDate: '2025-01-01',
      endDate: '2030-12-31',
    });
    expect((await api.post('/wechatpush/create', body)).status).toBe(200);
    ruleId = Number(
      (await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [RULE]))[0].id,
    );
    const approved = await api.post(
      '/wechatpush/approve',
      { id: ruleId, version: 1 },
      OPERATOR_2_TOKEN,
    );
    expect(approved.status).toBe(200);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  const signIn = async (username: string): Promise<Page> => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.getByRole('tab', { name: '账号密码' }).click();
    await page.getByPlaceholder('请输入用户名').fill(username);
    await page.getByPlaceholder('请输入密码').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '登 录' }).click();
    await page.waitForURL('**/admin/rules');
    return page;
  };
  const item = (page: Page, label: string) =>
    page.locator('.ant-form-item').filter({
      has: page.locator('.ant-form-item-label label').getByText(label, { exact: true }),
    });
  const live = async () =>
    (
      await api.db.query('SELECT content, approved_version FROM wechat_push WHERE id = ?', [ruleId])
    )[0];

  it("an editor's change waits in the inbox; an approver approves it; the rule shows the new version", async () => {
    // The editor changes the content.
    const editor = await signIn('eddie');
    const editorErrors = watchConsole(editor);
    await editor.goto(`${base}/admin/rules/${ruleId}/edit`);
    await item(editor, '文本内容').locator('textarea').fill('新文案：待审批');
    await editor.getByRole('button', { name: '保存修改' }).click();
    await editor.waitForURL('**/admin/rules?q=*');
    const row = editor.locator('.ant-table-row').filter({ hasText: RULE });
    await row.getByText('待审批').waitFor();
    expect(await live()).toEqual({ content: '旧文案', approved_version: 1 });

    // The form shows what is pending, and says the approved version still runs.
    await editor.goto(`${base}/admin/rules/${ruleId}/edit`);
    await editor.getByText('待审批：版本 2 等待审批').waitFor();
    expect(await item(editor, '文本内容').locator('textarea').inputValue()).toBe('新文案：待审批');

    // In the inbox the editor sees it but cannot decide.
    await editor.getByRole('menuitem', { name: '待审批' }).click();
    await editor.waitForURL('**/admin/approvals');
    const editorRow = editor.locator('.ant-table-row').filter({ hasText: RULE });
    await editorRow.waitFor();
    expect(await editorRow.getByRole('button', { name: /通\s?过/ }).count()).toBe(0);
    expect(editorErrors).toEqual([]);

    // The approver opens it, sees the diff and approves.
    const approver = await signIn('anna');
    const approverErrors = watchConsole(approver);
    await approver.goto(`${base}/admin/approvals`);
    const pending = approver.locator('.ant-table-row').filter({ hasText: RULE });
    await pending.waitFor();
    await pending.locator('.ant-table-row-expand-icon').click();
    const diff = approver.getByRole('table', { name: `「${RULE}」版本 2 的修改` });
    await diff.getByText('新文案：待审批').waitFor();
    await diff.getByText('旧文案').waitFor();
    await pending.getByRole('button', { name: `通过「${RULE}」版本 2` }).click();
    await approver.getByText(`「${RULE}」版本 2 已通过`).waitFor();
    await approver.getByText('没有待审批的版本').waitFor();
    await pollUntil(async () => (await live()).approved_version === 2);
    expect(await live()).toEqual({ content: '新文案：待审批', approved_version: 2 });

    // The rule: no banner any more, and its history shows version 2 approved by anna.
    await approver.goto(`${base}/admin/rules/${ruleId}/edit`);
    await approver.getByRole('button', { name: '版本记录' }).click();
    const v2 = approver.getByLabel('版本 2', { exact: true });
    await v2.getByText('已通过').waitFor();
    expect(await v2.innerText()).toMatch(/提交人：eddie[\s\S]*处理人：anna/);
    expect(await approver.getByText('待审批：版本').count()).toBe(0);
    expect(approverErrors).toEqual([]);

    // An admin's 操作日志 shows both: eddie's edit and anna's approval of this rule.
    const admin = await signIn('alma');
    const adminErrors = watchConsole(admin);
    await admin.getByRole('menuitem', { name: '操作日志' }).click();
    await admin.waitForURL('**/admin/audit');
    await admin.getByPlaceholder('如 POST /policy/update').fill('POST /wechatpush/');
    await admin.getByRole('button', { name: /查\s*询/ }).click();
    const edit = admin.locator('.ant-table-row').filter({ hasText: 'POST /wechatpush/edit' });
    // (version 1 was approved in the set-up, by an operator token: anna's row is the one.)
    const approval = admin
      .locator('.ant-table-row')
      .filter({ hasText: 'POST /wechatpush/approve' })
      .filter({ hasText: 'anna' });
    await edit.waitFor();
    await approval.waitFor();
    expect(await edit.innerText()).toMatch(new RegExp(`eddie[\\s\\S]*编辑[\\s\\S]*${ruleId}`));
    expect(await approval.innerText()).toMatch(new RegExp(`anna[\\s\\S]*审批[\\s\\S]*${ruleId}`));
    expect(adminErrors).toEqual([]);
  });

  it('lists a large trigger waiting for a second approver, who confirms it from the inbox', async () => {
    await seedBuyers(api.db, 3, { daysAgo: 35, prefix: 'big', firstId: 970_001 });
    const asked = await api.post('/wechatpush/trigger', { id: ruleId }, OPERATOR_1_TOKEN);
    expect(asked.body.error?.code).toBe('CONFIRMATION_REQUIRED');
    const requestId = Number(
      asked.body.error.details.find((d: { field: string }) => d.field === 'requestId').message,
    );

    const approver = await signIn('anna');
    const errors = watchConsole(approver);
    await approver.goto(`${base}/admin/approvals`);
    const request = approver
      .locator('.ant-table-row')
      .filter({ hasText: `${requestId}` })
      .filter({
        hasText: '立即执行',
      });
    await request.waitFor();
    await approver.screenshot({ path: join(screenshotDir(), 'approvals.png'), fullPage: true });
    expect(await request.innerText()).toMatch(new RegExp(`${RULE}[\\s\\S]*3`));
    await request.getByRole('button', { name: `确认请求 #${requestId}` }).click();
    await approver.getByText(new RegExp(`已确认请求 #${requestId}，执行 #\\d+ 已开始`)).waitFor();
    await approver.getByText('没有待确认的请求').waitFor();
    const [row] = await api.db.query(
      'SELECT confirmed_by, run_id FROM wechat_push_trigger_confirmations WHERE id = ?',
      [requestId],
    );
    expect(row.run_id).not.toBeNull();
    expect(row.confirmed_by).not.toBeNull();
    expect(errors).toEqual([]);
  });
});
