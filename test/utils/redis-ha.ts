import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freeTcpPort } from './mariadb-server';
import { eventually } from './pipeline';

interface Node {
  port: number;
  child: ChildProcess;
  output(): string;
}

export interface RedisHa {
  /** The variables that point the apps at this group through its sentinels. */
  env: {
    REDIS_SENTINELS: string;
    REDIS_SENTINEL_NAME: string;
    REDIS_PASSWORD: string;
    REDIS_SENTINEL_PASSWORD: string;
  };
  /** Ports of the data nodes, the first primary at start. */
  dataPorts: number[];
  /** The primary's port as every sentinel names it (fails when they disagree). */
  primaryPort(): Promise<number>;
  /** A client of one data node (closed by `close`). */
  node(port: number): Redis;
  /** `SENTINEL FAILOVER`; resolves with the new primary once every sentinel names it and it is master. */
  failover(): Promise<number>;
  /** SIGKILL of the primary; resolves with the replica the sentinels promoted. */
  killPrimary(): Promise<number>;
  /** What each process printed, for a failure message. */
  logs(): string;
  close(): Promise<void>;
}

const DATA_PASSWORD = 'ha-data-password-1';
const SENTINEL_PASSWORD = 'ha-sentinel-password-1';

/**
 * Checks that Debian's `redis-server` and `redis-sentinel` are installed; a test of Redis
 * high availability fails (never skips) without them.
 */
function requireBinaries(): void {
  for (const bin of ['redis-server', 'redis-sentinel']) {
    if (spawnSync('which', [bin]).status !== 0)
      throw new Error(
        `\`which ${bin}\` finds nothing: this test needs Redis ${bin === 'redis-sentinel' ? 'Sentinel' : 'server'} ` +
          `(Debian: apt-get install ${bin})`,
      );
  }
}

/**
 * A primary, one replica and three sentinels (quorum 2) on free localhost ports in a temp
 * dir, with passwords on the data nodes and on the sentinels; ready once the replica is in
 * sync and every sentinel knows the replica and the other two sentinels.
 */
export async function startRedisHa(name = 'wpp-ha'): Promise<RedisHa> {
  requireBinaries();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wpp-redis-ha-'));
  const processes: Node[] = [];
  const clients: Redis[] = [];
  const start = (bin: string, args: string[]): Node => {
    const child = spawn(bin, args, { cwd: dir, stdio: 'pipe' });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const node = { port: Number(args[args.indexOf('--port') + 1]), child, output: () => out };
    processes.push(node);
    return node;
  };
  const close = async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGKILL');
        await once(p.child, 'exit');
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dataPorts = [await freeTcpPort(), await freeTcpPort()];
    for (const [i, port] of dataPorts.entries()) {
      const nodeDir = path.join(dir, `node-${i}`);
      mkdirSync(nodeDir);
      start('redis-server', [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        nodeDir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        DATA_PASSWORD,
        '--masterauth',
        DATA_PASSWORD,
        ...(i === 0 ? [] : ['--replicaof', '127.0.0.1', String(dataPorts[0])]),
      ]);
    }
    const nodes = new Map<number, Redis>();
    const node = (port: number) => {
      let c = nodes.get(port);
      if (!c) {
        c = new Redis({ port, host: '127.0.0.1', password: DATA_PASSWORD, lazyConnect: true });
        c.on('error', () => undefined);
        clients.push(c);
        nodes.set(port, c);
      }
      return c;
    };
    const replica = node(dataPorts[1]);
    await eventually(
      async () => /master_link_status:up/.test(await replica.info('replication')),
      20_000,
      'the replica in sync with the primary',
    );

    const sentinelPorts = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    for (const [i, port] of sentinelPorts.entries()) {
      // Sentinel rewrites its configuration file: one of its own, writable.
      const conf = path.join(dir, `sentinel-${i}.conf`);
      writeFileSync(
        conf,
        [
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${dataPorts[0]} 2`,
          `sentinel auth-pass ${name} ${DATA_PASSWORD}`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          // The sentinels' own password; they use it with each other too.
          `requirepass ${SENTINEL_PASSWORD}`,
          '',
        ].join('\n'),
      );
      start('redis-sentinel', [conf, '--port', String(port)]);
    }
    const sentinels = sentinelPorts.map((port) => {
      const c = new Redis({
        port,
        host: '127.0.0.1',
        password: SENTINEL_PASSWORD,
        lazyConnect: true,
      });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    });
    // A failover needs a replica the sentinels know and a quorum of sentinels that know each other.
    await eventually(
      async () => {
        for (const s of sentinels) {
          const replicas = (await s.call('SENTINEL', 'REPLICAS', name)) as unknown[];
          const peers = (await s.call('SENTINEL', 'SENTINELS', name)) as unknown[];
          if (replicas.length !== 1 || peers.length !== 2) return false;
        }
        return true;
      },
      30_000,
      'three sentinels that know the replica and each other',
    );

    const primaryPort = async () => {
      const named = await Promise.all(
        sentinels.map(
          async (s) => ((await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[])[1],
        ),
      );
      if (new Set(named).size !== 1) throw new Error(`sentinels disagree: ${named.join(', ')}`);
      return Number(named[0]);
    };
    const promoted = async (from: number, what: string) =>
      eventually(
        async () => {
          const port = await primaryPort();
          if (port === from) return undefined;
          const role = (await node(port).call('ROLE')) as string[];
          return role[0] === 'master' ? port : undefined;
        },
        30_000,
        what,
      );

    return {
      env: {
        REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
        REDIS_SENTINEL_NAME: name,
        REDIS_PASSWORD: DATA_PASSWORD,
        REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      },
      dataPorts,
      primaryPort,
      node,
      async failover() {
        const from = await primaryPort();
        await sentinels[0].call('SENTINEL', 'FAILOVER', name);
        return promoted(from, 'every sentinel naming the promoted replica');
      },
      async killPrimary() {
        const from = await primaryPort();
        const victim = processes.find((p) => p.port === from);
        if (!victim) throw new Error(`no data node on port ${from}`);
        victim.child.kill('SIGKILL');
        await once(victim.child, 'exit');
        return promoted(from, 'the sentinels promoting the replica of the killed primary');
      },
      logs: () =>
        processes.map((p) => `--- ${p.child.spawnargs.join(' ')}\n${p.output()}`).join('\n'),
      close,
    };
  } catch (e) {
    const logs = processes.map((p) => `--- ${p.child.spawnargs.join(' ')}\n${p.output()}`);
    await close();
    throw new Error(`${(e as Error).message}\n${logs.join('\n')}`);
  }
}
