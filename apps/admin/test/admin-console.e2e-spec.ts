import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { formatDateTime } from '@app/common';
import { LabelType, writeDeliveryRows } from '@app/database';
import { DeliveryRepository } from '@app/pipeline';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES } from '../../../test/utils/pipeline';
import { insertFixture } from '../../../libs/audience/test/audience-fixtures';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  PICTURE_SVG,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * The operators' console in a real browser (Debian's chromium via playwright-core) against
 * the real api (built console served at /admin), MariaDB and Redis. One operator session
 * walks through the pages in order, as an operator would.
 */
const DAY = 86_400_000;
const daysAgo = (n: number) => formatDateTime(new Date(Date.now() - n * DAY));
const RULE_NAME = '猫砂复购召回（E2E）';
const IMG = 'https://img.example.com/cat.svg';
const PRIVATE_IMG = 'http://192.168.1.20/cat.svg';

describe('admin console in a browser', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  const shots = screenshotDir();
  const shot = (p: Page, name: string) => p.screenshot({ path: join(shots, `${name}.png`) });

  const post = async <T>(path: string, body: unknown = {}): Promise<T> => {
    const res = await api.post(path, body);
    expect(res.body).toMatchObject({ success: true });
    return res.body.data as T;
  };
  const ruleId = async (name: string) => {
    const list = await post<{ data: { id: number; name: string }[] }>('/wechatpush/lists', {
      searchText: name,
    });
    const hit = list.data.find((r) => r.name === name);
    if (!hit) throw new Error(`rule ${name} not found`);
    return hit.id;
  };

  /** The form item whose label is exactly `label`. */
  const item = (label: string, p: Page = page): Locator =>
    p.locator('.ant-form-item').filter({
      has: p.locator('.ant-form-item-label label').getByText(label, { exact: true }),
    });
  const errorOf = (label: string) => item(label).locator('.ant-form-item-explain-error');
  const pickOption = async (label: string, search: string, option: string) => {
    await item(label).locator('.ant-select-selector').click();
    await item(label).locator('input').fill(search);
    // Enter picks the active (first matching) option: a click could land on a neighbour
    // while the dropdown is still moving into place.
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option-active')
      .getByText(option, { exact: true })
      .waitFor();
    await item(label).locator('input').press('Enter');
    await item(label).locator('.ant-select-selection-item').getByText(option).waitFor();
    await page.keyboard.press('Escape');
  };
  const setRange = async (label: string, from: string, to: string, p: Page = page) => {
    const inputs = item(label, p).locator('input');
    await inputs.nth(0).click();
    await inputs.nth(0).fill(from);
    await inputs.nth(0).press('Enter');
    await inputs.nth(1).fill(to);
    await inputs.nth(1).press('Enter');
  };
  const addSlot = async (weeks: string[], time: string) => {
    for (const day of ['周一', '周二', '周三', '周四', '周五', '周六', '周日']) {
      const want = weeks.includes(day);
      const box = page.getByRole('checkbox', { name: day, exact: true });
      if ((await box.isChecked()) !== want) {
        await page.locator('label.ant-checkbox-wrapper').filter({ hasText: day }).click();
      }
      await page.getByRole('checkbox', { name: day, exact: true, checked: want }).waitFor();
    }
    const picker = page.getByPlaceholder('选择时间');
    await picker.click();
    await picker.fill(time);
    await picker.press('Enter');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: '添加推送时间' }).click();
  };
  const noHorizontalOverflow = (p: Page) =>
    p.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, ...PIPELINE_TABLES);
    // Customers 1-3 bought 35 days ago in 上海, 4-5 in 北京, 6 bought again 3 days ago.
    await insertFixture(api.db, {
      labels: [
        { id: 1, type: LabelType.CITY, bindId: '310000', name: '上海' },
        { id: 2, type: LabelType.CITY, bindId: '110000', name: '北京' },
        { id: 3, type: LabelType.WAREHOUSE, bindId: '1001', name: '华东仓' },
        { id: 4, type: LabelType.WAREHOUSE, bindId: '1002', name: '华北仓' },
        { id: 5, type: LabelType.CATEGORY, bindId: '2001', name: '猫砂' },
        { id: 6, type: LabelType.CATEGORY, bindId: '2002', name: '猫粮' },
        { id: 7, type: LabelType.BRAND, bindId: 'B01', name: '皇家' },
        { id: 8, type: LabelType.BRAND, bindId: 'B02', name: '蓝氏' },
      ],
      customers: [1, 2, 3, 4, 5, 6].map((id) => ({ id, ext: `wm-e2e-${id}` })),
      orders: [
        ...[1, 2, 3, 4, 5, 6].map((id) => ({ id, userIds: String(id), at: daysAgo(35) })),
        { id: 7, userIds: '6', at: daysAgo(3) },
      ],
      links: [
        [1, 1, 1],
        [2, 1, 2],
        [3, 1, 3],
        [4, 2, 4],
        [5, 2, 5],
        [6, 1, 6],
      ],
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    // Pictures of the test rules, served by the test (the API never fetches them here).
    await context.route(/^(https:\/\/img\.example\.com|http:\/\/192\.168\.1\.20)\//, (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PICTURE_SVG }),
    );
    page = await context.newPage();
    consoleErrors = watchConsole(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    // Trigger and resend queued jobs no worker ran here; a later suite of this Jest worker
    // (same Redis prefix) must not find them.
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  afterEach(() => {
    const errors = consoleErrors.splice(0);
    expect(errors).toEqual([]);
  });

  it('serves the console at /admin and index.html for its client-side routes, without a token', async () => {
    const res = await fetch(`${base}/admin/rules/12/edit`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root"></div>');
    const api401 = await fetch(`${base}/wechatpush/lists`, { method: 'POST' });
    expect(api401.status).toBe(401);
  });

  it('asks for the operator token, refuses a wrong one, and keeps a good one for the session', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.waitForURL('**/admin/login');
    await shot(page, 'login');
    await page.getByPlaceholder('请输入运营令牌').fill('not-a-token');
    await page.getByRole('button', { name: '登 录' }).click();
    await expect(page.getByText('令牌无效，请检查后重试').waitFor()).resolves.toBeUndefined();
    await page.getByPlaceholder('请输入运营令牌').fill(OPERATOR_1_TOKEN);
    await page.getByRole('button', { name: '登 录' }).click();
    await page.waitForURL('**/admin/rules');
    await page.locator('.ant-card-head-title').getByText('推送列表', { exact: true }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('wpp.operatorToken'))).toBe(
      OPERATOR_1_TOKEN,
    );
    await page.reload();
    await page.locator('.ant-card-head-title').getByText('推送列表', { exact: true }).waitFor();
    expect(page.url()).toBe(`${base}/admin/rules`);
  });

  it('shows the field errors of an invalid form on the right fields, from the browser and from the API', async () => {
    const sent: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && sent.push(new URL(r.url()).pathname));
    await page.getByRole('menuitem', { name: '新建推送' }).click();
    await page.waitForURL('**/admin/rules/new');
    await item('文本内容').locator('textarea').fill('');
    await item('距最后一次购买至少（天）').locator('input').fill('60');
    await item('小程序标题').locator('input').fill('只有标题的小程序');
    await page.getByRole('button', { name: '创建推送' }).click();

    await errorOf('推送名称').getByText('请填写推送名称').waitFor();
    expect(await errorOf('有效期').allInnerTexts()).toEqual([
      '请选择有效的开始日期',
      '请选择有效的结束日期',
    ]);
    expect(await errorOf('每周推送时间').innerText()).toBe('请至少添加一个推送时间');
    expect(await errorOf('至多（天）').innerText()).toBe('“至多”天数不能小于“至少”天数');
    expect(await errorOf('小程序封面图地址').innerText()).toBe(
      '小程序卡片的标题、封面和页面需一起填写',
    );
    expect(await errorOf('小程序页面路径').innerText()).toBe(
      '小程序卡片的标题、封面和页面需一起填写',
    );
    expect(await errorOf('文本内容').count()).toBe(0);
    expect(sent).not.toContain('/wechatpush/create');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'rule-form-errors');

    // Fixing a field clears its error at once.
    await item('至多（天）').locator('input').fill('90');
    await errorOf('至多（天）').waitFor({ state: 'detached' });

    // What only the API knows: a taken name, an image address on a private network.
    await post('/wechatpush/create', {
      name: '已存在的推送',
      startDate: '2025-01-01',
      endDate: '2030-12-31',
      weekDayPushTime: [{ week: 2, time: '09:00' }],
      lastOrderDay: 0,
      lastOrderDayLimit: 10,
      content: '已存在',
    });
    await item('推送名称').locator('input').fill('已存在的推送');
    await setRange('有效期', '2025-01-01', '2030-12-31');
    await addSlot(['周二'], '09:00');
    await item('小程序标题').locator('input').fill('');
    await item('图片地址').locator('input').fill(PRIVATE_IMG);
    await page.getByRole('button', { name: '创建推送' }).click();
    await errorOf('图片地址').getByText('地址不能指向内网、回环或链路本地地址').waitFor();
    expect(sent).toContain('/wechatpush/create');

    await item('图片地址').locator('input').fill(IMG);
    await errorOf('图片地址').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '创建推送' }).click();
    await errorOf('推送名称').getByText('该名称已被其他推送使用').waitFor();
    const names = (await post<{ data: { name: string }[] }>('/wechatpush/lists')).data.map(
      (r) => r.name,
    );
    expect(names).toEqual(['已存在的推送']);
  });

  it('creates a rule through the form with slots, labels, a day window and content', async () => {
    await page.goto(`${base}/admin/rules/new`);
    await item('推送名称').locator('input').fill(RULE_NAME);
    await setRange('有效期', '2025-01-01', '2030-12-31');

    await addSlot(['周一', '周三'], '10:00');
    await addSlot(['周五'], '20:30');
    await addSlot(['周五'], '20:30');
    await page.getByText('已存在，未重复添加：周五 20:30').waitFor();
    await page.getByLabel('删除 周三 10:00').click();
    await expect(page.getByTestId('slots-week-3').count()).resolves.toBe(0);
    expect(await page.getByTestId('slots-week-1').innerText()).toContain('10:00');
    expect(await page.getByTestId('slots-week-5').innerText()).toContain('20:30');

    await item('距最后一次购买至少（天）').locator('input').fill('30');
    await item('至多（天）').locator('input').fill('45');
    expect(await page.getByTestId('day-window').innerText()).toContain(
      '最后一次购买在 45 天前到 30 天前之间',
    );
    await pickOption('城市', '上', '上海');
    await pickOption('品牌', '皇', '皇家');
    await pickOption('分仓', '华东', '华东仓（1001）');
    await pickOption('二级品类', '猫砂', '猫砂（2001）');
    await item('SKU').locator('input').fill('SKU-9,');
    await page.keyboard.press('Escape');

    const text = '喵～主人，猫砂快用完啦\n<b>限时 8 折</b>';
    await item('文本内容').locator('textarea').fill(text);
    await item('图片地址').locator('input').fill(IMG);
    await item('小程序标题').locator('input').fill('宠本本猫砂专场');
    await item('小程序封面图地址').locator('input').fill(IMG);
    await item('小程序页面路径').locator('input').fill('pages/home/feature/index?alias=cat');
    expect(await page.getByTestId('preview-text').innerText()).toBe(text);
    expect(await page.getByTestId('message-preview').locator('b').count()).toBe(0);
    expect(await page.getByTestId('preview-card').innerText()).toContain('宠本本猫砂专场');
    await page
      .getByTestId('preview-card')
      .locator('img')
      .evaluate((img: HTMLImageElement) =>
        img.complete && img.naturalWidth > 0 ? true : new Promise((r) => (img.onload = r)),
      );
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'rule-form');

    await page.getByRole('button', { name: '创建推送' }).click();
    await page.waitForURL('**/admin/rules?q=*');
    await page.locator('.ant-table-row').getByText(RULE_NAME).waitFor();

    const saved = await post<Record<string, unknown>>('/wechatpush/info', {
      id: await ruleId(RULE_NAME),
    });
    expect(saved).toMatchObject({
      name: RULE_NAME,
      status: 0,
      startDate: '2025-01-01',
      endDate: '2030-12-31',
      weekDayPushTime: [
        { week: 1, time: '10:00' },
        { week: 5, time: '20:30' },
      ],
      cityLabels: '上海',
      storeLabels: '1001',
      brandLabels: '皇家',
      cateLabels: '2001',
      skuLabels: 'SKU-9',
      lastOrderDay: 30,
      lastOrderDayLimit: 45,
      content: text,
      img: IMG,
      miniProgramTitle: '宠本本猫砂专场',
      miniProgramImg: IMG,
      miniProgramUrl: 'pages/home/feature/index?alias=cat',
    });
  });

  it('finds the rule by name in the list, pauses it, and deletes another with confirmation', async () => {
    for (const name of ['狗粮新客欢迎', '冬季猫砂囤货']) {
      await post('/wechatpush/create', {
        name,
        startDate: '2025-01-01',
        endDate: '2030-12-31',
        weekDayPushTime: [{ week: 3, time: '12:00' }],
        lastOrderDay: 0,
        lastOrderDayLimit: 30,
        content: name,
      });
    }
    await page.goto(`${base}/admin/rules`);
    await page.locator('.ant-table-row').first().waitFor();
    expect(await page.locator('.ant-table-row').count()).toBe(4);

    await page.getByPlaceholder('按名称搜索').fill('猫砂');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL('**/admin/rules?q=*');
    const rows = page.locator('.ant-table-row');
    await expect(
      rows.filter({ hasText: '狗粮新客欢迎' }).waitFor({ state: 'detached' }),
    ).resolves.toBeUndefined();
    expect(await rows.count()).toBe(2);

    const row = rows.filter({ hasText: RULE_NAME });
    await row.getByRole('switch').click();
    await row.getByText('已暂停').waitFor();
    await row.locator('[role=switch][aria-checked=false]:not(.ant-switch-loading)').waitFor();
    const id = await ruleId(RULE_NAME);
    expect((await post<{ status: number }>('/wechatpush/info', { id })).status).toBe(1);
    expect(await noHorizontalOverflow(page)).toBe(true);
    await shot(page, 'rules-list');

    const other = rows.filter({ hasText: '冬季猫砂囤货' });
    await other.getByRole('button', { name: '删除' }).click();
    await page.getByRole('tooltip').getByText('删除「冬季猫砂囤货」？').waitFor();
    await page.getByRole('tooltip').getByRole('button', { name: '删 除' }).click();
    await other.waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);
    const [deleted] = await api.db.query(
      "SELECT is_deleted AS isDeleted FROM wechat_push WHERE name = '冬季猫砂囤货'",
    );
    expect(Number(deleted.isDeleted)).toBe(1);
  });

  it('opens the rule from the list with every field filled in, previews its audience, and saves an edit', async () => {
    const id = await ruleId(RULE_NAME);
    await page.goto(`${base}/admin/rules?q=${encodeURIComponent('猫砂')}`);
    await page.locator('.ant-table-row').getByRole('link', { name: RULE_NAME }).click();
    await page.waitForURL(`**/admin/rules/${id}/edit`);
    // The list's search box (also labelled 推送名称) may still be on screen for a moment.
    // Fails (times out) unless the edit form shows the rule's name.
    await item('推送名称').locator(`input[value="${RULE_NAME}"]`).waitFor();
    expect(await item('有效期').locator('input').nth(1).inputValue()).toBe('2030-12-31');
    expect(await page.getByRole('radio', { name: '暂停' }).isChecked()).toBe(true);
    expect(await page.getByTestId('slots-week-5').innerText()).toContain('20:30');
    expect(await item('二级品类').locator('.ant-select-selection-item').innerText()).toBe(
      '猫砂（2001）',
    );
    expect(await item('SKU').locator('.ant-select-selection-item').innerText()).toBe('SKU-9');

    // The audience of the seeded data: 上海 buyers whose last order was 35 days ago.
    await page.getByRole('button', { name: '预估人数' }).click();
    const panel = page.getByTestId('audience-preview');
    await panel.waitFor();
    const fromApi = await post<{ count: number; sample: string[] }>('/wechatpush/preview', { id });
    expect(fromApi.count).toBe(3);
    expect(await panel.locator('.ant-statistic-content-value').innerText()).toBe(
      String(fromApi.count),
    );
    expect(await page.getByTestId('audience-sample').locator('li').allInnerTexts()).toEqual(
      fromApi.sample,
    );
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'rule-form-preview');

    await item('文本内容').locator('textarea').fill('新文案：猫砂第二件半价');
    await addSlot(['周日'], '08:00');
    await item('状态').getByText('进行中', { exact: true }).click();
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.getByRole('button', { name: '保存修改' }).click();
    await page.waitForURL('**/admin/rules?q=*');
    await page.locator('.ant-table-row').getByText(RULE_NAME).waitFor();

    const saved = await post<Record<string, unknown>>('/wechatpush/info', { id });
    expect(saved).toMatchObject({
      status: 0,
      content: '新文案：猫砂第二件半价',
      weekDayPushTime: [
        { week: 1, time: '10:00' },
        { week: 5, time: '20:30' },
        { week: 7, time: '08:00' },
      ],
      cityLabels: '上海',
      skuLabels: 'SKU-9',
    });
  });

  it('shows the runs of the rule and lets the operator trigger, cancel and resend with confirmation', async () => {
    const id = await ruleId(RULE_NAME);
    const now = formatDateTime(new Date());
    const run = await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, audience_count,
         batch_count, sent_batches, unknown_batches, accepted_count, fail_count, started_at,
         finished_at, created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', ?, 12000, 2, 1, 1, 9998, 2, ?, ?, ?, ?)`,
      [id, daysAgo(1), RULE_NAME, daysAgo(1), daysAgo(1), now, now],
    );
    const runId = Number(run.insertId);
    await api.db.query(
      `INSERT INTO wechat_push_batches (run_id, batch_no, state, recipient_count, recipients,
         attempts, msgid, fail_count, errmsg, finished_at, created_at, updated_at)
       VALUES (?, 1, 'sent', 10000, '[]', 1, 'msg-e2e-1', 2, NULL, ?, ?, ?),
              (?, 2, 'unknown', 2000, '[]', 1, NULL, 0, 'timeout after the request left', ?, ?, ?)`,
      [runId, daysAgo(1), now, now, runId, daysAgo(1), now, now],
    );

    await page.goto(`${base}/admin/rules?q=${encodeURIComponent(RULE_NAME)}`);
    await page.locator('.ant-table-row').getByRole('link', { name: '执行记录' }).click();
    await page.waitForURL(`**/admin/rules/${id}/runs`);
    const runs = page.locator('.ant-table-row-level-0');
    const scheduled = runs.filter({ hasText: '定时' });
    await scheduled.waitFor();
    expect(await runs.count()).toBe(1);
    expect(await scheduled.innerText()).toMatch(
      /定时[\s\S]*已完成[\s\S]*12,000[\s\S]*1 \/ 0 \/ 1 \/ 2[\s\S]*9,998/,
    );

    await scheduled.getByRole('button', { name: '展开行' }).click();
    const batches = page.locator('.ant-table-expanded-row .ant-table-row');
    await batches.nth(1).waitFor();
    expect(await batches.nth(0).innerText()).toContain('已发送');
    expect(await batches.nth(0).getByRole('button', { name: '重发' }).count()).toBe(0);
    const unknown = batches.nth(1);
    expect(await unknown.innerText()).toContain('结果未知');
    await shot(page, 'rule-runs');
    await unknown.getByRole('button', { name: '重发' }).click();
    await page.getByRole('tooltip').getByText('该批次结果未知').waitFor();
    await page.getByRole('tooltip').getByRole('button', { name: '确认重发' }).click();
    await unknown.getByText('待发送').waitFor();
    const [batch] = await api.db.query(
      'SELECT state, resends FROM wechat_push_batches WHERE run_id = ? AND batch_no = 2',
      [runId],
    );
    expect(batch).toEqual({ state: 'pending', resends: 1 });

    await page.getByRole('button', { name: '立即执行' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: '立即执行' }).click();
    const manual = runs.filter({ hasText: '手动执行' });
    await manual.waitFor();
    expect(await manual.innerText()).toContain('待执行');
    await manual.getByRole('button', { name: '取消' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: '确认取消' }).click();
    await manual.getByText('已取消').waitFor();
    expect(await manual.innerText()).toContain('运营手动取消');
    const fromApi = await post<{ data: { kind: string; state: string }[] }>('/wechatpush/runs', {
      id,
    });
    expect(fromApi.data.map((r) => [r.kind, r.state])).toEqual([
      ['manual', 'cancelled'],
      ['scheduled', 'sending'],
    ]);
    expect(await noHorizontalOverflow(page)).toBe(true);
  });

  it("shows the effect of the rule with the API's figures and exports the runs as CSV", async () => {
    const id = await ruleId(RULE_NAME);
    const now = formatDateTime(new Date());
    // A run two days ago sent to customers 1-3: 3 in the fail_list, 1 delivered, 2 not a
    // friend; customer 1 ordered a day later (inside the 7-day attribution window).
    const run = await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', ?, ?, ?)`,
      [id, daysAgo(2), RULE_NAME, now, now],
    );
    const recipients = ['wm-e2e-1', 'wm-e2e-2', 'wm-e2e-3'];
    const batch = await api.db.query(
      `INSERT INTO wechat_push_batches (run_id, batch_no, state, recipient_count, recipients,
         attempts, msgid, fail_list, fail_count, finished_at, created_at, updated_at)
       VALUES (?, 1, 'sent', 3, ?, 1, 'msg-e2e-effect', ?, 1, ?, ?, ?)`,
      [Number(run.insertId), JSON.stringify(recipients), '["wm-e2e-3"]', daysAgo(2), now, now],
    );
    const batchId = Number(batch.insertId);
    await writeDeliveryRows(api.db, batchId, new Date());
    const repo = new DeliveryRepository(api.db);
    await repo.applyResults(
      batchId,
      [
        { external_userid: 'wm-e2e-1', userid: 'zhangsan', status: 1 },
        { external_userid: 'wm-e2e-2', userid: 'lisi', status: 2 },
      ],
      new Date(),
    );
    await repo.refreshOutcomes(batchId);
    await api.db.query(
      'INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time) VALUES (?, ?, ?, ?)',
      [100, 'E100', '1', daysAgo(1)],
    );

    await page.goto(`${base}/admin/rules?q=${encodeURIComponent(RULE_NAME)}`);
    await page.locator('.ant-table-row').getByRole('link', { name: '推送效果' }).click();
    await page.waitForURL('**/admin/effect?name=*');
    const rows = page.locator('.effect-runs .ant-table-row');
    await rows.first().waitFor();
    await page.locator('.echarts-for-react canvas').first().waitFor();

    const range = item('执行日期').locator('input');
    const query = {
      name: RULE_NAME,
      startTime: await range.nth(0).inputValue(),
      endTime: await range.nth(1).inputValue(),
    };
    expect(query.startTime).toBe(formatDateTime(new Date(Date.now() - 29 * DAY)).slice(0, 10));
    const figures = await post<Record<string, number>>('/statistic/wechatpush/result', query);
    expect(figures).toMatchObject({
      pushCount: 3,
      successCount: 2,
      executedCount: 2,
      deliveredCount: 1,
      notFriendCount: 1,
      overCapCount: 0,
      orderCount: 1,
      buyerCount: 1,
    });
    const daily = await post<unknown[]>('/statistic/wechatpush/daily', query);
    expect(daily.length).toBeGreaterThan(0);
    const shown = async (key: string) =>
      Number(
        (
          await page
            .getByTestId(`figure-${key}`)
            .locator('.ant-statistic-content-value')
            .innerText()
        ).replace(/,/g, ''),
      );
    for (const [key, field] of [
      ['push', 'pushCount'],
      ['success', 'successCount'],
      ['executed', 'executedCount'],
      ['delivered', 'deliveredCount'],
      ['notFriend', 'notFriendCount'],
      ['overCap', 'overCapCount'],
      ['orders', 'orderCount'],
      ['buyers', 'buyerCount'],
    ]) {
      expect([key, await shown(key)]).toEqual([key, figures[field]]);
    }
    const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
    expect(await page.getByTestId('figure-success').innerText()).toContain(
      `成功率 ${pct(figures.successRate)}`,
    );
    expect(await page.getByTestId('figure-orders').innerText()).toContain(
      `订单转化率 ${pct(figures.orderConversionRate)}`,
    );

    const runs = await post<{ data: Record<string, number | string>[]; total: number }>(
      '/statistic/wechatpush/runs',
      { ...query, pagesize: 100 },
    );
    expect(runs.total).toBe(3);
    expect(await rows.count()).toBe(runs.total);
    const table: string[][] = [];
    for (let i = 0; i < runs.total; i++) {
      table.push((await rows.nth(i).locator('td').allInnerTexts()).map((t) => t.trim()));
    }
    const numbers = [
      'pushCount',
      'successCount',
      'executedCount',
      'deliveredCount',
      'notFriendCount',
      'overCapCount',
      'orderCount',
      'buyerCount',
    ];
    const ours = runs.data.find((r) => r.pushCount === 3)!;
    const ourRow = table.find((cells) => cells[0] === String(ours.runId))!;
    expect(ourRow.slice(5).map((c) => c.replace(/,/g, ''))).toEqual([
      '3',
      '2',
      pct(Number(ours.successRate)),
      '2',
      '1',
      '1',
      '0',
      '1',
      '1',
      pct(Number(ours.orderConversionRate)),
      pct(Number(ours.userConversionRate)),
    ]);
    expect(table.map((cells) => Number(cells[0]))).toEqual(runs.data.map((r) => r.runId));
    for (const [i, r] of runs.data.entries()) {
      const cells = table[i];
      expect([cells[1], cells[3]]).toEqual([r.ruleName, r.slotAt]);
      expect([5, 6, 8, 9, 10, 11, 12, 13].map((c) => Number(cells[c].replace(/,/g, '')))).toEqual(
        numbers.map((k) => r[k]),
      );
    }
    expect(await noHorizontalOverflow(page)).toBe(true);
    await shot(page, 'effect');

    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      page.getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile((await download.path()) as string, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv
      .slice(1)
      .split('\r\n')
      .filter((l) => l !== '')
      .map((l) => l.split(','));
    expect(lines[0]).toEqual([
      '执行ID',
      '推送名称',
      '方式',
      '执行时间',
      '状态',
      '推送人数',
      '成功人数',
      '成功率',
      '员工已执行',
      '已送达',
      '非好友',
      '超过接收上限',
      '订单数',
      '购买人数',
      '订单转化率',
      '用户转化率',
    ]);
    expect(lines.slice(1)).toEqual(table.map((cells) => cells.map((c) => c.replace(/,/g, ''))));
  });

  it('sends the operator back to the login screen when the API answers 401', async () => {
    await page.evaluate(() => sessionStorage.setItem('wpp.operatorToken', 'revoked-token'));
    await page.goto(`${base}/admin/rules`);
    await page.getByText('登录已失效，请重新输入运营令牌').waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(await page.evaluate(() => sessionStorage.getItem('wpp.operatorToken'))).toBeNull();
    await page.getByPlaceholder('请输入运营令牌').fill(OPERATOR_1_TOKEN);
    await page.getByRole('button', { name: '登 录' }).click();
    await page.waitForURL('**/admin/rules');
  });

  it('fits a phone-width screen without horizontal overflow', async () => {
    const id = await ruleId(RULE_NAME);
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
    });
    await phone.addInitScript(
      (token) => sessionStorage.setItem('wpp.operatorToken', token),
      OPERATOR_1_TOKEN,
    );
    await phone.route(/^https:\/\/img\.example\.com\//, (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PICTURE_SVG }),
    );
    const p = await phone.newPage();
    const errors = watchConsole(p);
    try {
      for (const [path, name, ready] of [
        ['/admin/rules', 'mobile-list', '.ant-table-row'],
        [`/admin/rules/${id}/edit`, 'mobile-form', '.slot-row'],
        [`/admin/rules/${id}/runs`, 'mobile-runs', '.ant-table-row'],
        [`/admin/effect?name=${encodeURIComponent(RULE_NAME)}`, 'mobile-effect', '.ant-table-row'],
      ]) {
        await p.goto(`${base}${path}`);
        await p.locator(ready).first().waitFor();
        expect([path, await noHorizontalOverflow(p)]).toEqual([path, true]);
        await shot(p, name);
      }
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
