import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { APP_CONFIG, AppConfig } from '@app/common';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import { IDENTITY_REJECT_REASONS } from '../src/contacts/contact-sync-model';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

const TABLES = [
  'wecom_contact_syncs',
  'customers',
  'youzan_orders',
  'order_buyers',
  'customer_last_order',
  'wecom_follow_relations',
  'wecom_contact_identities',
];

/**
 * 客户同步 (issue 19) in a real browser against the real api, MariaDB and Redis (no worker:
 * the sync started stays running, its progress written here as a worker would): start, the
 * progress polled, a second start answered 同步进行中, the last full sync and nightly reconcile,
 * the match rates, and the identity mapping file with its rejected rows in Chinese.
 */
describe('客户同步 in the console', () => {
  let api: ApiHarness;
  let base: string;
  let corp: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  const shots = screenshotDir();
  const cell = (testId: string, label: string) =>
    page
      .getByTestId(testId)
      .locator('th.ant-descriptions-item-label', { hasText: label })
      .locator('xpath=following-sibling::td[1]');
  const statistic = (title: string) =>
    page
      .getByTestId('match-rates')
      .locator('.ant-statistic')
      .filter({ has: page.locator('.ant-statistic-title').getByText(title, { exact: true }) })
      .locator('.ant-statistic-content-value');
  const methodCell = (label: string) =>
    page
      .getByTestId('match-rates')
      .locator('th.ant-descriptions-item-label', { hasText: label })
      .locator('xpath=following-sibling::td[1]');

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApiWith({ SCHEDULER_ENABLED: 'false', CONTACTS_RECONCILE_AT: '' });
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    corp = api.app.get<AppConfig>(APP_CONFIG).WECOM_CORP_ID || 'corp';
    await truncate(api.db, ...TABLES);
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
    // Four buyers (orders), two of them reachable through a followed contact; wm9 unmatched.
    await api.db.query(
      `INSERT INTO customers (id, name, external_userid, unionid, mobile, created_at) VALUES
        (1, '甲', 'wm1', 'u1', NULL, NOW()), (2, '乙', 'wm2', NULL, '13800000002', NOW()),
        (3, '丙', NULL, NULL, '13800000003', NOW()), (4, '丁', NULL, NULL, NULL, NOW()),
        (5, NULL, 'wm9', NULL, NULL, NOW())`,
    );
    await api.db.query(
      `INSERT INTO youzan_orders (order_number, user_ids, order_creation_time, payment) VALUES
        ('C1', '1', '2026-11-01 10:00:00', 10), ('C2', '2', '2026-11-01 10:00:00', 10),
        ('C3', '3', '2026-11-01 10:00:00', 10), ('C4', '4', '2026-11-01 10:00:00', 10)`,
    );
    await api.db.query(
      `INSERT INTO wecom_follow_relations (external_userid, userid, added_at, changed_at) VALUES
        ('wm1', 'zhangsan', '2026-01-01', NOW(3)), ('wm2', 'lisi', '2026-01-01', NOW(3)),
        ('wm3', 'lisi', '2026-01-01', NOW(3)), ('wm9', 'lisi', '2026-01-01', NOW(3))`,
    );
    await api.db.query(
      `INSERT INTO wecom_contact_identities (external_userid, customer_id, method, matched_at) VALUES
        ('wm1', 1, 'unionid', NOW(3)), ('wm2', 2, 'mobile', NOW(3)), ('wm9', 5, 'created', NOW(3))`,
    );

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
    await truncate(api.db, ...TABLES);
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  afterEach(() => {
    const errors = consoleErrors.splice(0);
    expect(errors).toEqual([]);
  });

  it('starts a sync, shows its progress, answers a second start with 同步进行中, then the last results', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.getByRole('menuitem', { name: '客户同步' }).click();
    await page.waitForURL('**/admin/contacts');
    await page.getByTestId('sync-idle').waitFor();
    expect(await page.getByTestId('last-full').count()).toBe(0);

    await page.getByTestId('start-sync').click();
    await page.getByText('已开始全量同步').waitFor();
    await page.getByTestId('sync-running').waitFor();
    const [run] = (await api.db.query(
      "SELECT id FROM wecom_contact_syncs WHERE state = 'running'",
    )) as { id: number }[];
    expect(run).toBeDefined();

    // What the worker writes after its first chunk of 100 members: the page polls it.
    const members = JSON.stringify(Array.from({ length: 250 }, (_, i) => `m${i}`));
    await api.db.query(
      'UPDATE wecom_contact_syncs SET members = ?, chunk = 1, pages = 37, rows_read = 3600 WHERE id = ?',
      [members, run.id],
    );
    await page.getByTestId('sync-running').getByText('已读 100 / 250 位成员').waitFor();
    expect(await page.getByTestId('sync-running').innerText()).toContain('3,600 条跟进关系');
    expect(await page.getByTestId('sync-running').locator('.ant-progress-text').innerText()).toBe(
      '40%',
    );

    await page.getByTestId('start-sync').click();
    await page.getByText('同步进行中', { exact: true }).waitFor();

    // The run completes; a nightly reconcile ran earlier and corrected 6 rows.
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    await api.db.query(
      `UPDATE wecom_contact_syncs SET state = 'completed', running_corp = NULL, finished_at = ?,
              chunk = 3, rows_read = 9000, customers_created = 120, customers_linked = 80,
              follows_added = 9000 WHERE id = ?`,
      [at(0), run.id],
    );
    await api.db.query(
      `INSERT INTO wecom_contact_syncs (corp_id, kind, state, started_at, heartbeat_at, finished_at,
              rows_read, follows_added, follows_changed, follows_removed, unreachable_marked, reachable_again)
       VALUES (?, 'nightly', 'completed', ?, ?, ?, 9000, 3, 2, 1, 1, 2)`,
      [corp, at(300), at(290), at(290)],
    );
    await page.getByTestId('sync-idle').waitFor({ timeout: 60_000 });
    await page.getByTestId('last-nightly').waitFor({ timeout: 60_000 });
    expect(await cell('last-full', '状态').innerText()).toBe('已完成');
    expect(await cell('last-full', '读到的跟进关系').innerText()).toBe('9,000');
    expect(await cell('last-full', '关联买家 / 新建客户').innerText()).toBe('80 / 120');
    expect(await cell('last-nightly', '修正行数').innerText()).toBe('6');
    expect(await cell('last-nightly', '新增 / 变更 / 删除跟进').innerText()).toBe('3 / 2 / 1');
    expect(await cell('last-nightly', '变为不可达 / 恢复可达').innerText()).toBe('1 / 2');
  }, 120_000);

  it('shows the match rates and applies an identity mapping file, listing the rejected rows in Chinese', async () => {
    expect(await statistic('企业微信客户').innerText()).toBe('4');
    expect(await statistic('买家（有订单）').innerText()).toBe('4');
    expect(await statistic('可触达的买家').innerText()).toBe('2');
    expect(await statistic('买家匹配率').innerText()).toBe('50.0%');
    expect(await methodCell('映射文件').innerText()).toBe('0');

    const file = [
      '\ufeffexternal_userid,customer_id,mobile,owner_userid',
      'wm3,,13800000003,lisi',
      'wm4,1,,',
      'wm5,x,,',
      'wm6,,,',
    ].join('\r\n');
    await page.locator('input[type=file]').setInputFiles({
      name: '映射.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(file),
    });
    const report = page.getByTestId('identity-report');
    await report.waitFor();
    expect(await cell('identity-report', '已关联').innerText()).toBe('1');
    expect(await cell('identity-report', '未应用').innerText()).toBe('3');
    const rows = await report.locator('.ant-table-tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t').map((c) => c.trim()))).toEqual([
      ['3', 'customer_id', '1', IDENTITY_REJECT_REASONS.customer_taken],
      ['4', 'customer_id', 'x', IDENTITY_REJECT_REASONS.bad_customer_id],
      ['5', 'customer_id', '', IDENTITY_REJECT_REASONS.missing],
    ]);
    // The contact is now the buyer's, counted "by mapping file".
    const [c3] = (await api.db.query(
      'SELECT external_userid, owner_userid, owner_named FROM customers WHERE id = 3',
    )) as { external_userid: string; owner_userid: string; owner_named: number }[];
    expect(c3).toEqual({ external_userid: 'wm3', owner_userid: 'lisi', owner_named: 1 });
    await methodCell('映射文件').getByText('1', { exact: true }).waitFor();
    expect(await statistic('可触达的买家').innerText()).toBe('3');
    expect(await statistic('买家匹配率').innerText()).toBe('75.0%');

    await page.locator('.ant-message-notice').first().waitFor({ state: 'detached' });
    await page.screenshot({ path: join(shots, 'contact-sync.png'), fullPage: true });
  }, 60_000);
});
