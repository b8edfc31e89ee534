#!/usr/bin/env node
/**
 * `npm run demo`: the whole system working on a made-up grocery chain, in one terminal.
 *
 *  1. builds (skipped when dist/ is newer than every source file; --build forces, --no-build skips);
 *  2. re-creates the demo database (DEMO_DB, default wecom_push_demo) with `gen:demo`: fresh
 *     customers and orders relative to now, so day-window rules find people today; the demo's
 *     Redis keys (prefix = DEMO_DB) are deleted, so nothing of an earlier demo run is replayed;
 *  3. starts the WeCom simulator (SIM_PORT, default 8090), the api (PORT, default 3000) and one
 *     worker pointed at it, plus a tiny image server on 127.0.0.1 for the rules' pictures;
 *  4. creates three example rules through the REST API, triggers one, waits until its run is
 *     complete and prints the URLs, the operator token and a curl for the statistics.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops every child gracefully and exits 0; a child that dies on
 * its own stops the demo with exit code 1. Sizes: DEMO_CUSTOMERS, DEMO_ORDERS. Every child's
 * full log goes to a file (printed at start); the terminal shows warnings and errors.
 */
/* global fetch, URL */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..');
const TZ = 'Asia/Shanghai';
const argv = process.argv.slice(2);

// ---------------------------------------------------------------- settings

function intEnv(name, def, min, max) {
  const raw = process.env[name];
  const v = raw === undefined || raw.trim() === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    fail(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return v;
}

function fail(message) {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}

const settings = {
  port: intEnv('PORT', 3000, 1, 65535),
  simPort: intEnv('SIM_PORT', 8090, 1, 65535),
  db: process.env.DEMO_DB?.trim() || 'wecom_push_demo',
  customers: intEnv('DEMO_CUSTOMERS', 20_000, 1, 2_000_000),
  orders: intEnv('DEMO_ORDERS', 200_000, 0, 20_000_000),
  runTimeoutMs: intEnv('DEMO_RUN_TIMEOUT_SECONDS', 300, 10, 3600) * 1000,
  dbHost: process.env.DB_HOST?.trim() || '127.0.0.1',
  dbPort: intEnv('DB_PORT', 3306, 1, 65535),
  redisUrl: process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
};
if (!/^[A-Za-z0-9_]{1,64}$/.test(settings.db) || !/demo/i.test(settings.db)) {
  fail(`DEMO_DB must be letters, digits and _ and contain "demo" (it is dropped and re-created)`);
}
if (settings.port === settings.simPort) fail('PORT and SIM_PORT must differ');

/** The operator token: the first of ADMIN_TOKENS when set, else a fresh one per demo run. */
const adminTokens = process.env.ADMIN_TOKENS?.trim() || `1:demo-${randomBytes(9).toString('hex')}`;
const token = adminTokens.split(',')[0].split(':').slice(1).join(':').trim();

const api = `http://localhost:${settings.port}`;
const simUrl = `http://127.0.0.1:${settings.simPort}`;
const logFile = path.join(os.tmpdir(), `${settings.db}.log`);

// ---------------------------------------------------------------- children and shutdown

/** Every process this script started and has not seen exit: name → child. */
const children = new Map();
let stopping = false;
let logStream;

const COLORS = { build: 33, gen: 33, simulator: 32, api: 36, worker: 35 };
const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One log line of a child: to the log file always, to the terminal when it matters. */
function show(name, line) {
  logStream?.write(`[${name}] ${line}\n`);
  let text = line;
  let important = true;
  try {
    const j = JSON.parse(line);
    if (j && typeof j === 'object' && 'level' in j) {
      text = `${LEVELS[j.level] ?? j.level} ${j.context ? `[${j.context}] ` : ''}${j.msg ?? ''}`;
      important = j.level >= 40;
    }
  } catch {
    /* not JSON: shown as it is */
  }
  if (important) console.log(`\x1b[${COLORS[name] ?? 37}m[${name}]\x1b[0m ${text}`);
}

/**
 * Starts a child in its own process group, so the terminal's Ctrl-C reaches only this script,
 * which then stops the children in order (a second signal would make them exit at once).
 */
function start(name, command, args, env) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const waiters = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      output = (output + chunk).slice(-200_000);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) if (line.trim()) show(name, line);
      for (const w of [...waiters]) w();
    });
  }
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(name);
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    });
    child.on('error', (e) => {
      children.delete(name);
      resolve({ code: null, signal: null, error: e });
    });
  });
  children.set(name, child);
  return {
    name,
    child,
    exited,
    output: () => output,
    /** Resolves when the output matches `pattern`; rejects on exit or after `timeoutMs`. */
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`${name}: no "${pattern.source}" within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        const check = () => {
          if (pattern.test(output)) done();
          else if (!children.has(name)) done(new Error(`${name} exited before it was ready`));
        };
        const done = (err) => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          if (err) reject(err);
          else resolve();
        };
        waiters.push(check);
        check();
      });
    },
  };
}

/** A step that must succeed before the demo goes on (build, data). */
async function run(name, command, args, env) {
  const p = start(name, command, args, env);
  const { code, signal, error } = await p.exited;
  if (stopping) return;
  if (code !== 0) {
    await shutdown(
      1,
      `${name} failed (${error ? error.message : `exit ${code ?? signal}`}); nothing is left running.`,
    );
  }
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function stopChildren(names, timeoutMs) {
  const waits = [];
  for (const name of names) {
    const child = children.get(name);
    if (!child) continue;
    waits.push(
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          console.error(`  ${name} did not stop within ${timeoutMs / 1000} s: killing it`);
          signalGroup(child, 'SIGKILL');
        }, timeoutMs);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          resolve(code === 0 || signal === 'SIGTERM');
        });
        signalGroup(child, 'SIGTERM');
      }),
    );
  }
  return (await Promise.all(waits)).every(Boolean);
}

let assetServer;

/** Stops everything this script started, in order, then exits with `code`. */
async function shutdown(code, message) {
  if (stopping) return;
  stopping = true;
  if (message) console.error(`\n${code === 0 ? '■' : '✖'} ${message}`);
  // Steps first, then the apps (the worker finishes in-flight batches against the simulator),
  // then the simulator.
  if (purchases) {
    clearTimeout(purchases.timer);
    await purchases.conn.end().catch(() => undefined);
  }
  let clean = await stopChildren(['build', 'gen'], 10_000);
  clean = (await stopChildren(['api', 'worker'], 40_000)) && clean;
  clean = (await stopChildren(['simulator'], 10_000)) && clean;
  assetServer?.close();
  assetServer?.closeAllConnections?.();
  if (code === 0)
    console.log(clean ? 'Everything stopped.' : 'Stopped (some processes had to be killed).');
  logStream?.end();
  process.exit(code);
}

let firstSignalAt = 0;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (!firstSignalAt) {
      firstSignalAt = Date.now();
      void shutdown(0, `${sig}: stopping the worker, the api and the simulator…`);
    } else if (Date.now() - firstSignalAt > 2000) {
      // Not the copy `npm run` forwards right after the terminal's own Ctrl-C: the user insists.
      console.error(`${sig} again: killing every child now`);
      for (const child of children.values()) signalGroup(child, 'SIGKILL');
      process.exit(1);
    }
  });
}
// Should this script die on an error of its own, take the children with it.
process.on('exit', () => {
  for (const child of children.values()) signalGroup(child, 'SIGKILL');
});

/** Children that must live as long as the demo: an unexpected exit stops everything. */
function watch(p) {
  void p.exited.then(({ code, signal, error }) => {
    if (stopping) return;
    const tail = p.output().trim().split('\n').slice(-15).join('\n');
    void shutdown(
      1,
      `the ${p.name} exited unexpectedly (${error ? error.message : `exit ${code ?? signal}`}); stopping the demo.` +
        (tail ? `\nIts last output:\n${tail}` : '') +
        `\nFull logs: ${logFile}`,
    );
  });
}

// ---------------------------------------------------------------- checks

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

async function preflight() {
  for (const [what, port, variable] of [
    ['api', settings.port, 'PORT'],
    ['WeCom simulator', settings.simPort, 'SIM_PORT'],
  ]) {
    if (!(await portFree(port))) {
      fail(
        `port ${port} (${what}) is taken — is \`npm start\` or another demo running? ` +
          `Choose another with ${variable}, e.g. ${variable}=${port + 100} npm run demo`,
      );
    }
  }
  if (!(await reachable(settings.dbHost, settings.dbPort))) {
    fail(
      `MariaDB/MySQL does not answer on ${settings.dbHost}:${settings.dbPort} — start it ` +
        '(e.g. `docker compose up -d mysql redis`) or set DB_HOST / DB_PORT / DB_USER / DB_PASSWORD',
    );
  }
  const redis = new URL(settings.redisUrl);
  if (!(await reachable(redis.hostname, Number(redis.port || 6379)))) {
    fail(`Redis does not answer at ${settings.redisUrl} — start it or set REDIS_URL`);
  }
}

// ---------------------------------------------------------------- build

const OUTPUTS = [
  'dist/apps/api/main.js',
  'dist/apps/worker/main.js',
  'dist/apps/cli/main.js',
  'dist/apps/wecom-simulator/main.js',
  'dist/admin/index.html',
];
const INPUTS = [
  'apps',
  'libs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];

function newestMtime(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

/** dist/ is up to date when every output exists and is newer than every source file. */
function buildNeeded() {
  const outputs = OUTPUTS.map((f) => {
    try {
      return fs.statSync(path.join(ROOT, f)).mtimeMs;
    } catch {
      return 0;
    }
  });
  const oldestOutput = Math.min(...outputs);
  if (oldestOutput === 0) return true;
  return Math.max(...INPUTS.map((p) => newestMtime(path.join(ROOT, p)))) > oldestOutput;
}

// ---------------------------------------------------------------- images

/** A small PNG (gradient with stripes): the worker downloads and uploads it like an operator's image. */
function png(width, height, [r1, g1, b1], [r2, g2, b2]) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height);
      const stripe = Math.floor((x - y + height) / 24) % 2 === 0 ? 1 : 0.9;
      raw[row + 1 + x * 3] = Math.round((r1 + (r2 - r1) * t) * stripe);
      raw[row + 2 + x * 3] = Math.round((g1 + (g2 - g1) * t) * stripe);
      raw[row + 3 + x * 3] = Math.round((b1 + (b2 - b1) * t) * stripe);
    }
  }
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function startAssetServer() {
  const files = {
    '/poster.png': png(480, 320, [255, 244, 214], [72, 149, 239]),
    '/cover.png': png(520, 416, [255, 214, 165], [231, 76, 60]),
  };
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const body = files[req.url ?? ''];
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length }).end(body);
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---------------------------------------------------------------- API calls

async function call(route, body) {
  const res = await fetch(`${api}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok || !json?.success) {
    const err = json?.error;
    throw new Error(
      `${route} answered HTTP ${res.status}: ${err ? `${err.code} ${err.message} ${JSON.stringify(err.details ?? [])}` : 'no JSON'}`,
    );
  }
  return json;
}

async function until(what, probe, timeoutMs, everyMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    if (stopping) throw new Error('stopping');
    const value = await probe().catch((e) => void (lastError = e));
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${Math.round(timeoutMs / 1000)} s` +
          (lastError ? ` (last error: ${lastError.message})` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The three rules of the seed's examples, adapted to the demo company. */
function exampleRules(DateTime, images) {
  const now = DateTime.now().setZone(TZ);
  const slot = now.plus({ minutes: 2 }).startOf('minute');
  const day = (n) => now.plus({ days: n });
  const base = {
    status: 0,
    startDate: now.toFormat('yyyy-MM-dd'),
    endDate: now.plus({ days: 90 }).toFormat('yyyy-MM-dd'),
    cityLabels: '',
    storeLabels: '',
    brandLabels: '',
    cateLabels: '',
    skuLabels: '',
    img: '',
    miniProgramTitle: '',
    miniProgramImg: '',
    miniProgramUrl: '',
  };
  return {
    slot,
    rules: [
      {
        ...base,
        name: '45天未购买用户召回',
        weekDayPushTime: [
          { week: slot.weekday, time: slot.toFormat('HH:mm') },
          { week: day(3).weekday, time: '10:00' },
        ],
        lastOrderDay: 45,
        lastOrderDayLimit: 60,
        content:
          '好久不见～您常买的牛奶、鸡蛋和水果今天满99减20，回复“1”领取回归券，点开小程序即可下单。',
      },
      {
        ...base,
        name: '乳制品复购提醒（伊利/蒙牛）',
        weekDayPushTime: [
          { week: day(2).weekday, time: '10:00' },
          { week: day(5).weekday, time: '19:30' },
        ],
        brandLabels: '伊利,蒙牛',
        cateLabels: '2001',
        lastOrderDay: 7,
        lastOrderDayLimit: 30,
        content: '家里的牛奶快喝完了吧？伊利、蒙牛整箱第二件半价，本周日前有效，次日达～',
        img: images.poster,
      },
      {
        ...base,
        name: '华东周末生鲜特惠（小程序）',
        weekDayPushTime: [{ week: day(4).weekday, time: '09:30' }],
        storeLabels: '1001,1002,1007',
        lastOrderDay: 3,
        lastOrderDayLimit: 14,
        content: '周末生鲜5折起：车厘子、阳光玫瑰、鲜牛奶限时抢，点卡片进入活动页。',
        miniProgramTitle: '周末生鲜5折起',
        miniProgramImg: images.cover,
        miniProgramUrl: 'pages/activity/weekend?from=wecom',
      },
    ],
  };
}

// ---------------------------------------------------------------- customers who buy

let purchases;

/**
 * Customers reached by a push keep buying: every 15 s a few of them place an order (as the
 * shop's order sync would write it), so the statistics' order figures move while you watch.
 * Orders go through youzan_orders' triggers like any other; capped at 15 % of the recipients.
 */
async function startPurchases() {
  const mysql = require('mysql2/promise');
  const { DateTime } = require('luxon');
  const conn = await mysql.createConnection({
    host: settings.dbHost,
    port: settings.dbPort,
    user: process.env.DB_USER || 'root',
    password: process.env.DB_PASSWORD || '',
    database: settings.db,
    charset: 'utf8mb4_unicode_520_ci',
    timezone: '+08:00',
  });
  let placed = 0;
  const tick = async () => {
    const [[{ pushed }]] = await conn.query(
      'SELECT COUNT(DISTINCT customer_id) AS pushed FROM wechat_push_deliveries WHERE accepted = 1 AND customer_id IS NOT NULL',
    );
    const want = Math.min(
      Math.ceil(Number(pushed) * 0.006),
      Math.floor(Number(pushed) * 0.15) - placed,
    );
    if (want <= 0) return;
    const [rows] = await conn.query(
      `SELECT DISTINCT customer_id AS id FROM wechat_push_deliveries
        WHERE accepted = 1 AND customer_id IS NOT NULL ORDER BY RAND() LIMIT ?`,
      [want],
    );
    for (const { id } of rows) {
      await conn.query(
        `INSERT INTO youzan_orders (order_number, user_ids, fans_nickname, order_creation_time, payment)
         SELECT CONCAT('E', DATE_FORMAT(NOW(), '%Y%m%d%H%i%s'), LPAD(FLOOR(RAND() * 100000000), 8, '0')),
                c.id, c.nickname, ?, ROUND(29 + RAND() * 150, 2)
           FROM customers c WHERE c.id = ?`,
        [DateTime.now().setZone(TZ).toFormat('yyyy-MM-dd HH:mm:ss'), id],
      );
      placed++;
    }
  };
  const loop = async () => {
    if (stopping) return;
    await tick().catch((e) => logStream?.write(`[demo] purchases: ${e.message}\n`));
    if (!stopping) purchases.timer = setTimeout(loop, 15_000);
  };
  purchases = { conn, timer: undefined };
  await loop();
}

// ---------------------------------------------------------------- main

async function main() {
  await preflight();
  fs.writeFileSync(logFile, '');
  logStream = fs.createWriteStream(logFile, { flags: 'a' });
  console.log(`WeCom Precision Push demo — database ${settings.db}, logs in ${logFile}`);

  const noBuild = argv.includes('--no-build');
  if (argv.includes('--build') || (!noBuild && buildNeeded())) {
    console.log('\n> build (npm run build; a few minutes the first time)');
    await run('build', 'npm', ['run', '--silent', 'build'], process.env);
  } else {
    console.log(
      `\n> build: ${noBuild ? 'skipped (--no-build)' : 'dist/ is up to date (--build forces it)'}`,
    );
    const missing = OUTPUTS.filter((f) => !fs.existsSync(path.join(ROOT, f)));
    if (missing.length)
      fail(`--no-build, but ${missing.join(', ')} missing: run without --no-build`);
  }
  if (stopping) return;
  // Resolved after the build: a fresh clone has them from `npm ci` either way.
  const { DateTime } = require('luxon');
  const Redis = require('ioredis');

  // Shared by the cli, the api and the worker.
  const appEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DB_NAME: settings.db,
    REDIS_KEY_PREFIX: settings.db,
    ADMIN_TOKENS: adminTokens,
    LOG_LEVEL: process.env.DEMO_LOG_LEVEL || 'info',
  };

  console.log(
    `\n> demo data: ${settings.db} re-created with ${settings.customers} customers and ${settings.orders} orders`,
  );
  const redis = new Redis(settings.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${settings.db}:*`, count: 1000 })) {
      if (keys.length) deleted += await redis.del(...keys);
    }
    if (deleted)
      console.log(`  deleted ${deleted} Redis keys of an earlier demo (${settings.db}:*)`);
  } finally {
    redis.disconnect();
  }
  await run(
    'gen',
    process.execPath,
    [
      'dist/apps/cli/main.js',
      'gen:demo',
      '--customers',
      String(settings.customers),
      '--orders',
      String(settings.orders),
    ],
    appEnv,
  );
  if (stopping) return;

  console.log('\n> starting the WeCom simulator, the api and a worker');
  assetServer = await startAssetServer();
  const assets = `http://127.0.0.1:${assetServer.address().port}`;
  const corpId = 'ww-demo-corp';
  const corpSecret = `demo-secret-${randomBytes(8).toString('hex')}`;
  const sim = start('simulator', process.execPath, ['dist/apps/wecom-simulator/main.js'], {
    ...process.env,
    PORT: String(settings.simPort),
    HOST: '127.0.0.1',
    SIM_CORP_ID: corpId,
    SIM_CORP_SECRET: corpSecret,
    SIM_SENDERS: 'zhangmin,liqiang,wangfang,chenjing,liuyang',
    SIM_LATENCY_MS: '40',
    SIM_JITTER_MS: '60',
    SIM_DISPATCH_DELAY_MS: '3000',
    SIM_SEND_DELAY_MS: '15000',
    // external ids end in a random base-62 character: ~1.6 % each.
    SIM_NOT_FRIEND_PATTERN: 'Z$',
    SIM_LOST_FRIEND_PATTERN: 'Y$',
    SIM_OVER_CAP_PATTERN: 'X$',
  });
  watch(sim);
  await sim.waitFor(/wecom-simulator listening/, 30_000);

  const runtimeEnv = {
    ...appEnv,
    PORT: String(settings.port),
    WECOM_API_BASE: simUrl,
    WECOM_CORP_ID: corpId,
    WECOM_CORP_SECRET: corpSecret,
    WECOM_MINIPROGRAM_APPID: 'wx5f8d2c1e0a9b7d63',
    MEDIA_ALLOWED_HOSTS: '127.0.0.1',
    PUSH_BATCH_SIZE: '500',
    DELIVERY_POLL_DELAY_MINUTES: '1',
    DELIVERY_POLL_INTERVAL_MINUTES: '1',
    REMIND_AFTER_MINUTES: '5',
  };
  const apiProc = start('api', process.execPath, ['dist/apps/api/main.js'], runtimeEnv);
  watch(apiProc);
  const worker = start('worker', process.execPath, ['dist/apps/worker/main.js'], runtimeEnv);
  watch(worker);
  await until(
    'api /health',
    async () => (await fetch(`${api}/health`)).status === 200,
    90_000,
    500,
  );
  await worker.waitFor(/worker started/, 90_000);

  console.log('\n> three example rules through the REST API');
  const { slot, rules } = exampleRules(DateTime, {
    poster: `${assets}/poster.png`,
    cover: `${assets}/cover.png`,
  });
  const ids = [];
  for (const rule of rules) {
    await call('/wechatpush/create', rule);
    const list = await call('/wechatpush/lists', { searchText: rule.name, page: 1, pagesize: 10 });
    const found = list.data.data.find((r) => r.name === rule.name);
    if (!found) throw new Error(`rule ${rule.name} not found after creating it`);
    const preview = await call('/wechatpush/preview', { id: found.id });
    ids.push(found.id);
    console.log(`  #${found.id} ${rule.name}: ${preview.data.count} customers today`);
  }

  const triggered = ids[1];
  const { data: trigger } = await call('/wechatpush/trigger', { id: triggered });
  console.log(
    `\n> triggered rule #${triggered} now (run #${trigger.runId}); waiting for it to complete`,
  );
  const FINAL = ['completed', 'failed', 'cancelled', 'skipped', 'missed'];
  let runView;
  try {
    runView = await until(
      `run #${trigger.runId}`,
      async () => {
        const res = await call('/wechatpush/runs', { id: triggered, page: 1, pagesize: 10 });
        const rows = res.data.data;
        const r = rows.find((x) => x.id === trigger.runId);
        return r && FINAL.includes(r.state) ? r : undefined;
      },
      settings.runTimeoutMs,
    );
    console.log(
      `  run #${runView.id} ${runView.state}: ${runView.audienceCount} recipients in ${runView.batchCount} batch(es), ` +
        `${runView.sentBatches} sent, ${runView.acceptedCount} accepted by WeCom, ${runView.failCount} not friends`,
    );
  } catch (e) {
    if (stopping) return;
    console.log(`  ! ${e.message}; see ${api}/admin (执行记录) and ${logFile}`);
  }

  const today = DateTime.now().setZone(TZ).toFormat('yyyy-MM-dd');
  const statsBody = JSON.stringify({ startTime: today, endTime: today });
  let stats;
  try {
    // Recipient rows are written by the delivery job a few seconds after the run finished.
    stats = await until(
      'statistics',
      async () => {
        const res = await call('/statistic/wechatpush/result', {
          startTime: today,
          endTime: today,
        });
        return res.data.pushCount > 0 ? res.data : undefined;
      },
      90_000,
    );
  } catch (e) {
    if (stopping) return;
    console.log(`  ! ${e.message}`);
  }

  await startPurchases();
  stats = await call('/statistic/wechatpush/result', { startTime: today, endTime: today }).then(
    (res) => res.data,
    () => stats,
  );
  const curl =
    `curl -s -X POST ${api}/statistic/wechatpush/result -H 'Authorization: Bearer ${token}' ` +
    `-H 'Content-Type: application/json' -d '${statsBody}'`;
  const line = '─'.repeat(78);
  console.log(
    [
      '',
      line,
      ` WeCom Precision Push demo is running (database ${settings.db})`,
      '',
      `   admin console    ${api}/admin   (sign in with the operator token)`,
      `   API (OpenAPI)    ${api}/docs    (browser: any user name, the token as password)`,
      `   queues           ${api}/queues  (same)`,
      `   health           ${api}/health`,
      `   WeCom simulator  ${simUrl}/__sim/messages  (every message "sent", the ledger)`,
      `   operator token   ${token}`,
      '',
      ` Rules: #${ids[0]} ${rules[0].name} fires by itself at ${slot.toFormat('HH:mm')} (Asia/Shanghai) today;`,
      `        #${ids[1]} ${rules[1].name} was triggered now; #${ids[2]} ${rules[2].name} waits for its weekday.`,
      ' Employees confirm ~15 s after a send and delivery is polled every minute, so executed /',
      ' delivered figures fill in over the next minutes; a few pushed customers buy every 15 s',
      ' (orderCount, buyerCount). Statistics of today, now:',
      stats
        ? `   pushCount ${stats.pushCount}, successCount ${stats.successCount}, deliveredCount ${stats.deliveredCount}, ` +
          `notFriendCount ${stats.notFriendCount}, orderCount ${stats.orderCount}`
        : '   (not available yet)',
      '',
      ` ${curl}`,
      '',
      ' Ctrl-C stops everything.',
      line,
    ].join('\n'),
  );
}

main().catch((e) => {
  if (stopping) return;
  void shutdown(
    1,
    `demo failed: ${e instanceof Error ? e.message : String(e)}\nFull logs: ${logFile}`,
  );
});
