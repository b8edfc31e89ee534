import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Browser, chromium, ConsoleMessage, Page } from 'playwright-core';
import { ChromiumChoice, findChromium } from './chromium';

const ROOT = resolve(__dirname, '../../../..');

/**
 * Builds the console with Vite into a fresh directory of its own, so a test never serves
 * a stale build or races `npm run build:admin` writing dist/admin.
 */
export async function buildAdmin(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'wpp-admin-'));
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      join(ROOT, 'apps/admin/vite.config.ts'),
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    // Jest runs with NODE_ENV=test; the console must be the production build operators get.
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_ENV: 'production' } },
  );
  return outDir;
}

let found: Promise<ChromiumChoice> | undefined;

export async function launchChromium(): Promise<Browser> {
  if (!found) {
    found = findChromium();
    // Once per test file, so a failing run says which browser it drove.
    process.stderr.write(`browser tests use Chromium ${(await found).description}\n`);
  }
  const { executablePath, env } = await found;
  // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
  return chromium.launch({
    executablePath,
    env: { ...process.env, ...env },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Console errors and uncaught exceptions of a page. Answers the console handles on
 * purpose (a 4xx from the API: validation, 401) are logged by Chromium as failed
 * resources; those are not errors of the console and are left out.
 */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  const expectedHttp = /Failed to load resource: the server responded with a status of 4\d\d/;
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' && !expectedHttp.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

/**
 * Where screenshots go: test-results/screenshots normally; `npm run screenshots` sets
 * SCREENSHOT_DIR=docs/screenshots to refresh the README's pictures.
 */
export function screenshotDir(): string {
  const dir = resolve(ROOT, process.env.SCREENSHOT_DIR ?? 'test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A small picture for image URLs of the test rules (the browser has no internet). */
export const PICTURE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="320" viewBox="0 0 400 320">
<rect width="400" height="320" fill="#fde68a"/><circle cx="200" cy="170" r="90" fill="#f59e0b"/>
<polygon points="130,110 150,40 185,95" fill="#f59e0b"/><polygon points="270,110 250,40 215,95" fill="#f59e0b"/>
<circle cx="165" cy="160" r="10" fill="#1f2937"/><circle cx="235" cy="160" r="10" fill="#1f2937"/>
<text x="200" y="300" font-size="28" text-anchor="middle" fill="#92400e">PET SALE</text></svg>`;

/** Deletes every Redis key under `prefix` (queues, caches of this Jest worker). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    for await (const keys of redis.scanStream({
      match: `${prefix}*`,
      count: 1000,
    }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
