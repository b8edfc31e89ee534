import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { formatDateTime } from '@app/common';
import { LabelType } from '@app/database';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES, setPolicy } from '../../../test/utils/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import { COMPANY_TABLES, insertFixture } from '../../../libs/audience/test/audience-fixtures';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * The rule form's targeting controls (issue 22) in a real browser against the real api,
 * MariaDB and Redis. Customers (all with a 30–45-day-old litter order):
 *   1: litter in 上海 40 days ago, cat food yesterday (their last order is recent);
 *   2: litter in 上海 40 days ago, 皇家 food 38 days ago;
 *   3: litter in 北京 40 days ago;
 *   4: litter in 上海 40 days ago, litter again 3 days ago.
 * "最近一次购买猫砂在 45–30 天前，且在上海下单，排除购买过皇家的客户" is customer 1 only.
 */
const DAY = 86_400_000;
const daysAgo = (n: number) => formatDateTime(new Date(Date.now() - n * DAY));
const RULE_NAME = '猫砂告急（定向 E2E）';

describe('targeting in the rule form', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  let ruleId: number;
  const shots = screenshotDir();

  const item = (label: string): Locator =>
    page.locator('.ant-form-item').filter({
      has: page.locator('.ant-form-item-label label').getByText(label, { exact: true }),
    });
  const pickOption = async (label: string, search: string, option: string) => {
    await item(label).locator('.ant-select-selector').click();
    await item(label).locator('input').fill(search);
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option-active')
      .getByText(option, { exact: true })
      .waitFor();
    await item(label).locator('input').press('Enter');
    await item(label).locator('.ant-select-selection-item').getByText(option).waitFor();
    await page.keyboard.press('Escape');
  };

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, ...PIPELINE_TABLES, ...COMPANY_TABLES);
    await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
    const litter = 5;
    const food = 6;
    const royal = 7;
    await insertFixture(api.db, {
      labels: [
        { id: 1, type: LabelType.CITY, bindId: null, name: '上海' },
        { id: 2, type: LabelType.CITY, bindId: null, name: '北京' },
        { id: litter, type: LabelType.CATEGORY, bindId: '2001', name: '猫砂' },
        { id: food, type: LabelType.CATEGORY, bindId: '2002', name: '猫粮' },
        { id: royal, type: LabelType.BRAND, bindId: null, name: '皇家' },
      ],
      customers: [1, 2, 3, 4].map((id) => ({ id, ext: `wm-target-${id}` })),
      orders: [
        ...[1, 2, 3, 4].map((id) => ({ id, userIds: String(id), at: daysAgo(40) })),
        { id: 11, userIds: '1', at: daysAgo(1) },
        { id: 12, userIds: '2', at: daysAgo(38) },
        { id: 14, userIds: '4', at: daysAgo(3) },
      ],
      links: [
        [1, litter, 1],
        [1, 1, 1],
        [2, litter, 2],
        [2, 1, 2],
        [3, litter, 3],
        [3, 2, 3],
        [4, litter, 4],
        [4, 1, 4],
        [1, food, 11],
        [2, food, 12],
        [2, royal, 12],
        [4, litter, 14],
      ],
    });
    const res = await api.post(
      '/wechatpush/create',
      plainRuleBody({ name: RULE_NAME, content: '喵～猫砂告急' }),
    );
    expect(res.body).toMatchObject({ success: true });
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [RULE_NAME]);
    ruleId = Number(row.id);

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
    consoleErrors = watchConsole(page);
    await page.goto(`${base}/admin/login`);
    await page.getByPlaceholder('请输入运营令牌').fill(OPERATOR_1_TOKEN);
    await page.getByRole('button', { name: '登 录' }).click();
    await page.waitForURL('**/admin/rules');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  afterEach(() => {
    expect(consoleErrors.splice(0)).toEqual([]);
  });

  it('labelledGoods without a goods label is refused on the field, before anything is sent', async () => {
    await page.goto(`${base}/admin/rules/${ruleId}/edit`);
    await item('推送名称').locator(`input[value="${RULE_NAME}"]`).waitFor();
    await page.getByText('最后一次购买所选商品', { exact: true }).click();
    await page.getByRole('button', { name: '预估人数' }).click();
    await item('时间窗口针对')
      .locator('.ant-form-item-explain-error')
      .getByText('按商品计算窗口时，须至少选择一个品类、品牌或 SKU 标签')
      .waitFor();
    // The API refuses the same body with the field named.
    const res = await api.post(
      '/wechatpush/preview',
      plainRuleBody({ name: 'x', content: 'x', windowBasis: 'labelledGoods', cityLabels: '上海' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'windowBasis' })]);
  });

  it('sets the window basis, labels and an exclusion, words them as a sentence, previews the steps and saves them', async () => {
    await page.goto(`${base}/admin/rules/${ruleId}/edit`);
    await item('推送名称').locator(`input[value="${RULE_NAME}"]`).waitFor();
    const sentence = page.getByTestId('audience-sentence');
    expect(await sentence.innerText()).toBe('目标人群：最近一次下单在 45–30 天前');

    await page.getByText('最后一次购买所选商品', { exact: true }).click();
    await pickOption('二级品类', '猫砂', '猫砂（2001）');
    await pickOption('城市', '上海', '上海');
    await pickOption('排除品牌', '皇家', '皇家');
    await sentence
      .getByText(
        '目标人群：最近一次购买猫砂在 45–30 天前，且在上海下单，排除窗口内购买过皇家的客户',
      )
      .waitFor();

    await page.getByRole('button', { name: '预估人数' }).click();
    const steps = page.getByTestId('audience-steps');
    await steps.waitFor();
    // window: customers 1, 2, 3 (4 bought litter again); labels: in 上海 → 1, 2; exclusion → 1.
    expect(await steps.locator('.ant-descriptions-item-label').allInnerTexts()).toEqual([
      '时间窗口',
      '标签',
      '排除',
    ]);
    expect(await steps.locator('.ant-descriptions-item-content').allInnerTexts()).toEqual([
      '3 人',
      '2 人',
      '1 人',
    ]);
    expect(await page.getByTestId('audience-sample').locator('li').allInnerTexts()).toEqual([
      'wm-target-1',
    ]);
    await steps.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'rule-form-targeting.png') });

    // Value tier: at least 3 orders in 180 days — customer 1 has 2.
    await item('至少订单数').locator('input').fill('3');
    await sentence.getByText('近 180 天至少 3 单', { exact: false }).waitFor();
    await page.getByRole('button', { name: '预估人数' }).click();
    await steps.locator('.ant-descriptions-item-label').getByText('价值分层').waitFor();
    expect(await steps.locator('.ant-descriptions-item-content').allInnerTexts()).toEqual([
      '3 人',
      '2 人',
      '1 人',
      '0 人',
    ]);
    await item('至少订单数').locator('input').fill('');

    await page.getByRole('button', { name: /保\s*存修改/ }).click();
    await page.waitForURL('**/admin/rules?q=*');
    const info = (await api.post('/wechatpush/info', { id: ruleId })).body.data as Record<
      string,
      unknown
    >;
    expect(info).toMatchObject({
      windowBasis: 'labelledGoods',
      labelMatch: 'any',
      cateLabels: '2001',
      cityLabels: '上海',
      excludeBrandLabels: '皇家',
      minOrders: null,
    });
  });
});
