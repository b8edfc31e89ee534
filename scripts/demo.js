#!/usr/bin/env node
/**
 * `npm run demo`: the whole system working on a made-up grocery chain, in one terminal.
 *
 *  1. builds (skipped when dist/ is newer than every source file; --build forces, --no-build skips);
 *  2. re-creates the demo database (DEMO_DB, default wecom_push_demo) with `gen:demo`: its
 *     customers (the WeCom simulator's contacts) and an order file of fresh orders relative to
 *     now, so day-window rules find people today; the demo's Redis keys (prefix = DEMO_DB) are
 *     deleted, so nothing of an earlier demo run is replayed;
 *  3. brings the orders in through the ingestion core with `import:orders FILE` (the file
 *     import of docs/INGEST.md): labels, label links and projections are the import's work;
 *  4. starts the WeCom simulator (SIM_PORT, default 8090) with the corp the customers come
 *     from, the Youzan simulator (YZ_SIM_PORT, default 8091), the api (PORT, default 3000) and
 *     one worker pointed at both (the worker pulls the shop's trades every minute), plus a tiny
 *     image server on 127.0.0.1 for the rules' pictures;
 *  5. syncs the WeCom contacts (POST /wecom/contacts/sync), creates three example rules
 *     through the REST API, triggers one, waits until its run is complete, lets one recipient
 *     delete their store guide (WeCom's callback makes them unreachable) and prints the URLs,
 *     the operator token and a curl for the statistics. While the
 *     demo runs, the shop sells (new Youzan trades, pushed at once and pulled every minute) and
 *     pushed customers buy (small order files uploaded to POST /import/orders).
 *
 * Ctrl-C (SIGINT) or SIGTERM stops every child gracefully and exits 0; a child that dies on
 * its own stops the demo with exit code 1. Sizes: DEMO_CUSTOMERS, DEMO_ORDERS. Every child's
 * full log goes to a file (printed at start); the terminal shows warnings and errors.
 */
/* global fetch, URL, FormData, Blob */
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
  yzSimPort: intEnv('YZ_SIM_PORT', 8091, 1, 65535),
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
if (new Set([settings.port, settings.simPort, settings.yzSimPort]).size !== 3) {
  fail('PORT, SIM_PORT and YZ_SIM_PORT must differ');
}
/** The seed of the demo company and of the WeCom simulator's corp its customers come from. */
const DEMO_SEED = 7;

/** The operator token: the first of ADMIN_TOKENS when set, else a fresh one per demo run. */
const adminTokens = process.env.ADMIN_TOKENS?.trim() || `1:demo-${randomBytes(9).toString('hex')}`;
const token = adminTokens.split(',')[0].split(':').slice(1).join(':').trim();

const api = `http://localhost:${settings.port}`;
const simUrl = `http://127.0.0.1:${settings.simPort}`;
const yzSimUrl = `http://127.0.0.1:${settings.yzSimPort}`;
const logFile = path.join(os.tmpdir(), `${settings.db}.log`);
/** The order file gen:demo writes and import:orders reads; the uploads of the demo's buyers. */
const orderFile = path.join(os.tmpdir(), `${settings.db}-orders.csv`);
const importDir = path.join(os.tmpdir(), `${settings.db}-imports`);

// ---------------------------------------------------------------- children and shutdown

/** Every process this script started and has not seen exit: name → child. */
const children = new Map();
let stopping = false;
let logStream;

const COLORS = {
  build: 33,
  gen: 33,
  import: 33,
  simulator: 32,
  'youzan-simulator': 32,
  api: 36,
  worker: 35,
};
/** import:orders prints a line per 500 orders: the terminal gets one every few seconds. */
const IMPORT_PROGRESS = /^import \d+: \d+ rows, /;
let lastProgressShown = 0;
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
  if (important && name === 'import' && IMPORT_PROGRESS.test(text)) {
    important = Date.now() - lastProgressShown > 5000;
    if (important) lastProgressShown = Date.now();
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
  if (shop) clearTimeout(shop.timer);
  let clean = await stopChildren(['build', 'gen', 'import'], 10_000);
  clean = (await stopChildren(['api', 'worker'], 40_000)) && clean;
  clean = (await stopChildren(['simulator', 'youzan-simulator'], 10_000)) && clean;
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
      void shutdown(0, `${sig}: stopping the worker, the api and the simulators…`);
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
    ['Youzan simulator', settings.yzSimPort, 'YZ_SIM_PORT'],
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
  'dist/apps/youzan-simulator/main.js',
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

async function get(route) {
  const res = await fetch(`${api}${route}`, { headers: { authorization: `Bearer ${token}` } });
  const json = await res.json().catch(() => null);
  if (!res.ok || !json?.success) throw new Error(`${route} answered HTTP ${res.status}`);
  return json.data;
}

/** `n` random letters and digits (WeCom's callback Token and EncodingAESKey alphabet). */
function alnum(n) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(n), (b) => abc[b % abc.length]).join('');
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

/** A connection to the demo's database: this script only reads it. */
function connectDemoDb() {
  return require('mysql2/promise').createConnection({
    host: settings.dbHost,
    port: settings.dbPort,
    user: process.env.DB_USER || 'root',
    password: process.env.DB_PASSWORD || '',
    database: settings.db,
    charset: 'utf8mb4_unicode_520_ci',
    timezone: '+08:00',
    dateStrings: true,
  });
}

/** When the Youzan feed last succeeded (order_feeds), or undefined before the first pull. */
async function readYouzanFeed() {
  const conn = await connectDemoDb();
  try {
    const [rows] = await conn.query(
      "SELECT last_success_at AS at FROM order_feeds WHERE feed = 'youzan' AND last_success_at IS NOT NULL",
    );
    return rows[0]?.at;
  } finally {
    await conn.end();
  }
}

/**
 * What pushed customers buy: products of the demo catalog (apps/cli/src/demo-catalog.ts) with
 * the SKU codes gen:demo gives them — sku, name, brand, category id and name, price.
 */
const BASKET = [
  ['SKU10001', '伊利纯牛奶 250ml×24', '伊利', '2001', '乳制品', 6290],
  ['SKU10004', '蒙牛纯牛奶 250ml×24', '蒙牛', '2001', '乳制品', 5590],
  ['SKU10005', '蒙牛特仑苏纯牛奶 250ml×12', '蒙牛', '2001', '乳制品', 5990],
  ['SKU10014', '百果园阳光玫瑰葡萄 500g', '百果园', '2002', '新鲜水果', 2990],
  ['SKU10017', '佳农智利车厘子 JJ级 1kg', '佳农', '2002', '新鲜水果', 11800],
  ['SKU10023', '正大鲜鸡蛋 30枚', '正大', '2004', '肉禽蛋品', 2690],
];
const FILE_HEADER =
  'order_number,order_time,status,payment,refunded_fee,customer_id,nickname,city,warehouse_id,warehouse_name,sku_id,sku_name,brand,category_id,category_name,quantity,price';
const yuan = (fen) => (fen / 100).toFixed(2);
const csvCell = (v) => {
  const text = String(v ?? '');
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Uploads an order file to the api's import (the worker runs it, as for an operator's file). */
async function uploadOrders(rows, name) {
  const csv = [FILE_HEADER, ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), name);
  form.append('dryRun', 'false');
  const res = await fetch(`${api}/import/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (!res.ok) throw new Error(`/import/orders answered HTTP ${res.status}: ${await res.text()}`);
}

/**
 * Customers reached by a push keep buying: every 15 s a few of them place an order, which
 * comes in as a small order file uploaded to `POST /import/orders` (the shop's export), so the
 * statistics' order figures move while you watch; capped at 15 % of the recipients. Now and
 * then an earlier purchase is refunded, in part or in full — the same order sent again with
 * its refund: the effect page's revenue goes down, a full refund drops the order. This script
 * only reads the database (who was pushed, their city and warehouse); the import writes.
 */
async function startPurchases() {
  const { DateTime } = require('luxon');
  const conn = await connectDemoDb();
  /** The demo's own orders: number → rows, for a refund later. */
  const placed = [];
  let sequence = 0;
  const tick = async () => {
    const [[{ pushed }]] = await conn.query(
      'SELECT COUNT(DISTINCT customer_id) AS pushed FROM wechat_push_deliveries WHERE accepted = 1 AND customer_id IS NOT NULL',
    );
    const want = Math.min(
      Math.ceil(Number(pushed) * 0.006),
      Math.floor(Number(pushed) * 0.15) - placed.length,
    );
    const rows = [];
    if (want > 0) {
      const [buyers] = await conn.query(
        `SELECT c.id, c.nickname,
                (SELECT l.name FROM wechat_customers_labels w JOIN wechat_labels l ON l.id = w.label_id
                  WHERE w.customer_id = c.id AND l.type = 0 LIMIT 1) AS city,
                (SELECT CONCAT(l.bind_id, '\t', l.name) FROM wechat_customers_labels w
                   JOIN wechat_labels l ON l.id = w.label_id
                  WHERE w.customer_id = c.id AND l.type = 1 LIMIT 1) AS warehouse
           FROM (SELECT DISTINCT customer_id FROM wechat_push_deliveries
                  WHERE accepted = 1 AND customer_id IS NOT NULL ORDER BY RAND() LIMIT ?) d
           JOIN customers c ON c.id = d.customer_id`,
        [want],
      );
      const now = DateTime.now().setZone(TZ);
      for (const b of buyers) {
        const items = [BASKET[Math.floor(Math.random() * BASKET.length)]];
        const second = BASKET[Math.floor(Math.random() * BASKET.length)];
        if (Math.random() < 0.3 && second !== items[0]) items.push(second);
        const quantities = items.map(() => (Math.random() < 0.8 ? 1 : 2));
        const paymentFen = items.reduce((sum, it, k) => sum + it[5] * quantities[k], 0);
        const [whId, whName] = (b.warehouse ?? '\t').split('\t');
        const order = {
          number: `D${now.toFormat('yyyyMMddHHmmss')}${String(++sequence).padStart(5, '0')}`,
          time: now.toFormat('yyyy-MM-dd HH:mm:ss'),
          paymentFen,
          lines: (status, refundedFen) =>
            items.map((it, k) => [
              order.number,
              order.time,
              status,
              yuan(paymentFen),
              refundedFen ? yuan(refundedFen) : '',
              b.id,
              b.nickname,
              b.city ?? '',
              whId,
              whName,
              it[0],
              it[1],
              it[2],
              it[3],
              it[4],
              quantities[k],
              yuan(it[5]),
            ]),
          refunded: false,
        };
        placed.push(order);
        rows.push(...order.lines('paid'));
        // Now and then an earlier purchase is refunded, in full or in part.
        const earlier = placed.find((o) => !o.refunded && o !== order);
        if (earlier && Math.random() < 0.05) {
          earlier.refunded = true;
          rows.push(
            ...(Math.random() < 0.5
              ? earlier.lines('refunded', earlier.paymentFen)
              : earlier.lines('paid', Math.round(earlier.paymentFen * 0.3))),
          );
        }
      }
    }
    if (rows.length) await uploadOrders(rows, `demo-purchases-${sequence}.csv`);
  };
  const loop = async () => {
    if (stopping) return;
    await tick().catch((e) => logStream?.write(`[demo] purchases: ${e.message}\n`));
    if (!stopping) purchases.timer = setTimeout(loop, 15_000);
  };
  purchases = { conn, timer: undefined };
  await loop();
}

// ---------------------------------------------------------------- the shop sells

let shop;

async function yzSim(route, body) {
  const res = await fetch(`${yzSimUrl}/__sim/${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Youzan simulator ${route}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * The Youzan shop keeps selling: every 20 s one or two new trades, each announced at once by a
 * signed push message to the api's /youzan/push (which reads the trade back and stores it),
 * and now and then a refund; the worker's pull every minute brings in whatever a push missed.
 */
function startShop() {
  const sold = [];
  const tick = async () => {
    const { tids } = await yzSim('trades', { count: 1 + Math.floor(Math.random() * 2) });
    for (const tid of tids) await yzSim('push', { tid, type: 'trade_TradePaid' });
    sold.push(...tids);
    if (sold.length > 3 && Math.random() < 0.15) {
      const tid = sold.splice(Math.floor(Math.random() * sold.length), 1)[0];
      await yzSim(`trades/${tid}`, { action: 'refund' });
      await yzSim('push', { tid, type: 'trade_refund_RefundSuccess' });
    }
  };
  const loop = async () => {
    if (stopping) return;
    await tick().catch((e) => logStream?.write(`[demo] shop: ${e.message}\n`));
    if (!stopping) shop.timer = setTimeout(loop, 20_000);
  };
  shop = { timer: setTimeout(loop, 20_000) };
}

// ---------------------------------------------------------------- a deletion arrives

/**
 * A customer who received the push deletes every member who follows them (del_follow_user):
 * the simulator sends WeCom's encrypted callbacks to /wecom/callback, the worker processes them
 * and the customer is unreachable (contact_unreachable, no_follow) — read here, never written.
 */
async function deleteAGuide() {
  const res = await fetch(`${simUrl}/__sim/messages`);
  const { messages } = await res.json();
  const ext = messages.flatMap((m) => m.externalUserIds).find((id) => /^wmc/.test(id));
  if (!ext) throw new Error('no recipient in the ledger');
  const contact = await (await fetch(`${simUrl}/__sim/corp/contacts/${ext}`)).json();
  const started = Date.now();
  for (const follow of contact.follows ?? []) {
    const r = await fetch(`${simUrl}/__sim/corp/follows/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ externalUserId: ext, userid: follow.userid, by: 'customer' }),
    });
    if (!r.ok) throw new Error(`the simulator refused the deletion: HTTP ${r.status}`);
  }
  const conn = await connectDemoDb();
  try {
    await until(
      `${ext} unreachable`,
      async () => {
        const [rows] = await conn.query(
          "SELECT 1 FROM contact_unreachable WHERE external_userid = ? AND reason = 'no_follow'",
          [ext],
        );
        return rows.length > 0;
      },
      60_000,
      250,
    );
  } finally {
    await conn.end();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const members = (contact.follows ?? []).map((f) => f.userid).join(', ');
  console.log(
    `\n> ${ext} deleted their store guide (${members}): WeCom's callback arrived, unreachable after ${seconds} s`,
  );
  return { ext, members, seconds };
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
    // One operator creates and triggers the example rules: nobody else could approve them
    // or confirm a large trigger.
    RULE_APPROVAL: process.env.RULE_APPROVAL || 'off',
    APPROVAL_CONFIRM_ABOVE: process.env.APPROVAL_CONFIRM_ABOVE || '0',
    LOG_LEVEL: process.env.DEMO_LOG_LEVEL || 'info',
  };

  console.log(
    `\n> demo data: ${settings.db} re-created with ${settings.customers} customers (the WeCom simulator's contacts); ` +
      `${settings.orders} orders written to ${orderFile}`,
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
      '--seed',
      String(DEMO_SEED),
      '--out',
      orderFile,
    ],
    appEnv,
  );
  if (stopping) return;

  console.log(
    `\n> orders in through the ingestion core: import:orders ${orderFile} (docs/INGEST.md)`,
  );
  await run('import', process.execPath, ['dist/apps/cli/main.js', 'import:orders', orderFile], {
    ...appEnv,
    IMPORT_DIR: importDir,
  });
  if (stopping) return;

  console.log('\n> starting the WeCom simulator, the Youzan simulator, the api and a worker');
  assetServer = await startAssetServer();
  const assets = `http://127.0.0.1:${assetServer.address().port}`;
  const corpId = 'ww-demo-corp';
  const corpSecret = `demo-secret-${randomBytes(8).toString('hex')}`;
  // Change callbacks (a customer deletes their guide…): the simulator signs and encrypts them
  // for the api's /wecom/callback with the same Token and EncodingAESKey.
  const callback = { token: alnum(24), aesKey: alnum(43) };
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
    // The corp the customers are contacts of (gen:demo's DEMO_CORP, seed and size).
    SIM_CORP_SEED: String(DEMO_SEED),
    SIM_CORP_CONTACTS: String(settings.customers),
    SIM_CORP_MEMBERS: '5',
    SIM_CORP_UNIONID_RATE: '0.7',
    SIM_CORP_MOBILE_RATE: '0.3',
    // external ids end in a base-36 digit of the contact's index: ~2.8 % each.
    SIM_NOT_FRIEND_PATTERN: 'z$',
    SIM_LOST_FRIEND_PATTERN: 'y$',
    SIM_OVER_CAP_PATTERN: 'x$',
    SIM_CALLBACK_URL: `${api}/wecom/callback`,
    SIM_CALLBACK_TOKEN: callback.token,
    SIM_CALLBACK_AES_KEY: callback.aesKey,
  });
  watch(sim);
  await sim.waitFor(/wecom-simulator listening/, 30_000);
  // The shop: 300 trades of the last 30 days by its own buyers (not WeCom contacts), more
  // while the demo runs; push messages go to the api.
  const youzan = {
    clientId: 'yz-demo-client',
    clientSecret: `yz-demo-secret-${randomBytes(8).toString('hex')}`,
    kdtId: '90001',
  };
  const yzSimProc = start(
    'youzan-simulator',
    process.execPath,
    ['dist/apps/youzan-simulator/main.js'],
    {
      ...process.env,
      PORT: String(settings.yzSimPort),
      HOST: '127.0.0.1',
      YZ_SIM_CLIENT_ID: youzan.clientId,
      YZ_SIM_CLIENT_SECRET: youzan.clientSecret,
      YZ_SIM_KDT_ID: youzan.kdtId,
      YZ_SIM_TRADES: '300',
      YZ_SIM_DAYS: '30',
      YZ_SIM_PUSH_URL: `${api}/youzan/push`,
    },
  );
  watch(yzSimProc);
  await yzSimProc.waitFor(/youzan-simulator listening/, 30_000);

  const runtimeEnv = {
    ...appEnv,
    PORT: String(settings.port),
    WECOM_API_BASE: simUrl,
    WECOM_CORP_ID: corpId,
    WECOM_CORP_SECRET: corpSecret,
    WECOM_MINIPROGRAM_APPID: 'wx5f8d2c1e0a9b7d63',
    WECOM_CALLBACK_TOKEN: callback.token,
    WECOM_CALLBACK_AES_KEY: callback.aesKey,
    MEDIA_ALLOWED_HOSTS: '127.0.0.1',
    PUSH_BATCH_SIZE: '500',
    DELIVERY_POLL_DELAY_MINUTES: '1',
    DELIVERY_POLL_INTERVAL_MINUTES: '1',
    REMIND_AFTER_MINUTES: '5',
    YOUZAN_API_URL: yzSimUrl,
    YOUZAN_CLIENT_ID: youzan.clientId,
    YOUZAN_CLIENT_SECRET: youzan.clientSecret,
    YOUZAN_KDT_ID: youzan.kdtId,
    YOUZAN_PULL_INTERVAL_MINUTES: '1',
    YOUZAN_INITIAL_PULL_DAYS: '31',
    IMPORT_DIR: importDir,
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
  // The worker's first Youzan pull (at its start, then every minute) brings the shop's trades.
  try {
    const pulledAt = await until('the first Youzan pull', readYouzanFeed, 90_000);
    console.log(
      `  Youzan: the worker pulled the shop's trades (${yzSimUrl}) at ${pulledAt}; it pulls every minute`,
    );
  } catch (e) {
    if (stopping) return;
    console.log(`  ! ${e.message}; see ${logFile}`);
  }

  // The customers as WeCom knows them: a full contact sync (follow relations, corp tags, owner),
  // linking each contact to the customer already holding its external id.
  console.log('\n> WeCom contacts: a full sync through the API (POST /wecom/contacts/sync)');
  try {
    const { id: syncId } = await call('/wecom/contacts/sync', {}).then((r) => r.data);
    const sync = await until(
      'the contact sync',
      async () => {
        const { lastFull } = await get('/wecom/contacts/sync/status');
        if (lastFull?.id === syncId && lastFull.state === 'failed') {
          throw new Error(`the contact sync failed: ${lastFull.error}`);
        }
        return lastFull?.id === syncId && lastFull.state === 'completed' ? lastFull : undefined;
      },
      300_000,
    );
    const match = await get('/wecom/contacts/match');
    console.log(
      `  ${sync.rowsRead} follow relations of ${match.contacts} contacts read; ` +
        `${match.byMethod.existing} were customers already, ${sync.customersCreated} new; ` +
        `${match.buyersMatched} of ${match.buyers} buyers reachable (${(match.buyerMatchRate * 100).toFixed(1)} %)`,
    );
  } catch (e) {
    if (stopping) return;
    console.log(`  ! ${e.message}; see ${logFile}`);
  }

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
    const feed = preview.data.orderFeed;
    console.log(
      `  #${found.id} ${rule.name}: ${preview.data.count} customers today` +
        (feed?.lastSuccessAt ? ` (orders as fresh as ${feed.lastSuccessAt})` : ''),
    );
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

  // A recipient deletes their store guide: WeCom's callback arrives and they become unreachable.
  let deletion;
  try {
    deletion = await deleteAGuide();
  } catch (e) {
    if (stopping) return;
    console.log(`  ! a deletion did not arrive: ${e.message}`);
  }
  await startPurchases();
  startShop();
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
      `   Youzan simulator ${yzSimUrl}/__sim/orders  (the shop's trades; the worker pulls them)`,
      `   operator token   ${token}`,
      '',
      ` Rules: #${ids[0]} ${rules[0].name} fires by itself at ${slot.toFormat('HH:mm')} (Asia/Shanghai) today;`,
      `        #${ids[1]} ${rules[1].name} was triggered now; #${ids[2]} ${rules[2].name} waits for its weekday.`,
      ` Orders came in through the ingestion core: ${orderFile} by import:orders;`,
      ' the shop sells every 20 s (Youzan push + pull) and a few pushed customers buy every 15 s',
      ` (order files uploaded to /import/orders: ${api}/admin, or /import/list).`,
      ' Employees confirm ~15 s after a send and delivery is polled every minute, so executed /',
      ' delivered figures fill in over the next minutes, and orderCount, buyerCount move.',
      ...(deletion
        ? [
            ` Customer ${deletion.ext} deleted their store guide (${deletion.members}): the callback made them`,
            ` unreachable after ${deletion.seconds} s; runs leave them out (contact policy: unreachable).`,
          ]
        : []),
      ' Statistics of today, now:',
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
