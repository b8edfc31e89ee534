import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_CONTACT_POLICY } from '@app/contracts';
import { formatDateTime } from '@app/common';
import { writeDeliveryRows } from '@app/stats';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES, setPolicy } from '../../../test/utils/pipeline';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * The 实验 cards of 推送效果 and the lift row of 规则对比 (issue 17) in a real browser against
 * the real api, MariaDB and Redis:
 *
 *   rule 501 召回实验（E2E）, 10 % holdout, one run 3 days ago: A = customers 1–1000 sent,
 *     control = 1001–1200 held out; customers 1–200 and 1001–1010 each bought 10.00 a day
 *     later → A 20 %, control 5 %: significant; 150 incremental orders, ¥1,500.00.
 *   rule 502 文案对比（E2E）, no holdout: A = 2001–2020, B = 2021–2040; 2001, 2021, 2022 bought
 *     → too few customers and buyers for a verdict.
 */
const DAY = 86_400_000;
const daysAgo = (n: number) => formatDateTime(new Date(Date.now() - n * DAY));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ext = (id: number) => `wm-exp-${id}`;
const pp = (x: number) => (Math.round(x * 1000) / 10).toFixed(1);

interface Lift {
  group: string;
  absolute: number;
  ci95: [number, number];
  significant: boolean;
}

describe('experiments in the console', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  const shots = screenshotDir();

  const post = async <T>(path: string, body: unknown = {}): Promise<T> => {
    const res = await api.post(path, body);
    expect(res.body).toMatchObject({ success: true });
    return res.body.data as T;
  };

  /** A sent run of `pushId`: batches per variant (sent at the slot) and holdout members. */
  const insertRun = async (
    pushId: number,
    name: string,
    batches: number[][],
    controls: number[],
  ) => {
    const slot = daysAgo(3);
    const now = formatDateTime(new Date());
    const run = await api.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, rule_name, experiment,
         control_count, created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'completed', ?, ?, ?, ?, ?)`,
      [
        pushId,
        slot,
        name,
        JSON.stringify({ holdoutPercent: controls.length ? 10 : 0, globalControlPercent: 0 }),
        controls.length,
        now,
        now,
      ],
    );
    const runId = Number(run.insertId);
    for (const [variant, ids] of batches.entries()) {
      const batch = await api.db.query(
        `INSERT INTO wechat_push_batches (run_id, batch_no, state, recipient_count, recipients,
           attempts, msgid, fail_list, fail_count, finished_at, variant, created_at, updated_at)
         VALUES (?, ?, 'sent', ?, ?, 1, ?, '[]', 0, ?, ?, ?, ?)`,
        [
          runId,
          variant + 1,
          ids.length,
          JSON.stringify(ids.map(ext)),
          `msg-exp-${runId}-${variant}`,
          slot,
          variant,
          now,
          now,
        ],
      );
      await writeDeliveryRows(api.db, Number(batch.insertId), new Date());
    }
    if (controls.length) {
      await api.db.query(
        `INSERT INTO wechat_push_run_controls (run_id, external_userid, control_group, variant, assigned_at)
         VALUES ?`,
        [controls.map((id) => [runId, ext(id), 'holdout', 0, slot])],
      );
    }
  };

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, ...PIPELINE_TABLES, 'wechat_push_run_controls');
    await setPolicy(api.db, DEFAULT_CONTACT_POLICY);
    const customers = [...range(1, 1200), ...range(2001, 2040)];
    await api.db.query('INSERT INTO customers (id, name, nickname, external_userid) VALUES ?', [
      customers.map((id) => [id, `客户${id}`, `客户${id}`, ext(id)]),
    ]);
    const now = formatDateTime(new Date());
    for (const [id, name, holdout] of [
      [501, '召回实验（E2E）', 10],
      [502, '文案对比（E2E）', 0],
    ] as const) {
      await api.db.query(
        `INSERT INTO wechat_push (id, name, status, start_date, end_date, city_labels, store_labels,
           brand_labels, cate_labels, sku_labels, last_order_day, last_order_day_limit,
           holdout_percent, created_at, updated_at)
         VALUES (?, ?, 0, '2025-01-01', '2030-12-31', '', '', '', '', '', 30, 1, ?, ?, ?)`,
        [id, name, holdout, now, now],
      );
    }
    await insertRun(501, '召回实验（E2E）', [range(1, 1000)], range(1001, 1200));
    await insertRun(502, '文案对比（E2E）', [range(2001, 2020), range(2021, 2040)], []);
    const buyers = [...range(1, 200), ...range(1001, 1010), 2001, 2021, 2022];
    await api.db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time, payment, status)
       VALUES ?`,
      [buyers.map((id) => [id, `X${id}`, String(id), daysAgo(2), '10.00', 'completed'])],
    );
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

  it('推送效果 shows an 实验 card per rule: groups side by side, the lift as an error bar, the verdict and the increments', async () => {
    await page.goto(`${base}/admin/effect?name=${encodeURIComponent('E2E')}`);
    const card = page.getByTestId('experiment-card-501');
    await card.waitFor();
    const range30 = page
      .locator('.ant-form-item')
      .filter({ has: page.getByText('执行日期', { exact: true }) })
      .locator('input');
    const scope = {
      startTime: await range30.nth(0).inputValue(),
      endTime: await range30.nth(1).inputValue(),
    };
    const experiment = await post<{ lift: Lift[]; incrementalRevenue: string }>(
      '/statistic/wechatpush/experiment',
      { id: 501, ...scope },
    );
    const [lift] = experiment.lift;
    expect(lift).toMatchObject({ group: 'A', significant: true });
    expect(lift.absolute).toBeCloseTo(0.15, 12);

    const groups = card.getByTestId('experiment-groups');
    expect(await groups.locator('thead th').allTextContents()).toEqual([
      '指标',
      '对照组（基线）',
      'A',
    ]);
    const cells = async (title: string) =>
      groups
        .locator('tbody tr.ant-table-row')
        .filter({ has: page.getByText(title, { exact: true }) })
        .locator('td')
        .allTextContents();
    expect(await cells('人数')).toEqual(['人数', '200', '1,000']);
    expect(await cells('购买者')).toEqual(['购买者', '10', '200']);
    expect(await cells('购买转化率')).toEqual(['购买转化率', '5.00%', '20.00%']);
    expect(await cells('营收（元）')).toEqual(['营收（元）', '¥100.00', '¥2,000.00']);

    const verdicts = card.getByTestId('experiment-verdicts');
    await verdicts
      .getByText(
        `A 比对照组多带来 15.0 个百分点的购买转化（95% 区间 ${pp(lift.ci95[0])}–${pp(lift.ci95[1])}）`,
        { exact: true },
      )
      .waitFor();
    const bar = card.getByTestId('lift-bar-A');
    expect(await bar.getAttribute('data-value')).toBe('15.0');
    expect(await bar.getAttribute('data-low')).toBe(pp(lift.ci95[0]));
    expect(await bar.getAttribute('data-high')).toBe(pp(lift.ci95[1]));
    // The interval is drawn around the dot, right of the dashed zero line.
    const [zero, low, dot, high] = await card.getByTestId('lift-error-bars').evaluate((svg) => {
      const g = svg.querySelector('[data-testid="lift-bar-A"]') as SVGGElement;
      const lines = g.querySelectorAll('line');
      return [
        Number(svg.querySelector(':scope > line')?.getAttribute('x1')),
        Number(lines[0].getAttribute('x1')),
        Number(g.querySelector('circle')?.getAttribute('cx')),
        Number(lines[0].getAttribute('x2')),
      ];
    });
    expect(zero < low && low < dot && dot < high).toBe(true);

    const increments = await card
      .getByTestId('experiment-incremental')
      .locator('.ant-statistic')
      .allInnerTexts();
    expect(increments.map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      '增量订单 150.00',
      '增量购买者 150.00',
      '增量营收（元） ¥1,500.00',
    ]);
    expect(experiment.incrementalRevenue).toBe('1500.00');

    const variants = page.getByTestId('experiment-card-502');
    await variants
      .getByText('B 与 A：差异不显著（每组至少 100 人、10 位购买者时才判断）', { exact: true })
      .waitFor();
    await variants
      .getByText('没有对照组（holdout）：只比较内容变体，无法计算推送带来的增量')
      .waitFor();
    expect(await variants.getByTestId('lift-bar-B').getAttribute('data-value')).toBe('5.0');
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(shots, 'effect-experiment.png') });
  });

  it('规则对比 shows the control group and the conversion lift with its interval', async () => {
    await page.goto(`${base}/admin/compare?ids=501,502`);
    const table = page.getByTestId('compare-table');
    const row = (title: string) =>
      table
        .locator('tbody tr.ant-table-row')
        .filter({ has: page.getByText(title, { exact: true }) })
        .locator('td');
    await row('转化提升（95% 区间）').first().waitFor();
    const [compare] = await post<{ holdoutLift: { ci95: [number, number] } }[]>(
      '/statistic/wechatpush/compare',
      {
        ids: [501],
        startTime: formatDateTime(new Date(Date.now() - 29 * DAY)).slice(0, 10),
        endTime: formatDateTime(new Date()).slice(0, 10),
      },
    );
    const [low, high] = compare.holdoutLift.ci95;
    expect(await row('对照组人数').allTextContents()).toEqual(['对照组人数', '200', '—']);
    expect(await row('转化提升（95% 区间）').allTextContents()).toEqual([
      '转化提升（95% 区间）',
      `+15.0 个百分点（${pp(low)}–${pp(high)}） 显著`,
      '—',
    ]);
  });
});
