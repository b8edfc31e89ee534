import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { formatDateTime } from '@app/common';
import { DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES, setPolicy } from '../../../test/utils/pipeline';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

const RULE = '导购发送（E2E）';

/**
 * Issue 22's sender in the console, in a real browser against the real api, MariaDB and
 * Redis: the rule form's 发送人与执行期限 card stores senderMode / senderFallback /
 * executionDeadlineHours, and the runs page lists a run's senders with their tasks.
 */
describe('sender and execution deadline in the console', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  let ruleId: number;

  const item = (label: string, scope: Page | Locator = page): Locator =>
    scope.locator('.ant-form-item').filter({
      has: page.locator('.ant-form-item-label label').getByText(label, { exact: true }),
    });

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, ...PIPELINE_TABLES);
    await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
    const created = await api.post(
      '/wechatpush/create',
      plainRuleBody({ name: RULE, startDate: '2025-01-01', endDate: '2030-12-31' }),
    );
    expect(created.body).toEqual({ success: true, data: true });
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [RULE]);
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
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
  });

  afterEach(() => {
    expect(consoleErrors.splice(0)).toEqual([]);
  });

  it('sets the store guide as sender, skipping customers without one, with a 24 h deadline', async () => {
    await page.goto(`${base}/admin/rules/${ruleId}/edit`);
    const card = page.locator('.ant-card').filter({ hasText: '发送人与执行期限' });
    await card.waitFor();
    // The fallback shows only for the store-guide sender.
    expect(await item('无专属导购的客户', card).count()).toBe(0);
    await card.getByText('专属导购', { exact: true }).click();
    await item('无专属导购的客户', card).getByText('跳过', { exact: true }).click();
    await item('执行期限（小时）', card).locator('input').fill('24');
    await card.screenshot({ path: join(screenshotDir(), 'rule-form-sender.png') });
    await page.getByRole('button', { name: '保存修改' }).click();
    await page.getByText(`已保存「${RULE}」`).waitFor();
    const info = (await api.post('/wechatpush/info', { id: ruleId })).body.data;
    expect(info).toMatchObject({
      senderMode: 'owner',
      senderFallback: 'skip',
      executionDeadlineHours: 24,
    });
  });

  it('lists a run’s senders with their batches and tasks, cancelled at the deadline included', async () => {
    const now = formatDateTime(new Date());
    const run = await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, audience_count,
         control_count, batch_count, sender_mode, sender_fallback, execution_deadline_hours,
         created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', ?, 5, 0, 2, 'owner', 'skip', 24, ?, ?)`,
      [ruleId, now, RULE, now, now],
    );
    const runId = Number(run.insertId);
    for (const [no, sender, ids] of [
      [1, 'zhangsan', ['wm-s1', 'wm-s2', 'wm-s3']],
      [2, 'lisi', ['wm-s4', 'wm-s5']],
    ] as const) {
      const batch = await api.db.query(
        `INSERT INTO wechat_push_batches (run_id, batch_no, state, sender, recipient_count,
           recipients, attempts, msgid, fail_list, fail_count, finished_at, created_at, updated_at)
         VALUES (?, ?, 'sent', ?, ?, ?, 1, ?, '[]', 0, ?, ?, ?)`,
        [runId, no, sender, ids.length, JSON.stringify(ids), `msg-s-${no}`, now, now, now],
      );
      await api.db.query(
        `INSERT INTO wechat_push_member_tasks
           (batch_id, userid, run_id, status, reminded_at, cancelled_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          Number(batch.insertId),
          sender,
          runId,
          sender === 'zhangsan' ? 2 : 0,
          sender === 'lisi' ? now : null,
          sender === 'lisi' ? now : null,
          now,
        ],
      );
    }
    await page.goto(`${base}/admin/rules/${ruleId}/runs`);
    const row = page.locator('.ant-table-row-level-0').filter({ hasText: '定时' });
    await row.waitFor();
    await row.locator('.ant-table-row-expand-icon').click();
    expect(await page.getByTestId('run-senders-title').innerText()).toBe(
      '按发送人（专属导购），执行期限 24 小时：',
    );
    const table = page.getByTestId('run-senders');
    const headers = await table.locator('.ant-table-thead th').allInnerTexts();
    const rows = table.locator('.ant-table-tbody .ant-table-row');
    const cells = async (i: number) => {
      const texts = await rows.nth(i).locator('td').allInnerTexts();
      return Object.fromEntries(headers.map((h, k) => [h, texts[k]]));
    };
    expect(await rows.count()).toBe(2);
    await page.screenshot({ path: join(screenshotDir(), 'rule-runs-senders.png'), fullPage: true });
    expect(await cells(0)).toMatchObject({
      发送人: 'lisi',
      客户: '2',
      已发送任务: '0',
      未发送任务: '1',
      期限前提醒: '1',
      到期取消: '1',
    });
    expect(await cells(1)).toMatchObject({
      发送人: 'zhangsan',
      批次: '1',
      客户: '3',
      企业微信接受: '3',
      已发送任务: '1',
      到期取消: '0',
    });
  });
});
