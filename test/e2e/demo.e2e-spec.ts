import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { dropDatabase } from '@app/database';
import { dbSettings } from '../test-env';
import { pollUntil } from '../utils/process';
import { freeTcpPort } from '../utils/mariadb-server';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

/** What `npm run demo` runs; built here only when missing (a fresh clone), as CI does. */
const DIST = [
  'dist/apps/api/main.js',
  'dist/apps/worker/main.js',
  'dist/apps/cli/main.js',
  'dist/apps/wecom-simulator/main.js',
  'dist/apps/youzan-simulator/main.js',
  'dist/admin/index.html',
];

/** Pids of `pid`'s descendants, from `ps`. */
async function descendants(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,ppid=']);
  const byParent = new Map<number, number[]>();
  for (const line of stdout.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    byParent.set(pp, [...(byParent.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const today = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `npm run demo` as a newcomer runs it (`node scripts/demo.js`), smaller: it re-creates its own
 * database, imports its orders through the ingestion core, starts both simulators, the api and
 * the worker, creates the three rules, triggers one and prints where to go; the printed curl
 * answers with figures; the shop's trades and the pushed customers' purchases keep coming in
 * through the Youzan feed and the file import; Ctrl-C stops every child, exit 0.
 */
describe('npm run demo', () => {
  const db = `wpp_demo_e2e_${process.env.WPP_TEST_RUN_ID ?? 'adhoc'}_${process.env.JEST_WORKER_ID ?? '1'}`;
  const started: ChildProcess[] = [];
  const pids: number[] = [];

  /** `node scripts/demo.js` from a newcomer's shell: none of the test's own variables. */
  function startDemo(vars: Record<string, string>) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['DB_NAME', 'REDIS_KEY_PREFIX', 'ADMIN_TOKENS', 'NODE_ENV', 'LOG_LEVEL']) {
      delete env[k];
    }
    const child = spawn(process.execPath, ['scripts/demo.js', '--no-build'], {
      cwd: ROOT,
      env: { ...env, DEMO_DB: db, ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    return {
      child,
      exited,
      output: () => output,
      /** Until the summary is printed (the demo is ready), with a deadline. */
      ready: () =>
        pollUntil(
          async () => {
            if (child.exitCode !== null) throw new Error(`demo exited early:\n${output}`);
            return /Ctrl-C stops everything/.test(output);
          },
          360_000,
          250,
        ).catch((e: Error) => {
          throw new Error(`${e.message}\n--- demo output ---\n${output}`);
        }),
    };
  }

  beforeAll(async () => {
    if (DIST.some((f) => !existsSync(path.join(ROOT, f)))) {
      await run('npm', ['run', '--silent', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    }
  }, 900_000);

  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await dropDatabase(dbSettings(db));
    for (const f of [`${db}.log`, `${db}-orders.csv`, `${db}-orders.csv.report.csv`]) {
      rmSync(path.join(tmpdir(), f), { force: true });
    }
    rmSync(path.join(tmpdir(), `${db}-imports`), { recursive: true, force: true });
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      for await (const keys of redis.scanStream({ match: `${db}:*`, count: 1000 }) as AsyncIterable<
        string[]
      >) {
        if (keys.length) await redis.del(...keys);
      }
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('starts everything, shows a completed run and statistics, and stops cleanly on Ctrl-C', async () => {
    const [port, simPort, yzSimPort] = [
      await freeTcpPort(),
      await freeTcpPort(),
      await freeTcpPort(),
    ];
    const demo = startDemo({
      PORT: String(port),
      SIM_PORT: String(simPort),
      YZ_SIM_PORT: String(yzSimPort),
      DEMO_CUSTOMERS: '3000',
      DEMO_ORDERS: '30000',
    });
    await demo.ready();
    const output = demo.output();

    const api = `http://localhost:${port}`;
    for (const [what, url] of [
      ['admin console', `${api}/admin`],
      ['API \\(OpenAPI\\)', `${api}/docs`],
      ['queues', `${api}/queues`],
      ['health', `${api}/health`],
    ]) {
      expect(output).toMatch(new RegExp(`${what}\\s+${url.replace(/[/.]/g, '\\$&')}`));
    }
    const token = /operator token\s+(\S+)/.exec(output)?.[1];
    expect(token).toMatch(/^demo-[0-9a-f]{18}$/);
    const curl = /^ *(curl .*\/statistic\/wechatpush\/result.*)$/m.exec(output)?.[1];
    expect(curl).toBeDefined();

    const health = await fetch(`${api}/health`);
    expect(health.status).toBe(200);
    const admin = await fetch(`${api}/admin`);
    expect(admin.status).toBe(200);

    const call = async (route: string, body: unknown) => {
      const res = await fetch(`${api}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: unknown }).data;
    };
    const rules = (await call('/wechatpush/lists', { page: 1, pagesize: 10 })) as {
      data: { id: number; name: string }[];
      total: number;
    };
    expect(rules.total).toBe(3);
    const names = (rules.data as { name: string }[]).map((r) => r.name).sort();
    expect(names).toEqual(
      ['45天未购买用户召回', '乳制品复购提醒（伊利/蒙牛）', '华东周末生鲜特惠（小程序）'].sort(),
    );

    // The slot of the recall rule is two minutes after its creation, today (Asia/Shanghai).
    const recall = (rules.data as { id: number; name: string }[]).find(
      (r) => r.name === '45天未购买用户召回',
    )!;
    const info = await call('/wechatpush/info', { id: recall.id });
    const firesAt = /fires by itself at (\d\d:\d\d)/.exec(output)?.[1];
    expect((info as { weekDayPushTime: unknown[] }).weekDayPushTime).toContainEqual(
      expect.objectContaining({ time: firesAt }),
    );

    // The triggered rule's run completed and every batch reached the simulator's ledger.
    const dairy = (rules.data as { id: number; name: string }[]).find((r) =>
      r.name.startsWith('乳制品'),
    )!;
    const runs = await call('/wechatpush/runs', { id: dairy.id, page: 1, pagesize: 10 });
    interface RunRow {
      id: number;
      kind: string;
      state: string;
      audienceCount: number;
      sentBatches: number;
      batchCount: number;
    }
    const runRows = (runs as { data: RunRow[] }).data;
    expect(runRows).toHaveLength(1);
    expect(runRows[0]).toMatchObject({ kind: 'manual', state: 'completed' });
    expect(runRows[0].audienceCount).toBeGreaterThan(0);
    expect(runRows[0].sentBatches).toBe(runRows[0].batchCount);
    expect(output).toContain(`run #${runRows[0].id} completed`);

    const sim = `http://127.0.0.1:${simPort}`;
    const ledger = (await (await fetch(`${sim}/__sim/messages`)).json()) as {
      messages: {
        text: { content: string } | null;
        externalUserIds: string[];
        attachments: unknown[];
      }[];
    };
    const dairyMessages = ledger.messages.filter((m) => m.text?.content.includes('伊利、蒙牛'));
    expect(dairyMessages).toHaveLength(runRows[0].batchCount);
    expect(dairyMessages.reduce((n, m) => n + m.externalUserIds.length, 0)).toBe(
      runRows[0].audienceCount,
    );
    expect(dairyMessages[0].attachments).toHaveLength(1); // the poster, downloaded and uploaded

    // The orders came in through the file import: the generated file, nothing rejected.
    const imports = (await call('/import/list', { limit: 100 })) as {
      createdBy: string;
      fileName: string;
      state: string;
      rowsRejected: number;
      ordersWritten: number;
    }[];
    expect(imports.at(-1)).toMatchObject({
      createdBy: 'cli',
      fileName: `${db}-orders.csv`,
      state: 'done',
      rowsRejected: 0,
      ordersWritten: 30000,
    });
    expect(output).toMatch(/orders: 30000 accepted, 0 rejected, 30000 written/);
    // The customers with an external id are the WeCom simulator corp's contacts.
    const dbs = dbSettings(db);
    const conn = await createConnection({
      host: dbs.DB_HOST,
      port: dbs.DB_PORT,
      user: dbs.DB_USER,
      password: dbs.DB_PASSWORD,
      database: db,
    });
    try {
      const [customers] = (await conn.query(
        "SELECT external_userid AS ext, unionid FROM customers WHERE external_userid <> '' ORDER BY RAND() LIMIT 20",
      )) as unknown as [{ ext: string; unionid: string | null }[]];
      expect(customers).toHaveLength(20);
      for (const c of customers) {
        const res = await fetch(`${sim}/__sim/corp/contacts/${c.ext}`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { unionid?: string }).unionid ?? null).toBe(c.unionid);
      }
      // The Youzan shop's paid trades — seeded and sold while the demo runs — come in through
      // the worker's pull and the push messages.
      const yzSim = `http://127.0.0.1:${yzSimPort}`;
      expect(output).toContain(`Youzan simulator ${yzSim}/__sim/orders`);
      expect(output).toMatch(/Youzan: the worker pulled the shop's trades/);
      await pollUntil(
        async () => {
          const { orders } = (await (await fetch(`${yzSim}/__sim/orders`)).json()) as {
            orders: { tid: string; status: string | null }[];
          };
          const paid = orders.filter((o) => o.status !== null).map((o) => o.tid);
          const [[{ n }]] = (await conn.query(
            'SELECT COUNT(*) AS n FROM youzan_orders WHERE ingest_number IN (?)',
            [paid],
          )) as unknown as [[{ n: number }]];
          return orders.length > 300 && Number(n) === paid.length;
        },
        90_000,
        1000,
      );
      // The contact sync linked every contact that was a customer already, and a recipient who
      // deleted their guide became unreachable through WeCom's callback.
      expect(output).toMatch(/follow relations of \d+ contacts read; \d+ were customers already/);
      const deleted = /Customer (wmc\S+) deleted their store guide/.exec(output)?.[1];
      expect(deleted).toBeDefined();
      const follows = (await (await fetch(`${sim}/__sim/corp/contacts/${deleted}`)).json()) as {
        follows: unknown[];
      };
      expect(follows.follows).toEqual([]);
      const [unreachable] = (await conn.query(
        'SELECT reason FROM contact_unreachable WHERE external_userid = ?',
        [deleted],
      )) as unknown as [{ reason: string }[]];
      expect(unreachable).toEqual([{ reason: 'no_follow' }]);
      const [[synced]] = (await conn.query(
        "SELECT COUNT(*) AS n FROM wecom_contact_identities WHERE method = 'existing'",
      )) as unknown as [[{ n: number }]];
      expect(Number(synced.n)).toBeGreaterThan(2500);
    } finally {
      await conn.end();
    }

    // The printed curl, pasted as it is.
    const { stdout } = await run('bash', ['-c', curl!]);
    const stats = JSON.parse(stdout) as { success: boolean; data: { pushCount: number } };
    expect(stats.success).toBe(true);
    expect(stats.data.pushCount).toBeGreaterThan(0);
    // Pushed customers keep buying while the demo runs — order files uploaded to the import —
    // and the order figures move.
    await pollUntil(
      async () =>
        (
          (await call('/statistic/wechatpush/result', {
            startTime: today(),
            endTime: today(),
          })) as { orderCount: number }
        ).orderCount > 0,
      60_000,
      1000,
    );
    const uploads = (
      (await call('/import/list', { limit: 100 })) as { createdBy: string; state: string }[]
    ).filter((i) => i.createdBy !== 'cli');
    expect(uploads.length).toBeGreaterThan(0);
    expect(uploads.every((i) => i.createdBy === 'operator:1')).toBe(true);

    const children = await descendants(demo.child.pid!);
    pids.push(...children);
    expect(children.length).toBeGreaterThanOrEqual(4); // both simulators, api, worker
    demo.child.kill('SIGINT');
    const [code] = await demo.exited;
    expect(code).toBe(0);
    expect(demo.output()).toMatch(/Everything stopped\./);
    await pollUntil(async () => children.every((p) => !alive(p)), 10_000);
    expect(children.filter(alive)).toEqual([]);
  }, 600_000);

  it('stops everything with exit code 1 and says why when a child dies', async () => {
    const [port, simPort, yzSimPort] = [
      await freeTcpPort(),
      await freeTcpPort(),
      await freeTcpPort(),
    ];
    const demo = startDemo({
      PORT: String(port),
      SIM_PORT: String(simPort),
      YZ_SIM_PORT: String(yzSimPort),
      DEMO_CUSTOMERS: '1000',
      DEMO_ORDERS: '10000',
    });
    await demo.ready();
    const children = await descendants(demo.child.pid!);
    pids.push(...children);
    const { stdout } = await run('ps', ['-o', 'pid=,args=', '-p', children.join(',')]);
    const worker = Number(/^\s*(\d+) .*dist\/apps\/worker\/main\.js/m.exec(stdout)?.[1]);
    expect(worker).toBeGreaterThan(0);
    process.kill(worker, 'SIGKILL');
    const [code] = await demo.exited;
    expect(code).toBe(1);
    expect(demo.output()).toMatch(
      /the worker exited unexpectedly \(exit SIGKILL\); stopping the demo/,
    );
    await pollUntil(async () => children.every((p) => !alive(p)), 10_000);
    expect(children.filter(alive)).toEqual([]);
  }, 600_000);

  it('refuses to start when a port is taken, naming the port and the variable', async () => {
    const blocker = createServer();
    blocker.listen(0);
    await once(blocker, 'listening');
    const taken = (blocker.address() as { port: number }).port;
    try {
      for (const [vars, what] of [
        [
          { PORT: String(taken), SIM_PORT: String(await freeTcpPort()) },
          `port ${taken} \\(api\\) is taken.*PORT=`,
        ],
        [
          { PORT: String(await freeTcpPort()), SIM_PORT: String(taken) },
          `port ${taken} \\(WeCom simulator\\) is taken.*SIM_PORT=`,
        ],
        [
          {
            PORT: String(await freeTcpPort()),
            SIM_PORT: String(await freeTcpPort()),
            YZ_SIM_PORT: String(taken),
          },
          `port ${taken} \\(Youzan simulator\\) is taken.*YZ_SIM_PORT=`,
        ],
      ] as const) {
        const demo = startDemo(vars);
        const [code] = await demo.exited;
        expect(code).toBe(1);
        expect(demo.output()).toMatch(new RegExp(what));
        expect(demo.output()).not.toMatch(/> build|> demo data/); // nothing was started
      }
    } finally {
      blocker.close();
    }
  });
});
