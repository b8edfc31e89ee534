import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/** Runs main.ts the way `node dist/apps/wecom-simulator/main.js` runs the build. */
function run(env: Record<string, string>): { child: ChildProcess; exited: Promise<unknown[]> } {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'apps/wecom-simulator/src/main.ts'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Listened for from the start: the process may exit before the test gets to wait for it.
  return { child, exited: once(child, 'exit') };
}

async function output(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp) {
  let text = '';
  for await (const chunk of child[stream]!) {
    text += String(chunk);
    const m = re.exec(text);
    if (m) return m;
  }
  throw new Error(`no ${re} in ${stream}: ${text}`);
}

describe('wecom-simulator as a process', () => {
  it('starts on PORT, answers WeCom calls and exits 0 on SIGTERM', async () => {
    const { child, exited } = run({
      PORT: '0',
      HOST: '127.0.0.1',
      SIM_CORP_ID: 'ww-proc',
      SIM_CORP_SECRET: 's3',
    });
    try {
      const [, url] = await output(child, 'stdout', /listening on (http:\/\/\S+) /);
      const res = await fetch(`${url}/cgi-bin/gettoken?corpid=ww-proc&corpsecret=s3`);
      expect(await res.json()).toMatchObject({ errcode: 0, expires_in: 7200 });
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses to start with invalid settings, naming each', async () => {
    const { child, exited } = run({ PORT: '0', SIM_BUSY_RATE: 'often' });
    const [, problems] = await output(
      child,
      'stderr',
      /Invalid simulator configuration:\n([\s\S]+)/,
    );
    const [code] = await exited;
    expect(code).toBe(1);
    expect(problems).toContain('SIM_BUSY_RATE');
  });
});
