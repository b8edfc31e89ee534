import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * How long a child process of ours may take to start (ts-node compiles the app on the way):
 * seconds on an idle machine, over a minute at a load of 20.
 */
export const START_MS = 120_000;

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the combined output matches `pattern`, rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs a TypeScript entry point of this repo (ts-node, path aliases) as a real child process. */
export function runTs(entry: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', entry, ...args],
    { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', ...env }, stdio: 'pipe' },
  );
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    child,
    output: () => out,
    exited: () => exit,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => {
          cleanup();
          reject(new Error(`timeout waiting for ${pattern}; output:\n${out}`));
        }, timeoutMs);
        const check = () => {
          if (pattern.test(out)) {
            cleanup();
            resolve();
          }
        };
        const onExit = () => {
          cleanup();
          if (pattern.test(out)) resolve();
          else reject(new Error(`process exited before ${pattern}; output:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(deadline);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        child.on('exit', onExit);
        check();
      });
    },
  };
}

/** Polls `probe` until it returns true or the deadline passes. */
export async function pollUntil(
  probe: () => Promise<boolean>,
  timeoutMs = 20000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
