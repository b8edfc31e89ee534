import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../../../..');

/** Debian's chromium package; Playwright's own browser downloads are not used. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumChoice {
  executablePath: string;
  /** One line for the test output: which Chromium and why. */
  description: string;
  /** Added to the browser's environment (the shipped build's libraries and fonts). */
  env: Record<string, string>;
}

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH` when set, else the system's
 * `/usr/bin/chromium`, else the build shipped inside the `@sparticuz/chromium` npm package,
 * so `npm ci && npm test` needs nothing from apt.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`CHROMIUM_PATH=${chosen} does not exist`);
    return { executablePath: chosen, description: `${chosen} (CHROMIUM_PATH)`, env: {} };
  }
  if (existsSync(SYSTEM_CHROMIUM)) {
    return { executablePath: SYSTEM_CHROMIUM, description: `${SYSTEM_CHROMIUM} (system)`, env: {} };
  }
  const { dir, version } = await extractShippedChromium(join(ROOT, 'node_modules/.cache'));
  return {
    executablePath: join(dir, 'chromium'),
    description: `${join(dir, 'chromium')} (@sparticuz/chromium ${version}; no ${SYSTEM_CHROMIUM}, no CHROMIUM_PATH)`,
    env: {
      // Its NSS libraries: a bare machine has none (Debian's come with its chromium package).
      LD_LIBRARY_PATH: [join(dir, 'al2023/lib'), env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: env.FONTCONFIG_FILE ?? join(dir, 'fonts.conf'),
    },
  };
}

/**
 * Unpacks the package's brotli files once into `<cacheRoot>/sparticuz-chromium-<version>`.
 * The package itself unpacks into the shared /tmp and answers "done" as soon as /tmp/chromium
 * exists, even half-written by another Jest worker. Here each caller unpacks into a staging
 * directory of its own and renames it into place: the rename is atomic, so the directory is
 * complete whenever it exists, and a caller that loses the race drops its copy.
 */
export async function extractShippedChromium(
  cacheRoot: string,
): Promise<{ dir: string; version: string }> {
  const entry = require.resolve('@sparticuz/chromium');
  const pkgDir = resolve(dirname(entry), '../..');
  const version = (
    JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const dir = join(cacheRoot, `sparticuz-chromium-${version}`);
  if (existsSync(dir)) return { dir, version };

  mkdirSync(cacheRoot, { recursive: true });
  const staging = mkdtempSync(join(cacheRoot, `.sparticuz-chromium-${version}-`));
  try {
    // The package unpacks into os.tmpdir(); its Amazon Linux mode also unpacks the NSS libraries.
    await promisify(execFile)(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(entry)}).executablePath().catch((e) => { console.error(e); process.exit(1); })`,
      ],
      { env: { ...process.env, TMPDIR: staging, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' } },
    );
    // The package's own fonts.conf names /tmp paths; this one keeps the system's fonts (a CJK
    // font for screenshots) and adds the shipped ones for machines without any.
    writeFileSync(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(dir, 'fonts')}</dir>
  <cachedir>${join(dir, 'fonts-cache')}</cachedir>
</fontconfig>
`,
    );
    try {
      renameSync(staging, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, version };
}
