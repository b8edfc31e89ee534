import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { ContactLedger } from '@app/contact-policy';
import { formatDateTime } from '@app/common';
import { LabelType } from '@app/database';
import { DeliveryRepository } from '@app/pipeline';
import { StatsIngest, writeDeliveryRows } from '@app/stats';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { eventually, PIPELINE_TABLES, setPolicy } from '../../../test/utils/pipeline';
import { insertFixture } from '../../../libs/audience/test/audience-fixtures';
import { pollUntil } from '../../../test/utils/process';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import { parseCsv } from './utils/csv';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  PICTURE_SVG,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * The operators' console in a real browser (Chromium via playwright-core; utils/chromium.ts
 * says which) against the real api (built console served at /admin), MariaDB and Redis. One
 * operator session walks through the pages in order, as an operator would.
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
      const label = page.locator('label.ant-checkbox-wrapper').filter({ hasText: day });
      // A click that lands while the form re-renders can be lost: click again until it holds.
      await pollUntil(
        async () => {
          if ((await box.isChecked()) === want) return true;
          await label.click();
          return (await box.isChecked()) === want;
        },
        30_000,
        200,
      );
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
    // The default contact policy (an earlier suite of this Jest worker may have changed it).
    await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
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
    // A sampled customer's follow relations and corp tags, as the contact sync keeps them.
    const [first] = fromApi.sample;
    await api.db.query(
      `INSERT INTO wecom_follow_relations (external_userid, userid, remark, added_at, changed_at)
       VALUES (?, 'guide-e2e', '老顾客', '2026-01-02 10:00:00', NOW(3))`,
      [first],
    );
    await api.db.query(
      `INSERT INTO wecom_corp_tags (tag_id, group_id, group_name, name, updated_at)
       VALUES ('et-e2e-vip', 'g-e2e', '客户等级', 'VIP', NOW(3))`,
    );
    await api.db.query(
      "INSERT INTO wecom_contact_tags (external_userid, userid, tag_id) VALUES (?, 'guide-e2e', 'et-e2e-vip')",
      [first],
    );
    await page.getByTestId('audience-sample').getByText(first, { exact: true }).click();
    const follow = page.getByTestId('sample-follow');
    await follow.waitFor();
    expect(await follow.innerText()).toMatch(
      /guide-e2e（备注：老顾客）[\s\S]*2026-01-02 10:00:00[\s\S]*客户等级：VIP/,
    );
    await page.keyboard.press('Escape');
    // Other suites of this Jest worker compare these tables with the simulator's corp.
    await api.db.query("DELETE FROM wecom_contact_tags WHERE userid = 'guide-e2e'");
    await api.db.query("DELETE FROM wecom_follow_relations WHERE userid = 'guide-e2e'");
    await api.db.query("DELETE FROM wecom_corp_tags WHERE tag_id = 'et-e2e-vip'");
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
    // Within the hour before one of the rule's slots (Sunday 08:00 …) the scheduler has put
    // that slot in MySQL as a pending run; this test is about the run it inserts below.
    await api.db.query("DELETE FROM wechat_push_runs WHERE push_id = ? AND state = 'pending'", [
      id,
    ]);
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
              (?, 2, 'unknown', 2000, '[]', 1, NULL, 0, 'timeout after the request left', ?, ?, ?),
              (?, 3, 'safe_to_resend', 500, '[]', 1, NULL, 0, 'no WeCom task was created', ?, ?, ?)`,
      [runId, daysAgo(1), now, now, runId, daysAgo(1), now, now, runId, daysAgo(1), now, now],
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
    // The worker checked WeCom's task list: not created, so a resend is safe (and says so).
    const safe = batches.nth(2);
    expect(await safe.innerText()).toContain('未创建·可重发');
    await shot(page, 'rule-runs');
    await safe.getByRole('button', { name: '重发' }).click();
    await page.getByRole('tooltip').getByText('群发任务未被创建，可以安全重发').waitFor();
    // antd spaces a two-character button's text (取 消).
    await page
      .getByRole('tooltip')
      .getByRole('button', { name: /^取\s*消$/ })
      .click();
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
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
    // friend; customer 1 ordered a day later (inside the 7-day attribution window). The
    // contact policy kept 2 suppressed and 10 too-soon customers out of it.
    const run = await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, excluded,
         created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', ?, ?, ?, ?)`,
      [id, daysAgo(2), RULE_NAME, JSON.stringify({ suppressed: 2, gap: 10 }), now, now],
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
    const repo = new DeliveryRepository(api.db, new StatsIngest(api.db), new ContactLedger(api.db));
    await repo.applyResults(
      batchId,
      [
        { external_userid: 'wm-e2e-1', userid: 'zhangsan', status: 1 },
        { external_userid: 'wm-e2e-2', userid: 'lisi', status: 2 },
      ],
      new Date(),
    );
    await repo.refreshOutcomes(batchId);
    // One order refunded in part (128.80 − 28.80), one closed: only the first counts, for 100.00.
    await api.db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time, payment,
         refunded_fee, status)
       VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`,
      [
        ...[100, 'E100', '1', daysAgo(1), '128.80', '28.80', 'completed'],
        ...[99, 'E99', '1', daysAgo(1), '500.00', null, 'closed'],
      ],
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
      revenue: '100.00',
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
    expect(
      await page.getByTestId('figure-revenue').locator('.ant-statistic-content-value').innerText(),
    ).toBe('¥100.00');
    // Beside the funnel: the API's exclusions summed over the scope's runs, non-zero reasons.
    const { excluded } = await post<{ excluded: Record<string, number> }>(
      '/statistic/wechatpush/result',
      query,
    );
    expect(excluded.suppressed).toBeGreaterThanOrEqual(2);
    expect(excluded.gap).toBeGreaterThanOrEqual(10);
    const policyLine = await page.getByTestId('effect-excluded').innerText();
    const total = Object.values(excluded).reduce((a, b) => a + b, 0);
    expect(policyLine).toContain(`策略排除 ${total.toLocaleString('zh-CN')} 人：`);
    expect(policyLine).toContain(`勿扰 ${excluded.suppressed.toLocaleString('zh-CN')}`);
    expect(policyLine).toContain(`间隔不足 ${excluded.gap.toLocaleString('zh-CN')}`);

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
      `¥${ours.revenue}`,
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
      '营收（元）',
      '订单转化率',
      '用户转化率',
    ]);
    // The export holds the API's revenue ("100.00"), the screen shows it as ¥100.00.
    expect(lines.slice(1)).toEqual(
      table.map((cells) => cells.map((c) => c.replace(/,/g, '').replace(/^¥/, ''))),
    );
  });

  /** The text of every cell of the rows of a table, trimmed. */
  const cellsOf = async (rows: Locator) => {
    const out: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      out.push((await rows.nth(i).locator('td').allInnerTexts()).map((t) => t.trim()));
    }
    return out;
  };
  const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
  const int = (s: string) => Number(s.replace(/,/g, ''));
  const DOG_RULE = '狗粮新客欢迎';
  /** An option of an antd Segmented control inside `scope`. */
  const segment = (scope: Locator, text: string) =>
    scope.locator('.ant-segmented-item-label').getByText(text, { exact: true });

  it('breaks the orders after the pushes down by SKU and brand, with the API figures, 其他 and 无标签', async () => {
    const dogId = await ruleId(DOG_RULE);
    const now = formatDateTime(new Date());
    // A run of the other rule three days ago to customers 4, 5, 7 and 8 (8 failed); then
    // orders with SKU / brand / city labels (101 has two SKUs), one with an SKU label that
    // has no name, one without labels, and one of the failed recipient (never counts).
    await insertFixture(api.db, {
      labels: [
        { id: 9, type: LabelType.SKU, bindId: 'SKU-1', name: '猫砂 10L' },
        { id: 10, type: LabelType.SKU, bindId: 'SKU-2', name: '冻干双拼' },
        { id: 11, type: LabelType.SKU, bindId: 'SKU-3', name: '' },
      ],
      customers: [7, 8].map((id) => ({ id, ext: `wm-e2e-${id}` })),
    });
    const run = await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', ?, ?, ?)`,
      [dogId, daysAgo(3), DOG_RULE, now, now],
    );
    const batch = await api.db.query(
      `INSERT INTO wechat_push_batches (run_id, batch_no, state, recipient_count, recipients,
         attempts, msgid, fail_list, fail_count, finished_at, created_at, updated_at)
       VALUES (?, 1, 'sent', 4, ?, 1, 'msg-e2e-dog', ?, 1, ?, ?, ?)`,
      [
        Number(run.insertId),
        JSON.stringify(['wm-e2e-4', 'wm-e2e-5', 'wm-e2e-7', 'wm-e2e-8']),
        '["wm-e2e-8"]',
        daysAgo(3),
        now,
        now,
      ],
    );
    const batchId = Number(batch.insertId);
    await writeDeliveryRows(api.db, batchId, new Date());
    const repo = new DeliveryRepository(api.db, new StatsIngest(api.db), new ContactLedger(api.db));
    await repo.applyResults(
      batchId,
      [
        { external_userid: 'wm-e2e-4', userid: 'zhangsan', status: 1 },
        { external_userid: 'wm-e2e-5', userid: 'zhangsan', status: 1 },
        { external_userid: 'wm-e2e-7', userid: 'lisi', status: 2 },
      ],
      new Date(),
    );
    await repo.refreshOutcomes(batchId);
    await insertFixture(api.db, {
      orders: [
        { id: 101, userIds: '4', at: daysAgo(2) },
        { id: 102, userIds: '5', at: daysAgo(2) },
        { id: 103, userIds: '7', at: daysAgo(1) },
        { id: 104, userIds: '8', at: daysAgo(1) },
        { id: 105, userIds: '4', at: daysAgo(1) },
      ],
      // [customer, label, order]: 9-11 SKUs, 7/8 brands 皇家/蓝氏, 2 city 北京
      links: [
        [4, 9, 101],
        [4, 10, 101],
        [4, 7, 101],
        [4, 2, 101],
        [5, 9, 102],
        [5, 8, 102],
        [7, 11, 103],
        [8, 9, 104],
      ],
    });
    // Their amounts arrive later, as the connector's updates do (102 refunded in part).
    for (const [id, payment, refunded] of [
      [101, '59.90', null],
      [102, '88.00', '8.00'],
      [103, '35.50', null],
      [104, '1000.00', null],
      [105, '12.30', null],
    ] as const) {
      await api.db.query(
        `UPDATE youzan_orders SET payment = ?, refunded_fee = ?, status = 'completed' WHERE id = ?`,
        [payment, refunded, id],
      );
    }

    await page.goto(`${base}/admin/effect?dim=sku&limit=1`);
    const card = page.getByTestId('goods-card');
    const rows = card.locator('.goods-table .ant-table-row');
    await rows.nth(2).waitFor();
    await card.locator('.echarts-for-react canvas').waitFor();
    const range = item('执行日期').locator('input');
    const scope = {
      startTime: await range.nth(0).inputValue(),
      endTime: await range.nth(1).inputValue(),
    };
    type Goods = {
      totalOrders: number;
      totalBuyers: number;
      rows: {
        id: string | null;
        name: string;
        orderCount: number;
        buyerCount: number;
        revenue: string;
        share: number;
      }[];
      totalRevenue: string;
    };
    const goods = (dimension: string, limit: number) =>
      post<Goods>('/statistic/wechatpush/goods', { ...scope, dimension, limit });
    const shownRows = async () =>
      (await cellsOf(rows)).map((cells, i) => [cells[1], cells[2], cells[3], cells[4], i]);
    const expectTable = async (g: Goods, labels: string[]) => {
      const shown = () => rows.locator('.goods-label').allInnerTexts();
      await eventually(
        async () => JSON.stringify(await shown()) === JSON.stringify(labels),
        10_000,
        `goods rows ${labels.join(' / ')}`,
      ).catch(() => undefined);
      expect(await shown()).toEqual(labels);
      expect(await shownRows()).toEqual(
        g.rows.map((r, i) => [
          String(r.orderCount),
          String(r.buyerCount),
          `¥${r.revenue}`,
          pct(r.share),
          i,
        ]),
      );
      const total = await card.locator('.goods-total td').allInnerTexts();
      expect(total.map((t) => t.trim())).toEqual([
        '合计（去重）',
        String(g.totalOrders),
        String(g.totalBuyers),
        `¥${g.totalRevenue}`,
        pct(g.rows.reduce((s, r) => s + r.share, 0)),
      ]);
    };

    // Attributed orders: 100 (customer 1, the first rule), 101 and 105 (4), 102 (5), 103 (7).
    const sku1 = await goods('sku', 1);
    const result = await post<{ orderCount: number; buyerCount: number; revenue: string }>(
      '/statistic/wechatpush/result',
      scope,
    );
    // 100.00 (100) + 59.90 (101) + 80.00 (102) + 35.50 (103) + 12.30 (105).
    expect(sku1).toMatchObject({ totalOrders: 5, totalBuyers: 4, totalRevenue: '287.70' });
    expect([sku1.totalOrders, sku1.totalBuyers, sku1.totalRevenue]).toEqual([
      result.orderCount,
      result.buyerCount,
      result.revenue,
    ]);
    expect(sku1.rows).toEqual([
      {
        id: 'SKU-1',
        name: '猫砂 10L',
        bucket: 'label',
        orderCount: 2,
        buyerCount: 2,
        revenue: '139.90', // 101 + 102
        share: 0.3,
      },
      {
        id: null,
        name: '其他',
        bucket: 'other',
        orderCount: 2,
        buyerCount: 2,
        revenue: '95.40', // 101 + 103
        share: 0.3,
      },
      {
        id: null,
        name: '无标签',
        bucket: 'unlabelled',
        orderCount: 2,
        buyerCount: 2,
        revenue: '112.30', // 100 + 105
        share: 0.4,
      },
    ]);
    await expectTable(sku1, ['猫砂 10L（SKU-1）', '其他', '无标签']);
    expect(await card.locator('.goods-table').innerText()).toContain('其余标签合计');

    await segment(card, '品牌').click();
    await page.waitForURL(/dim=brand/);
    const brand1 = await goods('brand', 1);
    expect(brand1.rows.map((r) => [r.name, r.orderCount])).toEqual([
      [brand1.rows[0].name, 1],
      ['其他', 1],
      ['无标签', 3],
    ]);
    await expectTable(
      brand1,
      brand1.rows.map((r) => r.name),
    );

    // All SKUs: the limit from the selector.
    await segment(card, 'SKU').click();
    await page.waitForURL(/dim=sku/);
    await card.locator('.ant-select-selector').click();
    await page.locator('.ant-select-dropdown:visible').getByText('10 项', { exact: true }).click();
    await page.waitForURL(/limit=10/);
    const sku10 = await goods('sku', 10);
    expect(sku10.rows.map((r) => [r.id, r.name, r.orderCount, r.buyerCount, r.share])).toEqual([
      ['SKU-1', '猫砂 10L', 2, 2, 0.3],
      ['SKU-2', '冻干双拼', 1, 1, 0.1],
      ['SKU-3', 'SKU-3', 1, 1, 0.2],
      [null, '无标签', 2, 2, 0.4],
    ]);
    await expectTable(sku10, ['猫砂 10L（SKU-1）', '冻干双拼（SKU-2）', 'SKU-3', '无标签']);
    expect(await noHorizontalOverflow(page)).toBe(true);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(shots, 'effect-goods.png') });
  });

  it('compares rules picked in the list side by side with the API figures', async () => {
    const ids = [await ruleId(RULE_NAME), await ruleId(DOG_RULE)];
    await page.goto(`${base}/admin/rules`);
    await page.locator('.ant-table-row').first().waitFor();
    for (const name of [RULE_NAME, DOG_RULE]) {
      await page.getByRole('checkbox', { name: `选择「${name}」进行对比` }).check();
    }
    await page.getByRole('button', { name: '对比所选（2）' }).click();
    await page.waitForURL('**/admin/compare?ids=*');
    expect(new URL(page.url()).searchParams.get('ids')).toBe(ids.join(','));
    const rows = page.locator('.compare-table .ant-table-row');
    await rows.nth(11).waitFor();
    await page.getByTestId('compare-chart').locator('canvas').waitFor();

    const range = item('执行日期').locator('input');
    const scope = {
      startTime: await range.nth(0).inputValue(),
      endTime: await range.nth(1).inputValue(),
    };
    const compared = await post<Record<string, number | string>[]>(
      '/statistic/wechatpush/compare',
      {
        ...scope,
        ids,
      },
    );
    expect(compared.map((r) => [r.pushId, r.ruleName])).toEqual([
      [ids[0], RULE_NAME],
      [ids[1], DOG_RULE],
    ]);
    // Each row is /result's funnel for that rule's runs alone (compare has no exclusions).
    for (const [i, name] of [RULE_NAME, DOG_RULE].entries()) {
      const { excluded: _excluded, ...alone } = await post<Record<string, number>>(
        '/statistic/wechatpush/result',
        { ...scope, name },
      );
      expect(compared[i]).toMatchObject(alone);
    }
    expect(compared[1]).toMatchObject({
      pushCount: 4,
      successCount: 3,
      orderCount: 4,
      buyerCount: 3,
      revenue: '187.70',
    });

    const headers = (await page.locator('.compare-table thead th').allInnerTexts()).map((t) =>
      t.trim(),
    );
    expect(headers).toEqual(['指标', ...compared.map((r) => `${r.ruleName}（${r.pushId}）`)]);
    type Kind = 'count' | 'rate' | 'yuan';
    const fields: [string, string, Kind][] = [
      ['推送人数', 'pushCount', 'count'],
      ['失败人数', 'failCount', 'count'],
      ['成功人数', 'successCount', 'count'],
      ['成功率', 'successRate', 'rate'],
      ['员工已执行', 'executedCount', 'count'],
      ['已送达', 'deliveredCount', 'count'],
      ['非好友', 'notFriendCount', 'count'],
      ['超过接收上限', 'overCapCount', 'count'],
      ['订单数', 'orderCount', 'count'],
      ['购买人数', 'buyerCount', 'count'],
      ['营收（元）', 'revenue', 'yuan'],
      ['订单转化率', 'orderConversionRate', 'rate'],
      ['用户转化率', 'userConversionRate', 'rate'],
    ];
    const shownAs = (v: unknown, kind: Kind) =>
      kind === 'rate' ? pct(Number(v)) : kind === 'yuan' ? `¥${String(v)}` : String(v);
    const all = await cellsOf(rows);
    // No holdout in these rules: the lift rows show — (experiment.e2e-spec.ts has the figures).
    expect(all.slice(fields.length)).toEqual(
      ['对照组人数', '对照组购买转化率', '转化提升（95% 区间）'].map((t) => [
        t,
        ...compared.map(() => '—'),
      ]),
    );
    const table = all.slice(0, fields.length);
    expect(table).toEqual(
      fields.map(([title, key, kind]) => [title, ...compared.map((r) => shownAs(r[key], kind))]),
    );
    expect(
      table.map((cells, i) => cells.slice(1).map((c) => (fields[i][2] === 'count' ? int(c) : c))),
    ).toEqual(
      fields.map(([, key, kind]) =>
        compared.map((r) => (kind === 'count' ? Number(r[key]) : shownAs(r[key], kind))),
      ),
    );
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true });

    // More than ten rules in the URL: refused in the console, nothing asked of the API.
    const sent: string[] = [];
    const onRequest = (r: { url(): string }) => sent.push(new URL(r.url()).pathname);
    page.on('request', onRequest);
    await page.goto(`${base}/admin/compare?ids=1,2,3,4,5,6,7,8,9,10,11`);
    await page.getByText('最多同时对比 10 个推送').waitFor();
    page.off('request', onRequest);
    expect(sent).toContain('/wechatpush/lists');
    expect(sent).not.toContain('/statistic/wechatpush/compare');
  });

  it('downloads the weekly and monthly reports as the API CSV, equal to the JSON report', async () => {
    const reportCalls: { auth?: string; body: Record<string, unknown> }[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/statistic/wechatpush/report') {
        reportCalls.push({ auth: r.headers().authorization, body: r.postDataJSON() });
      }
    });
    await page.goto(`${base}/admin/effect`);
    const card = page.getByTestId('report-card');
    await card.waitFor();
    const range = item('报表日期').locator('input');
    await eventually(async () => (await range.nth(1).inputValue()) !== '', 10_000, 'report range');
    const scope = {
      startTime: await range.nth(0).inputValue(),
      endTime: await range.nth(1).inputValue(),
    };
    const header =
      '周期,开始日期,结束日期,规则ID,规则名称,推送人数,失败人数,成功人数,成功率,员工执行人数,送达人数,非好友人数,超上限人数,下单数,下单人数,营收(元),订单转化率,用户转化率,对照组人数,对照组用户转化率,转化提升,提升95%下限,提升95%上限,提升显著'.split(
        ',',
      );
    const keys = [
      'period',
      'from',
      'to',
      'pushId',
      'ruleName',
      'pushCount',
      'failCount',
      'successCount',
      'successRate',
      'executedCount',
      'deliveredCount',
      'notFriendCount',
      'overCapCount',
      'orderCount',
      'buyerCount',
      'revenue',
      'orderConversionRate',
      'userConversionRate',
    ];
    for (const [label, granularity] of [
      ['周报', 'week'],
      ['月报', 'month'],
    ]) {
      await segment(card, label).click();
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 15_000 }),
        card.getByRole('button', { name: '下载 CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(
        `wechatpush-report-${granularity}-${scope.startTime}-${scope.endTime}.csv`,
      );
      const bytes = await readFile((await download.path()) as string);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [head, ...lines] = parseCsv(bytes.toString('utf8').slice(1));
      expect(head).toEqual(header);

      const json = await post<Record<string, string | number>[]>('/statistic/wechatpush/report', {
        ...scope,
        granularity,
        format: 'json',
      });
      // Both rules ran in the last days: at least one row each.
      expect(new Set(json.map((r) => r.ruleName))).toEqual(new Set([RULE_NAME, DOG_RULE]));
      expect(lines).toHaveLength(json.length);
      expect(
        lines.map((cells) =>
          cells
            .slice(0, keys.length)
            .map((c, i) => (typeof json[0][keys[i]] === 'number' ? Number(c) : c)),
        ),
      ).toEqual(json.map((r) => keys.map((k) => r[k])));
      // These rules hold no customers out: the lift columns are empty.
      expect(lines.map((cells) => cells.slice(keys.length).join(''))).toEqual(json.map(() => ''));
      expect(json[0].period).toMatch(granularity === 'week' ? /^\d{4}-W\d{2}$/ : /^\d{4}-\d{2}$/);
    }
    expect(reportCalls.map((c) => [c.auth, c.body.granularity, c.body.format])).toEqual([
      [`Bearer ${OPERATOR_1_TOKEN}`, 'week', 'csv'],
      [`Bearer ${OPERATOR_1_TOKEN}`, 'month', 'csv'],
    ]);
    expect(reportCalls[0].body).toEqual({ ...scope, granularity: 'week', format: 'csv' });
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(shots, 'effect-report.png') });
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
        [
          `/admin/compare?ids=${id},${await ruleId(DOG_RULE)}`,
          'mobile-compare',
          '.compare-table .ant-table-row',
        ],
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
