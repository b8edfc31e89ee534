import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';

const run = promisify(execFile);

/** A TCP port nothing listens on now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

/**
 * A MariaDB server of the test's own (its data directory in a temp dir, a free port), so a
 * test can kill and restart it without touching the machine's server other suites use.
 */
export interface PrivateMariaDb {
  port: number;
  /** DB_* variables pointing at this server, database `name`. */
  env(name: string): {
    DB_HOST: string;
    DB_PORT: string;
    DB_USER: string;
    DB_PASSWORD: string;
    DB_NAME: string;
  };
  /** SIGKILL (a crash: InnoDB recovers at the next start) and wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port and data; resolves when it answers. */
  start(): Promise<void>;
  logs(): string;
  close(): Promise<void>;
}

export async function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  for (const bin of [MARIADBD, INSTALL_DB]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: install Debian's mariadb-server`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'wpp-mariadb-'));
  const data = path.join(dir, 'data');
  // As root the server must be told to run as root (the files are root's too).
  const asUser = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run(INSTALL_DB, [
    '--no-defaults',
    `--datadir=${data}`,
    ...asUser,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freeTcpPort();
  let child: ChildProcess | undefined;
  let out = '';

  const answers = async () => {
    const c = await createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
    await c.end();
  };
  const server: PrivateMariaDb = {
    port,
    env: (name) => ({
      DB_HOST: '127.0.0.1',
      DB_PORT: String(port),
      DB_USER: 'root',
      DB_PASSWORD: '',
      DB_NAME: name,
    }),
    async start() {
      child = spawn(
        MARIADBD,
        [
          '--no-defaults',
          `--datadir=${data}`,
          ...asUser,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${path.join(dir, 'mysqld.sock')}`,
          `--pid-file=${path.join(dir, 'mysqld.pid')}`,
          '--skip-name-resolve',
          '--innodb-buffer-pool-size=128M',
          '--max-connections=300',
        ],
        { stdio: 'pipe' },
      );
      child.stdout?.on('data', (d) => (out += d));
      child.stderr?.on('data', (d) => (out += d));
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await answers();
          return;
        } catch (e) {
          if (child.exitCode !== null) throw new Error(`mariadbd exited: ${out.slice(-4000)}`);
          if (Date.now() > deadline) throw new Error(`mariadbd did not answer: ${String(e)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    },
    logs: () => out.slice(-10_000),
    async close() {
      await server.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
