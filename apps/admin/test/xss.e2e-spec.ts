import { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { plainRuleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';
import { buildAdmin, deleteRedisKeys, launchChromium, watchConsole } from './utils/browser';

/**
 * Operator input is text, never markup: rules whose name, content and mini-program title
 * carry HTML and script payloads are shown literally on every console page, no element is
 * injected and no script runs. And the Content-Security-Policy the api sends lets the
 * console and Swagger UI work without a single violation.
 */
const NAME = '<img src=x onerror="window.__xss=1">召回';
const CONTENT = '<script>window.__xss=2</script><b id="injected">粗体</b>&lt;tag&gt;';
const TITLE = '"><svg onload="window.__xss=3">';

/** Requests of a page that failed or were answered 4xx/5xx. */
function watchRequests(p: Page): string[] {
  const trouble: string[] = [];
  p.on('requestfailed', (r) => trouble.push(`${r.url()} failed: ${r.failure()?.errorText}`));
  p.on('response', (r) => {
    if (r.status() >= 400) trouble.push(`${r.url()} answered ${r.status()}`);
  });
  return trouble;
}

/** What a page shows and what went wrong loading it, for a failure message. */
async function describePage(p: Page, trouble: string[]): Promise<string> {
  const shape = await p
    .evaluate(() => ({
      readyState: document.readyState,
      scripts: [...document.scripts].map((s) => s.src),
      swaggerUi: document.querySelector('#swagger-ui')?.innerHTML.slice(0, 300) ?? null,
    }))
    .catch((e: Error) => ({ unreadable: e.message }));
  return JSON.stringify({ url: p.url(), crashed: p.isClosed(), shape, trouble });
}

describe('admin console: operator input rendered as text; CSP without violations', () => {
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  let ruleId: number;

  /** Marks an injected script running, and records every CSP violation of the page. */
  const guardPage = async (ctx: BrowserContext) => {
    await ctx.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
  };
  const state = (p: Page = page) =>
    p.evaluate(() => {
      const w = window as unknown as { __xss?: number; __violations: string[] };
      return {
        xss: w.__xss,
        violations: w.__violations,
        injected: document.querySelectorAll(
          'img[src="x"], #injected, svg[onload], script:not([src])',
        ).length,
      };
    });

  beforeAll(async () => {
    process.env.ADMIN_DIST_DIR = await buildAdmin();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    await truncate(api.db, 'wechat_push_time', 'wechat_push');
    const created = await api.post(
      '/wechatpush/create',
      plainRuleBody({
        name: NAME,
        content: CONTENT,
        miniProgramTitle: TITLE,
        miniProgramImg: 'https://img.example.com/cover.png',
        miniProgramUrl: 'pages/home/index',
      }),
    );
    expect(created.body).toEqual({ success: true, data: true });
    const [row] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [NAME]);
    ruleId = Number(row.id);

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    await context.route(/^https:\/\/img\.example\.com\//, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'image/svg+xml',
        body: '<svg xmlns="http://www.w3.org/2000/svg"/>',
      }),
    );
    await guardPage(context);
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

  afterEach(async () => {
    expect(consoleErrors.splice(0)).toEqual([]);
  });

  it('the console is served with the CSP and holds no data without a token', async () => {
    const res = await fetch(`${base}/admin/rules`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<div id="root"></div>');
    // Static files only: no rule, no token, no inline script.
    expect(html).not.toContain('召回');
    expect(html).not.toContain(OPERATOR_1_TOKEN);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('the rule list shows the name literally; nothing is injected, nothing runs', async () => {
    await page.goto(`${base}/admin/rules`);
    await page.getByText(NAME, { exact: true }).waitFor();
    expect(await state()).toEqual({ xss: undefined, violations: [], injected: 0 });
  });

  it('the edit form and the message preview show content and title literally', async () => {
    await page.goto(`${base}/admin/rules/${ruleId}/edit`);
    const preview = page.getByTestId('preview-text');
    await preview.waitFor();
    expect(await preview.innerText()).toBe(CONTENT);
    await page.getByText(TITLE, { exact: true }).first().waitFor();
    expect(
      await page
        .locator('input[value]')
        .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)),
    ).toContain(NAME);
    expect(await state()).toEqual({ xss: undefined, violations: [], injected: 0 });
  });

  it('the runs page and the effect page show the name literally', async () => {
    await page.goto(`${base}/admin/rules/${ruleId}/runs`);
    await page.getByText(NAME).first().waitFor();
    expect(await state()).toEqual({ xss: undefined, violations: [], injected: 0 });
    await page.goto(`${base}/admin/effect`);
    await page.locator('.ant-card').first().waitFor();
    expect(await state()).toEqual({ xss: undefined, violations: [], injected: 0 });
  });

  it('Swagger UI at /docs and Bull Board at /queues work under the CSP', async () => {
    const docs = await browser.newContext({
      httpCredentials: { username: 'operator', password: OPERATOR_1_TOKEN },
    });
    try {
      await guardPage(docs);
      const p = await docs.newPage();
      const errors = watchConsole(p);
      const trouble = watchRequests(p);
      await p.goto(`${base}/docs`);
      const title = p.locator('.swagger-ui .info .title').getByText('WeCom Precision Push API');
      // A loaded CI twice saw the page without its title for 30 s, nothing said why: the
      // page's failed requests and state are printed, and the page is loaded once more.
      const shown = await title.waitFor({ timeout: 20_000 }).then(
        () => true,
        () => false,
      );
      if (!shown) {
        console.warn(`Swagger UI without a title after 20 s: ${await describePage(p, trouble)}`);
        await p.reload();
        await title.waitFor({ timeout: 30_000 }).catch(async (e: Error) => {
          throw new Error(`${e.message}\n${await describePage(p, trouble)}`);
        });
      }
      await p.locator('.opblock-summary-path').first().waitFor();
      expect(await state(p)).toMatchObject({ violations: [] });
      expect(errors).toEqual([]);

      // Bull Board's own web font is on Google's servers (the browser here has no internet).
      await p.route(/^https:\/\/fonts\./, (route) => route.fulfill({ status: 200, body: '' }));
      await p.goto(`${base}/queues`);
      await p.getByText('push-slot').first().waitFor();
      expect(await state(p)).toMatchObject({ violations: [] });
      expect(errors).toEqual([]);
    } finally {
      await docs.close();
    }
  });
});
