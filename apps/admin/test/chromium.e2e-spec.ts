import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extractShippedChromium, findChromium } from './utils/chromium';

/** Which Chromium the browser tests drive; the shipped one unpacked by two workers at once. */
describe('the browser tests’ Chromium', () => {
  it('CHROMIUM_PATH wins, and a missing one is an error naming it', async () => {
    await expect(findChromium({ CHROMIUM_PATH: process.execPath })).resolves.toEqual({
      executablePath: process.execPath,
      description: `${process.execPath} (CHROMIUM_PATH)`,
      env: {},
    });
    await expect(findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).rejects.toThrow(
      'CHROMIUM_PATH=/nonexistent/chromium does not exist',
    );
  });

  it('two callers unpacking @sparticuz/chromium at once both get one complete copy that runs', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'wpp-chromium-'));
    try {
      const [a, b] = await Promise.all([
        extractShippedChromium(cacheRoot),
        extractShippedChromium(cacheRoot),
      ]);
      expect(b).toEqual(a);
      // The loser's staging copy is gone; only the finished directory remains.
      expect(readdirSync(cacheRoot)).toEqual([`sparticuz-chromium-${a.version}`]);
      expect(existsSync(join(a.dir, 'al2023/lib/libnss3.so'))).toBe(true);
      const { stdout } = await promisify(execFile)(join(a.dir, 'chromium'), ['--version'], {
        env: { ...process.env, LD_LIBRARY_PATH: join(a.dir, 'al2023/lib') },
      });
      expect(stdout).toMatch(/^Chromium \d+\./);
    } finally {
      rmSync(cacheRoot, { recursive: true, force: true });
    }
  }, 120_000);
});
