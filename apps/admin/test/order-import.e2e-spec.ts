import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES } from '../../../test/utils/pipeline';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import { WorkerModule } from '../../worker/src/worker.module';
import { REJECT_REASON_WORDS } from '../src/orders/order-import-model';
import {
  buildAdmin,
  deleteRedisKeys,
  launchChromium,
  screenshotDir,
  watchConsole,
} from './utils/browser';

/**
 * 订单导入 (issue 20) in a real browser against the real api and a real worker (in this
 * process, reading the order-imports queue), MariaDB and Redis: a queued import cancelled;
 * a file with good and bad rows dropped on the page as a dry run — progress, counts and the
 * report in Chinese, nothing written —, confirmed, imported: exactly the good orders stored;
 * the report downloaded as the API's CSV; the recent imports listed.
 */
const HEADER =
  'order_number,order_time,status,payment,customer_id,mobile,nickname,city,warehouse_id,warehouse_name,sku_id,sku_name,brand,category_id,category_name,quantity,price';
const FILE = [
  HEADER,
  'UI-001,2025-04-01 12:30:00,completed,139.14,1024,,小明,上海,1001,华东一仓,SKU000123,伊利纯牛奶 250ml×24,伊利,2001,乳制品,1,99.14',
  'UI-001,2025-04-01 12:30:00,completed,139.14,1024,,小明,上海,1001,华东一仓,SKU000456,蒙牛酸奶 100g×8,蒙牛,2001,乳制品,2,20.00',
  'UI-002,2025-04-02 09:00:00,paid,35.00,,13800000001,,杭州,1002,华东二仓,SKU000789,奥利奥 388g,奥利奥,2002,饼干,1,35.00',
  'UI-003,2025-04-31 10:00:00,paid,10.00,1025,,,上海,1001,华东一仓,SKU000123,伊利纯牛奶 250ml×24,伊利,2001,乳制品,1,10.00',
  'UI-004,2025-04-03 10:00:00,paid,-5.00,1026,,,上海,1001,华东一仓,SKU000123,伊利纯牛奶 250ml×24,伊利,2001,乳制品,1,5.00',
  'UI-005,2025-04-03 11:00:00,lost,12.00,1027,,,上海,1001,华东一仓,SKU000123,伊利纯牛奶 250ml×24,伊利,2001,乳制品,1,12.00',
  'UI-006,2025-04-03 12:00:00,paid,30.00,1028,,,杭州,1002,华东二仓,SKU000456,蒙牛酸奶 100g×8,蒙牛,2001,乳制品,1,20.00',
  'UI-006,2025-04-03 12:00:00,paid,30.00,1028,,,杭州,1002,华东二仓,SKU000789,奥利奥 388g,奥利奥,2002,饼干,0,10.00',
  'UI-007,2025-04-04 08:00:00,refunded,20.00,1029,,,北京,1003,华北一仓,SKU000789,奥利奥 388g,奥利奥,2002,饼干,2,10.00',
].join('\n');
const GOOD_ORDERS = ['UI-001', 'UI-002', 'UI-007'];

interface ReportRow {
  line: number;
  column: string;
  value: string;
  reason: keyof typeof REJECT_REASON_WORDS;
}
interface ImportStatus {
  id: number;
  state: string;
  dryRun: boolean;
  rowsRejected: number;
  report: ReportRow[];
}

describe('订单导入 in the console', () => {
  let dir: string;
  let api: ApiHarness;
  let worker: INestApplicationContext | undefined;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  const shots = screenshotDir();
  const shot = async (name: string) => {
    // The toasts of the last action fade out first.
    await page.locator('.ant-message-notice').first().waitFor({ state: 'detached' });
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };
  const env = () => ({ IMPORT_DIR: dir, SCHEDULER_ENABLED: 'false' });

  const current = () => page.getByTestId('import-current');
  const statistic = (title: string) =>
    current()
      .locator('.ant-statistic')
      .filter({ has: page.locator('.ant-statistic-title').getByText(title, { exact: true }) })
      .locator('.ant-statistic-content-value');
  const status = async (id: number): Promise<ImportStatus> => {
    const res = await api.post('/import/status', { id, limit: 100 });
    expect(res.body).toMatchObject({ success: true });
    return res.body.data as ImportStatus;
  };
  /** The id in the current import card's title (导入 #12：orders.csv). */
  const currentId = async (): Promise<number> => {
    const title = await current().locator('.ant-card-head-title').innerText();
    return Number(/#(\d+)/.exec(title)?.[1]);
  };
  /** A file dropped on the drag-and-drop area, as a browser hands it to the page. */
  const dropFile = async (name: string, content: string) => {
    const dataTransfer = await page.evaluateHandle(
      ([n, c]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([c], n, { type: 'text/csv' }));
        return dt;
      },
      [name, content] as const,
    );
    await page.locator('.ant-upload-drag .ant-upload-btn').dispatchEvent('drop', { dataTransfer });
  };
  const orderNumbers = async () =>
    (
      (await api.db.query('SELECT order_number FROM youzan_orders ORDER BY order_number')) as {
        order_number: string;
      }[]
    ).map((r) => r.order_number);

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    dir = await mkdtemp(join(tmpdir(), 'wpp-import-console-'));
    api = await startApiWith(env());
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, ...PIPELINE_TABLES, 'order_imports', 'order_feeds');
    // Imports an earlier suite of this Jest worker queued must not reach this suite's worker.
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);

    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      acceptDownloads: true,
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
    await worker?.close();
    await api?.close();
    await deleteRedisKeys(process.env.REDIS_KEY_PREFIX as string);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    const errors = consoleErrors.splice(0);
    expect(errors).toEqual([]);
  });

  it('cancels a queued import (no worker runs yet)', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.getByRole('menuitem', { name: '订单导入' }).click();
    await page.waitForURL('**/admin/import');
    expect(await page.getByRole('switch', { name: '试运行' }).isChecked()).toBe(true);

    await page.locator('.ant-upload-drag input[type=file]').setInputFiles({
      name: 'queued.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(FILE),
    });
    await current().locator('.ant-tag').getByText('排队中').waitFor();
    expect(await current().getByTestId('import-progress').innerText()).toContain('排队中');
    const id = await currentId();

    await current().getByRole('button', { name: '取消导入' }).click();
    await page.locator('.ant-popover').getByRole('button', { name: '取消导入' }).click();
    await current().locator('.ant-tag').getByText('已取消').waitFor();
    expect((await status(id)).state).toBe('cancelled');
    // Finished: nothing left to cancel.
    expect(await current().getByRole('button', { name: '取消导入' }).count()).toBe(0);
  });

  it('checks a dropped file in a dry run: counts and the rejected rows in Chinese, nothing written', async () => {
    const saved = Object.fromEntries(Object.keys(env()).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env());
    try {
      const ref = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
      ref.useLogger(false);
      worker = await ref.init();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }

    await dropFile('订单明细.csv', FILE);
    await current().locator('.ant-card-head-title').getByText('订单明细.csv').waitFor();
    await current().locator('.ant-tag').getByText('已完成').waitFor({ timeout: 30_000 });
    const id = await currentId();
    const api_ = await status(id);
    expect(api_).toMatchObject({ state: 'done', dryRun: true, rowsRejected: 5 });

    expect(await current().locator('.ant-progress-text').innerText()).toBe('已读 9 行');
    const counts = {
      已读行: '9',
      通过行: '4',
      拒绝行: '5',
      可导入订单: '3',
      拒绝订单: '4',
    };
    for (const [title, value] of Object.entries(counts)) {
      expect([title, await statistic(title).innerText()]).toEqual([title, value]);
    }
    expect(await statistic('写入订单').count()).toBe(0);

    // The table is the API's report, each reason in the operators' words.
    const table = current().getByTestId('import-report');
    const rows = table.locator('tbody tr.ant-table-row');
    await rows.first().waitFor();
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText)),
    );
    expect(shown.map((cells) => [Number(cells[0]), cells[2], cells[3].split('\n')[0]])).toEqual(
      api_.report.map((r) => [r.line, r.column || '整行', REJECT_REASON_WORDS[r.reason]]),
    );
    expect(
      api_.report.map((r) => [r.line, r.column, r.reason]).sort((a, b) => +a[0] - +b[0]),
    ).toEqual([
      [5, 'order_time', 'bad_date'],
      [6, 'payment', 'negative_amount'],
      [7, 'status', 'unknown_status'],
      [8, '', 'order_rejected'],
      [9, 'quantity', 'bad_quantity'],
    ]);
    expect(await current().locator('.ant-pagination-total-text').innerText()).toBe('共 5 行被拒绝');
    // The value as the file held it (the CSV download defuses it for Excel, below).
    expect(api_.report.find((r) => r.line === 6)?.value).toBe('-5.00');
    expect(shown.find((cells) => cells[0] === '6')?.[4]).toBe('-5.00');
    expect(await orderNumbers()).toEqual([]);
    await shot('order-import-dry-run');
  });

  it('downloads the report as the API CSV', async () => {
    const id = await currentId();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      current()
        .getByRole('button', { name: /下载报告/ })
        .click(),
    ]);
    expect(download.suggestedFilename()).toBe(`order-import-${id}-report.csv`);
    const bytes = await readFile((await download.path()) as string, 'utf8');
    const fromApi = await request(api.app.getHttpServer())
      .get(`/import/report?id=${id}`)
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
    expect(bytes).toBe(fromApi.text);
    expect(bytes).toContain(",'-5.00");
    expect(bytes.split('\n').filter(Boolean)).toHaveLength(1 + 5);
  });

  it('imports the checked file after confirming: exactly the good orders are stored', async () => {
    const dryId = await currentId();
    await current().getByRole('button', { name: '确认导入' }).click();
    const pop = page.locator('.ant-popover');
    await pop.getByText('只导入通过校验的 3 单？').waitFor();
    await pop.getByRole('button', { name: '确认导入' }).click();
    await page.waitForFunction(
      (prev) => {
        const t = document.querySelector('[data-testid=import-current] .ant-card-head-title');
        return !!t && !t.textContent?.includes(`#${prev}：`);
      },
      dryId,
      { timeout: 15_000 },
    );
    await current().locator('.ant-tag').getByText('已完成').waitFor({ timeout: 30_000 });
    const id = await currentId();
    expect(id).toBeGreaterThan(dryId);
    expect(await status(id)).toMatchObject({ state: 'done', dryRun: false, rowsRejected: 5 });
    expect(await statistic('写入订单').innerText()).toBe('3');
    expect(await statistic('未变化订单').innerText()).toBe('0');
    expect(await statistic('通过订单').innerText()).toBe('3');
    // A real import offers no second confirmation.
    expect(await current().getByRole('button', { name: '确认导入' }).count()).toBe(0);
    expect(await orderNumbers()).toEqual(GOOD_ORDERS);

    // The recent imports: newest first, the real one, the dry run, the cancelled one.
    const list = page.getByTestId('import-list');
    await list.getByText('订单明细.csv').first().waitFor();
    const recent = await list
      .locator('tbody tr.ant-table-row')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText)),
      );
    expect(recent.map((cells) => cells.slice(1, 7))).toEqual([
      ['订单明细.csv', '导入', '已完成', '4 / 5', '3', '操作员 #1'],
      ['订单明细.csv', '试运行', '已完成', '4 / 5', '0', '操作员 #1'],
      ['queued.csv', '试运行', '已取消', '0 / 0', '0', '操作员 #1'],
    ]);
    await shot('order-import');
  });

  it('shows an earlier import again from the list', async () => {
    const list = page.getByTestId('import-list');
    await list.locator('tbody tr.ant-table-row').nth(2).getByRole('button').click();
    await current().locator('.ant-card-head-title').getByText('queued.csv').waitFor();
    expect(await current().locator('.ant-tag').innerText()).toBe('已取消');
  });

  it('refuses a file that is not CSV or XLSX before uploading it', async () => {
    const before = (await api.db.query('SELECT COUNT(*) AS n FROM order_imports'))[0].n;
    await page.locator('.ant-upload-drag input[type=file]').setInputFiles({
      name: 'orders.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4'),
    });
    await page.getByText('只能导入 CSV 或 XLSX 文件').waitFor();
    expect((await api.db.query('SELECT COUNT(*) AS n FROM order_imports'))[0].n).toBe(before);
  });
});
