import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { formatClockTime, formatDateTime } from '@app/common';
import { DEFAULT_CONTACT_POLICY, noExclusions } from '@app/contracts';
import { ApiHarness, startApi, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES, setPolicy } from '../../../test/utils/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import { insertFixture } from '../../../libs/audience/test/audience-fixtures';
import { pollUntil } from '../../../test/utils/process';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * The contact policy in the console (issue 16), in a real browser against the real api,
 * MariaDB and Redis: the 触达策略 page, a slot inside the quiet hours on the rule form, the
 * 勿扰名单 page (add, search, remove, CSV import), the preview's exclusion breakdown, and the
 * runs page (breakdown, 强制, the confirm on 409 QUIET_HOURS); the experiment controls (issue 17):
 * a rule's holdout and 也发给全局对照组, the policy's global control share. One operator
 * session, in order.
 */
const DAY = 86_400_000;
const daysAgo = (n: number) => formatDateTime(new Date(Date.now() - n * DAY));
const CONTACT_TABLES = [
  'contact_ledger',
  'contact_batches',
  'contact_state',
  'contact_suppressions',
  'contact_unreachable',
  'contact_policy_changes',
];

describe('contact policy in the console', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  let ruleId: number;
  const shots = screenshotDir();
  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  const post = async <T>(path: string, body: unknown = {}): Promise<T> => {
    const res = await api.post(path, body);
    expect(res.body).toMatchObject({ success: true });
    return res.body.data as T;
  };
  const item = (label: string, scope: Page | Locator = page): Locator =>
    scope.locator('.ant-form-item').filter({
      has: page.locator('.ant-form-item-label label').getByText(label, { exact: true }),
    });
  const errorOf = (label: string) => item(label).locator('.ant-form-item-explain-error');
  const fillPicker = async (picker: Locator, value: string) => {
    await picker.click();
    await picker.fill(value);
    await picker.press('Enter');
    await page.keyboard.press('Escape');
  };
  /** Records the API paths the page POSTs from now on. */
  const watchPosts = () => {
    const sent: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && sent.push(new URL(r.url()).pathname));
    return sent;
  };

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, ...new Set([...PIPELINE_TABLES, ...CONTACT_TABLES]));
    await post('/policy/update', DEFAULT_CONTACT_POLICY);
    // Customers 1-3 bought 35 days ago: the audience of a 30–45-day rule.
    await insertFixture(api.db, {
      customers: [1, 2, 3].map((id) => ({ id, ext: `wm-cp-${id}` })),
      orders: [1, 2, 3].map((id) => ({ id, userIds: String(id), at: daysAgo(35) })),
    });
    const created = await api.post(
      '/wechatpush/create',
      plainRuleBody({
        name: '触达策略预估（E2E）',
        startDate: '2025-01-01',
        endDate: '2030-12-31',
        weekDayPushTime: [{ week: 1, time: '10:00' }],
      }),
    );
    expect(created.body).toEqual({ success: true, data: true });
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [
      '触达策略预估（E2E）',
    ]);
    ruleId = Number(row.id);

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await context.addInitScript(
      (token) => sessionStorage.setItem('wpp.operatorToken', token),
      OPERATOR_1_TOKEN,
    );
    page = await context.newPage();
    consoleErrors = watchConsole(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    // Later suites of this Jest worker (same database) expect the default policy: the quiet
    // hours set here would refuse their manual triggers.
    if (api) await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
    await api?.close();
    // The manual trigger queued a job no worker ran here.
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  afterEach(() => {
    const errors = consoleErrors.splice(0);
    expect(errors).toEqual([]);
  });

  it('edits the policy: checks before sending, saves, and shows it again after a reload', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.getByRole('menuitem', { name: '触达策略' }).click();
    await page.waitForURL('**/admin/policy');
    await item('每天最多（次）').locator('input').waitFor();
    expect(await item('每天最多（次）').locator('input').inputValue()).toBe('1');
    expect(await item('上限（条）').innerText()).toMatch(
      /留空即企业微信默认：每月 \d\d 条（当月天数）/,
    );
    const sent = watchPosts();

    await item('每天最多（次）').locator('input').fill('2');
    await item('7 天内最多（次）').locator('input').fill('400');
    await item('最小间隔（小时）').locator('input').fill('24');
    await item('接收上限周期').locator('.ant-select-selector').click();
    await page.locator('.ant-select-dropdown:visible').getByText('每周', { exact: true }).click();
    await item('接收上限周期').locator('.ant-select-selection-item').getByText('每周').waitFor();
    await item('上限（条）').getByText('留空即企业微信默认：每周 7 条').waitFor();
    await item('免打扰时段').getByRole('switch').click();
    await fillPicker(item('开始').getByPlaceholder('开始时间'), '21:00');
    await fillPicker(item('结束').getByPlaceholder('结束时间'), '09:00');
    await fillPicker(page.getByPlaceholder('选择禁发日期'), '2027-02-06');
    await page.getByRole('button', { name: '添加日期' }).click();
    await fillPicker(page.getByPlaceholder('选择禁发日期'), '2027-02-05');
    await page.getByRole('button', { name: '添加日期' }).click();
    await page.getByTestId('blackout-dates').getByText('2027-02-05').waitFor();

    await page.getByRole('button', { name: '保存策略' }).click();
    await errorOf('7 天内最多（次）').getByText('须在 1 到 350 之间').waitFor();
    expect(sent).not.toContain('/policy/update');
    // Fixing the field clears its error at once.
    await item('7 天内最多（次）').locator('input').fill('4');
    await errorOf('7 天内最多（次）').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: '保存策略' }).click();
    await page.getByText('触达策略已保存').waitFor();
    const stored = await post<Record<string, unknown>>('/policy/get');
    expect(stored).toMatchObject({
      maxPerDay: 2,
      maxPerWeek: 4,
      minGapHours: 24,
      wecomCap: { period: 'week', limit: null },
      quietHours: { start: '21:00', end: '09:00' },
      blackoutDates: ['2027-02-05', '2027-02-06'],
      updatedBy: 1,
      canEdit: true,
    });

    await page.reload();
    await item('每天最多（次）').locator('input').waitFor();
    await pollUntil(
      async () => (await item('每天最多（次）').locator('input').inputValue()) === '2',
      10_000,
      100,
    );
    expect(await item('7 天内最多（次）').locator('input').inputValue()).toBe('4');
    expect(await item('最小间隔（小时）').locator('input').inputValue()).toBe('24');
    expect(await item('接收上限周期').locator('.ant-select-selection-item').innerText()).toBe(
      '每周',
    );
    expect(await item('免打扰时段').getByRole('switch').isChecked()).toBe(true);
    expect(await item('开始').getByPlaceholder('开始时间').inputValue()).toBe('21:00');
    expect(await item('结束').getByPlaceholder('结束时间').inputValue()).toBe('09:00');
    expect(await page.getByTestId('blackout-dates').innerText()).toMatch(
      /2027-02-05[\s\S]*2027-02-06/,
    );
    expect(await page.getByTestId('policy-updated').innerText()).toContain(
      `最后修改：操作员 #1，${stored.updatedAt as string}`,
    );
    await shot('policy');
  });

  it('shows the policy read-only, and the service-notice switch disabled, to an operator who may not change it', async () => {
    // The same database, served by an api where only operator 2 may change the policy.
    const readOnly = await startApiWith({ POLICY_OPERATOR_IDS: '2' });
    try {
      await readOnly.app.listen(0, '127.0.0.1');
      const port = (readOnly.app.getHttpServer().address() as { port: number }).port;
      const other = `http://127.0.0.1:${port}`;
      await page.goto(`${other}/admin/policy`);
      await page.getByText('只读：你没有修改触达策略的权限').waitFor();
      await pollUntil(
        async () => (await item('每天最多（次）').locator('input').inputValue()) === '2',
        10_000,
        100,
      );
      expect(await item('每天最多（次）').locator('input').isDisabled()).toBe(true);
      expect(await item('免打扰时段').getByRole('switch').isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: '保存策略' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: '添加日期' }).count()).toBe(0);

      await page.goto(`${other}/admin/rules/new`);
      const exempt = item('服务通知（不受频次上限）');
      await exempt.waitFor();
      await pollUntil(async () => exempt.getByRole('switch').isDisabled(), 10_000, 100);
      await exempt.locator('.ant-form-item-tooltip').hover();
      await page.getByRole('tooltip').getByText('仅可修改触达策略的操作员可设置服务通知').waitFor();
    } finally {
      await readOnly.close();
    }
  });

  it('flags a slot inside the quiet hours on the rule form and saves the rule policy fields', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.getByRole('menuitem', { name: '新建推送' }).click();
    await page.waitForURL('**/admin/rules/new');
    expect(await item('冷却天数').locator('input').inputValue()).toBe('7');
    expect(await item('优先级').locator('input').inputValue()).toBe('5');
    expect(await item('优先级').innerText()).toContain('1 最先');
    // The policy has loaded once its quiet hours show (the switch is disabled until then).
    await item('每周推送时间').getByText('免打扰时段 21:00–09:00').waitFor();
    expect(await item('服务通知（不受频次上限）').getByRole('switch').isDisabled()).toBe(false);
    const sent = watchPosts();

    const name = '免打扰检查（E2E）';
    await item('推送名称').locator('input').fill(name);
    const range = item('有效期').locator('input');
    await range.nth(0).click();
    await range.nth(0).fill('2025-01-01');
    await range.nth(0).press('Enter');
    await range.nth(1).fill('2030-12-31');
    await range.nth(1).press('Enter');
    await item('文本内容').locator('textarea').fill('喵～');
    // 周一 is ticked by default; add 22:30 on it.
    await fillPicker(page.getByPlaceholder('选择时间'), '22:30');
    await page.getByRole('button', { name: '添加推送时间' }).click();
    await page.getByTestId('slots-week-1').getByText('22:30').waitFor();
    await page.getByRole('button', { name: '创建推送' }).click();
    await errorOf('每周推送时间')
      .getByText('周一 22:30 处于免打扰时段（21:00–09:00），请调整推送时间或触达策略')
      .waitFor();
    expect(sent).not.toContain('/wechatpush/create');

    // 10:00 first, then 22:30 away: the list is never empty (which has its own error), and
    // the wait is for no error at all (one may be fading out while another fades in).
    await fillPicker(page.getByPlaceholder('选择时间'), '10:00');
    await page.getByRole('button', { name: '添加推送时间' }).click();
    await page.getByTestId('slots-week-1').getByText('10:00').waitFor();
    await page.getByRole('img', { name: '删除 周一 22:30' }).click();
    await errorOf('每周推送时间').first().waitFor({ state: 'detached' });
    await item('冷却天数').locator('input').fill('14');
    await item('优先级').locator('input').fill('2');
    await item('服务通知（不受频次上限）').getByRole('switch').click();
    await page.getByRole('button', { name: '创建推送' }).click();
    await page.waitForURL('**/admin/rules?q=*');
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    const info = await post<Record<string, unknown>>('/wechatpush/info', { id: Number(row.id) });
    expect(info).toMatchObject({
      weekDayPushTime: [{ week: 1, time: '10:00' }],
      cooldownDays: 14,
      priority: 2,
      capExempt: true,
    });
  });

  it('sets a holdout on the rule form: refuses an emptied or too large share on the control, stores it, and offers 也发给全局对照组 only to a service notice', async () => {
    await page.goto(`${base}/admin/rules/new`);
    await item('每周推送时间').getByText('免打扰时段 21:00–09:00').waitFor();
    const holdout = item('对照组比例 (%)');
    expect(await holdout.locator('input').inputValue()).toBe('0.00');
    expect(await holdout.innerText()).toContain('他们同样经过人群筛选和触达策略，但不会收到消息');
    // Only a service notice may reach the global control group: hidden until 服务通知 is on.
    expect(await item('也发给全局对照组').count()).toBe(0);
    const sent = watchPosts();

    const name = '实验对照组（E2E）';
    await item('推送名称').locator('input').fill(name);
    const range = item('有效期').locator('input');
    await range.nth(0).click();
    await range.nth(0).fill('2025-01-01');
    await range.nth(0).press('Enter');
    await range.nth(1).fill('2030-12-31');
    await range.nth(1).press('Enter');
    await item('文本内容').locator('textarea').fill('喵～对照组');
    await fillPicker(page.getByPlaceholder('选择时间'), '10:00');
    await page.getByRole('button', { name: '添加推送时间' }).click();
    await page.getByTestId('slots-week-1').getByText('10:00').waitFor();

    // An emptied box is refused by the shared checks, on this control, and nothing is sent.
    await holdout.locator('input').fill('');
    await page.getByRole('button', { name: '创建推送' }).click();
    await holdout
      .locator('.ant-form-item-explain-error')
      .getByText('对照组比例必须是 0 到 50 之间、至多两位小数的百分比')
      .waitFor();
    expect(sent).not.toContain('/wechatpush/create');
    // Above 50 the control itself refuses the value: it falls back to the maximum.
    await holdout.locator('input').fill('60');
    await holdout.locator('input').press('Tab');
    expect(await holdout.locator('input').inputValue()).toBe('50.00');
    await holdout.locator('.ant-form-item-explain-error').waitFor({ state: 'detached' });
    await holdout.locator('input').fill('12.5');
    await holdout.locator('input').press('Tab');
    expect(await holdout.locator('input').inputValue()).toBe('12.50');

    // 预估人数 of the unsaved rule: the API cannot draw its holdout before it has an id.
    await page.getByRole('button', { name: '预估人数' }).click();
    await page.getByTestId('audience-exclusions').getByText('可触达 3 人').waitFor();
    expect(await page.getByTestId('audience-control').innerText()).toBe(
      '本推送对照组约 12.5%（不发送），保存后按客户确定抽取',
    );

    await item('服务通知（不受频次上限）').getByRole('switch').click();
    await item('也发给全局对照组').getByRole('switch').click();
    await page.getByRole('button', { name: '创建推送' }).click();
    await page.waitForURL('**/admin/rules?q=*');
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    const id = Number(row.id);
    expect(await post<Record<string, unknown>>('/wechatpush/info', { id })).toMatchObject({
      holdoutPercent: 12.5,
      capExempt: true,
      ignoreGlobalControl: true,
    });

    // Edit: the stored share shows again; no longer a service notice → the switch goes, and
    // the rule no longer reaches the global control group.
    await page.goto(`${base}/admin/rules/${id}/edit`);
    await pollUntil(
      async () => (await holdout.locator('input').inputValue()) === '12.50',
      10_000,
      100,
    );
    expect(await item('也发给全局对照组').getByRole('switch').isChecked()).toBe(true);
    await item('服务通知（不受频次上限）').getByRole('switch').click();
    await item('也发给全局对照组').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '保存修改' }).click();
    await page.waitForURL('**/admin/rules?q=*');
    expect(await post<Record<string, unknown>>('/wechatpush/info', { id })).toMatchObject({
      holdoutPercent: 12.5,
      capExempt: false,
      ignoreGlobalControl: false,
    });

    const now = formatDateTime(new Date());
    await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, audience_count,
         control_count, excluded, forced, started_at, finished_at, created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', ?, 8120, 1234, ?, 0, ?, ?, ?, ?)`,
      [id, daysAgo(2), name, JSON.stringify(noExclusions()), daysAgo(2), daysAgo(2), now, now],
    );
    await page.goto(`${base}/admin/rules/${id}/runs`);
    expect(await page.getByTestId('rule-holdout').innerText()).toBe('对照组 12.5%');
    const run = page.locator('.ant-table-row-level-0').filter({ hasText: '定时' });
    await run.waitFor();
    const headers = await page.locator('.ant-table-thead th').allInnerTexts();
    const cells = await run.locator('td').allInnerTexts();
    expect(cells[headers.indexOf('对照组')]).toBe('1,234');
    expect(cells[headers.indexOf('目标人数')]).toBe('8,120');
  });

  it('adds customers to the suppression list, finds one and removes it after confirming', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.getByRole('menuitem', { name: '勿扰名单' }).click();
    await page.waitForURL('**/admin/suppression');
    await page.getByText('名单为空').waitFor();
    await page.getByRole('button', { name: '加入名单' }).click();
    const dialog = page.getByRole('dialog', { name: '加入勿扰名单' });
    await item('external_userid', dialog).locator('textarea').fill('wm-cp-1\nwm-cp-x, wm-cp-y');
    await item('原因', dialog).locator('input').fill('客户电话要求不再推送');
    await dialog.getByText('客户投诉', { exact: true }).click();
    await dialog.getByRole('button', { name: '加 入' }).click();
    await page.getByText('已加入 3 人').waitFor();
    // The closing dialog hands the focus back to 加入名单 when its animation ends: an Enter
    // typed before that would open the dialog again. Wait for it, and search with the button.
    await dialog.waitFor({ state: 'hidden' });

    const rows = page.locator('.ant-card-body .ant-table-row');
    await pollUntil(async () => (await rows.count()) === 3, 30_000, 100);
    expect(await rows.first().innerText()).toMatch(
      /客户投诉[\s\S]*客户电话要求不再推送[\s\S]*操作员 #1/,
    );

    const search = page.getByPlaceholder('搜索 external_userid 或原因');
    await search.fill('wm-cp-x');
    const searched = page.waitForResponse((r) => r.url().endsWith('/suppression/list'));
    await page.locator('.ant-input-search-button').click();
    await searched;
    await pollUntil(async () => (await rows.count()) === 1, 30_000, 100);
    expect(await rows.first().innerText()).toContain('wm-cp-x');

    await rows.first().getByRole('checkbox').check();
    await page.getByRole('button', { name: /移出所选（1）/ }).click();
    await page.getByRole('tooltip').getByText('将所选 1 位客户移出勿扰名单？').waitFor();
    await page.getByRole('tooltip').getByRole('button', { name: '移 出' }).click();
    await page.getByText('已移出 1 人').waitFor();
    await page.getByText('名单为空').waitFor();

    const list = await post<{ data: { externalUserId: string; source: string }[] }>(
      '/suppression/list',
      { page: 1, pagesize: 10 },
    );
    expect(list.data.map((r) => [r.externalUserId, r.source]).sort()).toEqual([
      ['wm-cp-1', 'complaint'],
      ['wm-cp-y', 'complaint'],
    ]);
  });

  it('imports a CSV and shows the rows it refused', async () => {
    await page.goto(`${base}/admin/suppression`);
    await page.getByRole('button', { name: '导入 CSV' }).click();
    const dialog = page.getByRole('dialog', { name: '从 CSV 导入勿扰名单' });
    await dialog.getByLabel('导入原因').fill('活动退订');
    const tooLong = 'x'.repeat(200);
    const answered = page.waitForResponse((r) => r.url().endsWith('/suppression/import'));
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'optout.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`external_userid\nwm-imp-1\n${tooLong}\nwm-imp-2\nwm-cp-1\n`),
    });
    const response = await answered;
    expect([response.status(), await response.text()]).toEqual([200, expect.any(String)]);
    const report = dialog.getByTestId('import-report');
    await report.waitFor();
    expect(await report.locator('.ant-descriptions').innerText()).toMatch(
      /数据行\s*4[\s\S]*新加入\s*2[\s\S]*已在名单中\s*1/,
    );
    await report.getByText('1 行未导入').waitFor();
    const errorRows = report.locator('.ant-table-row');
    expect(await errorRows.count()).toBe(1);
    expect(await errorRows.first().innerText()).toMatch(/^3\s+x{20}[\s\S]*external_userid 过长$/);
    await shot('suppression-import');
    await dialog.getByRole('button', { name: '关 闭' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The list's rows, not the (hidden) report's.
    const rows = page.locator('.ant-card-body .ant-table-row');
    await pollUntil(async () => (await rows.count()) === 4, 30_000, 100);
    const imported = rows.filter({ hasText: 'wm-imp-1' });
    expect(await imported.innerText()).toMatch(/导入[\s\S]*活动退订/);
    await shot('suppression');
    await page.getByRole('combobox', { name: '来源' }).click();
    await page.locator('.ant-select-dropdown:visible').getByText('导入', { exact: true }).click();
    await pollUntil(async () => (await rows.count()) === 2, 30_000, 100);
  });

  it('shows the policy exclusions in 预估人数 for an audience with a suppressed customer', async () => {
    await page.goto(`${base}/admin/rules/${ruleId}/edit`);
    await item('推送名称').locator('input').waitFor();
    await pollUntil(
      async () => (await item('推送名称').locator('input').inputValue()) !== '',
      10_000,
      100,
    );
    await page.getByRole('button', { name: '预估人数' }).click();
    const breakdown = page.getByTestId('audience-exclusions');
    await breakdown.waitFor();
    // wm-cp-1 (on the list since the suppression test) is kept out; wm-cp-2 and 3 are reached.
    expect(await breakdown.innerText()).toBe('可触达 2 人 — 排除 1 人：勿扰 1');
    expect(await page.getByTestId('audience-sample').innerText()).not.toContain('wm-cp-1');
  });

  it('shows each run’s exclusions and 强制, and asks before triggering inside the quiet hours', async () => {
    const now = formatDateTime(new Date());
    const excluded = {
      unreachable: 0,
      suppressed: 3,
      cooldown: 96,
      gap: 0,
      dayCap: 1304,
      weekCap: 0,
      wecomCap: 0,
    };
    await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, audience_count,
         excluded, forced, started_at, finished_at, created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', '触达策略预估（E2E）', 8120, ?, 0, ?, ?, ?, ?)`,
      [ruleId, daysAgo(1), JSON.stringify(excluded), daysAgo(1), daysAgo(1), now, now],
    );
    // Quiet hours around now, so the manual trigger falls inside them.
    const clock = (ms: number) => formatClockTime(new Date(Date.now() + ms));
    await post('/policy/update', {
      quietHours: { start: clock(-3_600_000), end: clock(3_600_000) },
    });

    await page.goto(`${base}/admin/rules/${ruleId}/runs`);
    const runs = page.locator('.ant-table-row-level-0');
    const scheduled = runs.filter({ hasText: '定时' });
    await scheduled.waitFor();
    await scheduled.getByText('1,403').hover();
    const popover = page.locator('.ant-popover:visible');
    await popover.getByText('触达策略排除（每人只计一次）').waitFor();
    // The title can be on screen a moment before the list (CI read an empty list once).
    await popover.locator('li').first().waitFor();
    expect(await popover.locator('li').allInnerTexts()).toEqual([
      '勿扰：3 人',
      '冷却中：96 人',
      '当日上限：1,304 人',
    ]);

    await page.getByRole('button', { name: '立即执行' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: '立即执行' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: '免打扰时段' });
    await confirm.getByText('当前处于免打扰时段，现在发送会打扰客户。仍要发送？').waitFor();
    expect((await post<{ data: unknown[] }>('/wechatpush/runs', { id: ruleId })).data).toHaveLength(
      1,
    );
    await confirm.getByRole('button', { name: '仍要发送' }).click();
    const manual = runs.filter({ hasText: '手动执行' });
    await manual.waitFor();
    await manual.getByText('强制', { exact: true }).waitFor();
    const fromApi = await post<{ data: { kind: string; forced: boolean }[] }>('/wechatpush/runs', {
      id: ruleId,
    });
    expect(fromApi.data.map((r) => [r.kind, r.forced])).toEqual([
      ['manual', true],
      ['scheduled', false],
    ]);
  });

  it('saves the global control group share on the 触达策略 page and refuses an emptied one', async () => {
    await page.goto(`${base}/admin/policy`);
    const share = item('全局对照组比例 (%)');
    await pollUntil(
      async () => (await share.locator('input').inputValue()) === '0.00',
      10_000,
      100,
    );
    expect(await share.innerText()).toContain(
      '这部分客户不会收到任何规则的推送，用于衡量整体推送计划的增量；调大比例时原有对照客户保持不变',
    );
    const sent = watchPosts();

    await share.locator('input').fill('');
    await page.getByRole('button', { name: '保存策略' }).click();
    await share
      .locator('.ant-form-item-explain-error')
      .getByText('须在 0 到 10 之间，至多两位小数')
      .waitFor();
    expect(sent).not.toContain('/policy/update');
    // Above 10 the control falls back to the maximum.
    await share.locator('input').fill('25');
    await share.locator('input').press('Tab');
    expect(await share.locator('input').inputValue()).toBe('10.00');
    await share.locator('.ant-form-item-explain-error').waitFor({ state: 'detached' });
    await share.locator('input').fill('2.75');
    await page.getByRole('button', { name: '保存策略' }).click();
    await page.getByText('触达策略已保存').waitFor();
    expect(await post<Record<string, unknown>>('/policy/get')).toMatchObject({
      globalControlPercent: 2.75,
    });

    await page.reload();
    await pollUntil(
      async () => (await share.locator('input').inputValue()) === '2.75',
      10_000,
      100,
    );
    // The rule form names the program-wide group beside the holdout.
    await page.goto(`${base}/admin/rules/new`);
    await item('对照组比例 (%)')
      .getByText('另有全局对照组（2.75% 的客户，见触达策略页）不会收到任何推送。')
      .waitFor();
  });
});
