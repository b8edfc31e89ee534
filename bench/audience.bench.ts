/**
 * `npm run bench:audience [-- --db wpp_bench --at 2025-07-01T10:00:00+08:00] [--set issue22]`
 *
 * `--set issue21 [--baseline DIR] [--rounds N]`: issue 21's four shapes (the seed's example,
 * 0–60 days × 7 labels, 0–180 days without labels, one city over 0–365 days), ours only —
 * and, with `--baseline DIR` (a checkout of the commit before, holding this same bench file),
 * the same children run from that tree against the same database, alternated per shape, so
 * the two codes are measured in one run. The tree's selection reads the tables the current
 * migrations left (an older code ignores the newer columns).
 *
 * `--set issue22`: only our selection, for the shapes of issue 22 (labelledGoods with 3
 * category labels, `all` with a city and a category, the same with an exclusion) side by
 * side with today's lastOrder rule over the same 3 categories and the 7-label rule.
 *
 * Measures audience selection on a data set made by `npm run gen:data` (see
 * docs/BENCHMARKS.md for the sizes used): for a 30–45-day rule with 7 labels and the same
 * rule without labels, ours (SelectAudienceService) and the seed's algorithm side by side.
 * Every scenario runs in its own child process, so peak RSS belongs to it alone; each runs
 * twice (cold, then warm) and reports both.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '@app/common';
import { AudienceRule, audienceCountQuery, audiencePageQuery } from '@app/audience';
import { genLabel } from '../apps/cli/src/gen-data.command';
import { startAudience } from '../libs/audience/test/audience-fixtures';
import { writeCost } from './audience-write-cost';
import { SeedMode, seedAudience, SeedStats } from './seed-audience';

const execFileAsync = promisify(execFile);

const WINDOW = { lastOrderDay: 30, lastOrderDayLimit: 45 };
/** 7 labels of the generated library: 1 city, 1 warehouse, 2 brands, 2 categories, 1 SKU. */
const LABELS: Partial<AudienceRule> = {
  cityLabels: '杭州',
  storeLabels: genLabel.warehouseBindId(0),
  brandLabels: [genLabel.brandName(9), genLabel.brandName(19)].join(','),
  cateLabels: [genLabel.categoryBindId(10), genLabel.categoryBindId(20)].join(','),
  skuLabels: genLabel.skuBindId(99),
};
const THREE_CATEGORIES = [10, 20, 30].map((i) => genLabel.categoryBindId(i)).join(',');
const RULES: Record<string, AudienceRule> = {
  '7 labels': { ...WINDOW, ...LABELS },
  'no labels': { ...WINDOW },
  // Wide enough that the seed's IN lists outgrow max_allowed_packet.
  '0–180 days, no labels': { lastOrderDay: 0, lastOrderDayLimit: 180 },
  '0–60 days, 7 labels': { lastOrderDay: 0, lastOrderDayLimit: 60, ...LABELS },
  '0–365 days, one city': { lastOrderDay: 0, lastOrderDayLimit: 365, cityLabels: '杭州' },
  // Issue 22's shapes, next to today's lastOrder rule over the same goods.
  'lastOrder, 3 categories': { ...WINDOW, cateLabels: THREE_CATEGORIES },
  'labelledGoods, 3 categories': {
    ...WINDOW,
    windowBasis: 'labelledGoods',
    cateLabels: THREE_CATEGORIES,
  },
  'all, city + category': {
    ...WINDOW,
    labelMatch: 'all',
    cityLabels: '杭州',
    cateLabels: genLabel.categoryBindId(10),
  },
  'all, city + category, exclusion': {
    ...WINDOW,
    labelMatch: 'all',
    cityLabels: '杭州',
    cateLabels: genLabel.categoryBindId(10),
    excludeBrandLabels: genLabel.brandName(9),
  },
};
const ISSUE21 = [
  '7 labels',
  '0–60 days, 7 labels',
  '0–180 days, no labels',
  '0–365 days, one city',
];
const ISSUE22 = [
  '7 labels',
  'lastOrder, 3 categories',
  'labelledGoods, 3 categories',
  'all, city + category',
  'all, city + category, exclusion',
];

interface RunResult {
  firstBatchMs: number;
  totalMs: number;
  audience: number;
  batches: number;
}

interface ChildResult {
  scenario: string;
  strategy?: string;
  prevCountMs?: number[];
  runs: RunResult[];
  countMs?: number[];
  rssBaseMb: number;
  rssPeakMb: number;
  seed?: SeedStats;
  error?: string;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

async function timeBatches(batches: AsyncIterable<string[]>): Promise<RunResult> {
  const started = process.hrtime.bigint();
  let first = 0;
  let audience = 0;
  let n = 0;
  for await (const b of batches) {
    if (n++ === 0) first = ms(started);
    audience += b.length;
  }
  return { firstBatchMs: first, totalMs: ms(started), audience, batches: n };
}

async function child(scenario: string, db: string, at: Date): Promise<ChildResult> {
  const [impl, ruleName, mode] = scenario.split('|');
  const rule = RULES[ruleName];
  if (impl === 'ours' || impl === 'probe') {
    process.env.DB_NAME = db;
    const h = await startAudience();
    // 'probe': the previous design, every label rule through the per-customer probe.
    if (impl === 'probe') h.audience.labelDrivenMaxRows = -1;
    try {
      const strategy = await h.audience.strategy(rule, at);
      const rssBase = process.memoryUsage().rss;
      const runs = [await timeBatches(h.audience.select(rule, at))];
      runs.push(await timeBatches(h.audience.select(rule, at)));
      const countMs: number[] = [];
      for (let i = 0; i < 2; i++) {
        const t = process.hrtime.bigint();
        const n = await h.audience.count(rule, at);
        countMs.push(ms(t));
        if (n !== runs[0].audience) throw new Error(`count ${n} ≠ select ${runs[0].audience}`);
      }
      // The previous count: COUNT(*) over the whole page statement (duplicate anti-join included).
      const prevCountMs: number[] = [];
      if (impl === 'probe') {
        const plan = await h.audience.queryPlan(rule, at);
        const q = audiencePageQuery(plan.criteria, plan.labels, null, 1_000_000_000, strategy);
        for (let i = 0; i < 2; i++) {
          const t = process.hrtime.bigint();
          const [row] = (await h.db.query(`SELECT COUNT(*) AS n FROM (${q.sql}) t`, q.params)) as {
            n: string;
          }[];
          prevCountMs.push(ms(t));
          if (Number(row.n) !== runs[0].audience) throw new Error('previous count differs');
        }
      }
      return {
        scenario,
        strategy,
        runs,
        countMs,
        prevCountMs,
        rssBaseMb: mb(rssBase),
        rssPeakMb: mb(peakRss()),
      };
    } finally {
      await h.close();
    }
  }
  const conn = await createConnection({
    ...connOptions(db),
    timezone: '+08:00',
    supportBigNumbers: true,
  });
  const rssBase = process.memoryUsage().rss;
  const runs: RunResult[] = [];
  let seed: SeedStats | undefined;
  try {
    for (let i = 0; i < 2; i++) {
      const started = process.hrtime.bigint();
      let first = 0;
      let audience = 0;
      let batches = 0;
      seed = await seedAudience(conn, rule, at, mode as SeedMode, (ids) => {
        if (batches++ === 0) first = ms(started);
        audience += ids.length;
      });
      runs.push({ firstBatchMs: first, totalMs: ms(started), audience, batches });
    }
    return { scenario, runs, rssBaseMb: mb(rssBase), rssPeakMb: mb(peakRss()), seed };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return {
      scenario,
      runs,
      rssBaseMb: mb(rssBase),
      rssPeakMb: mb(peakRss()),
      seed,
      error: `${err.code ?? ''} ${err.message ?? String(e)}`.trim().slice(0, 300),
    };
  } finally {
    await conn.end().catch(() => undefined);
  }
}

async function inChild(
  scenario: string,
  db: string,
  at: Date,
  root = process.cwd(),
): Promise<ChildResult> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      '--max-old-space-size=4096',
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      root === process.cwd() ? __filename : `${root}/bench/audience.bench.ts`,
      '--child',
      scenario,
      '--db',
      db,
      '--at',
      at.toISOString(),
    ],
    { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'silent' } },
  ).catch((e: { stdout?: string; stderr?: string; message: string }) => {
    if (e.stdout?.trim()) return { stdout: e.stdout };
    return {
      stdout: JSON.stringify({
        scenario,
        runs: [],
        rssBaseMb: 0,
        rssPeakMb: 0,
        error: (e.stderr || e.message).slice(-400),
      }),
    };
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
}

async function explain(db: string, at: Date, names: string[]): Promise<string> {
  process.env.DB_NAME = db;
  const h = await startAudience();
  try {
    const out: string[] = [];
    for (const name of names) {
      const { criteria: c, labels, strategy } = await h.audience.queryPlan(RULES[name], at);
      for (const [what, q] of [
        ['first page', audiencePageQuery(c, labels, null, 10_000, strategy)],
        ['count', audienceCountQuery(c, labels, strategy)],
      ] as const) {
        const rows = (await h.db.query(`ANALYZE ${q.sql}`, q.params)) as Record<string, unknown>[];
        out.push(`-- ${name}: ANALYZE (EXPLAIN with actual rows) of the ${what}, plan ${strategy}`);
        const cols = [
          'id',
          'select_type',
          'table',
          'type',
          'key',
          'rows',
          'r_rows',
          'filtered',
          'r_filtered',
          'Extra',
        ];
        out.push(cols.join(' | '));
        for (const r of rows) out.push(cols.map((c) => String(r[c] ?? '')).join(' | '));
      }
    }
    const [pool] = (await h.db.query(
      `SELECT @@innodb_buffer_pool_size AS pool, @@max_allowed_packet AS packet, VERSION() AS version`,
    )) as { pool: number; packet: number; version: string }[];
    const sizes = (await h.db.query(
      `SELECT TABLE_NAME AS t, TABLE_ROWS AS approxRows,
              ROUND((DATA_LENGTH + INDEX_LENGTH) / 1024 / 1024) AS mb
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY t`,
    )) as { t: string; approxRows: number; mb: number }[];
    out.push(
      `server ${pool.version}, innodb_buffer_pool_size ${mb(pool.pool)} MiB, max_allowed_packet ${mb(pool.packet)} MiB`,
    );
    for (const s of sizes) out.push(`  ${s.t}: ~${s.approxRows} rows, ${s.mb} MiB`);
    return out.join('\n');
  } finally {
    await h.close();
  }
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const db = arg('db', 'wpp_bench');
  const at = new Date(arg('at', '2025-07-01T10:00:00+08:00'));
  const childScenario = arg('child', '');
  if (childScenario) {
    process.stdout.write(`${JSON.stringify(await child(childScenario, db, at))}\n`);
    return;
  }
  if (arg('set', '') === 'write-cost') {
    return writeCost(Number(arg('rows', '20000')), Number(arg('rounds', '3')));
  }
  const conn = await createConnection(connOptions(db));
  const [counts] = await conn.query(
    `SELECT (SELECT COUNT(*) FROM customers) AS customers,
            (SELECT COUNT(*) FROM youzan_orders) AS orders,
            (SELECT COUNT(*) FROM wechat_customers_labels) AS links`,
  );
  await conn.end();
  console.log(`data set ${db}:`, counts, 'at', at.toISOString());
  const issue22 = arg('set', '') === 'issue22';
  const issue21 = arg('set', '') === 'issue21';
  console.log(
    await explain(
      db,
      at,
      issue21 ? ISSUE21 : issue22 ? ISSUE22.slice(1) : ['7 labels', 'no labels'],
    ),
  );
  if (issue21) return issue21Run(db, at, arg('baseline', ''), Number(arg('rounds', '1')));

  const scenarios = issue22
    ? ISSUE22.map((r) => `ours|${r}`)
    : [
        'ours|7 labels',
        'probe|7 labels',
        'seed|7 labels|query',
        'ours|no labels',
        'probe|no labels',
        'seed|no labels|query',
        'seed|7 labels|execute',
        'ours|0–180 days, no labels',
        'seed|0–180 days, no labels|query',
        'ours|0–60 days, 7 labels',
        'probe|0–60 days, 7 labels',
        'seed|0–60 days, 7 labels|query',
      ];
  const results: ChildResult[] = [];
  for (const s of scenarios) {
    const r = await inChild(s, db, at);
    results.push(r);
    console.log(JSON.stringify(r));
  }
  console.log(
    '\n| scenario | plan | audience | first batch cold / warm (ms) | total cold / warm (ms) | count (ms) | previous count (ms) | RSS base → peak (MiB) | notes |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const [c, w] = r.runs;
    const f = (x?: number) => (x === undefined ? '–' : x.toFixed(0));
    const notes = [
      r.seed
        ? `orders ${r.seed.windowOrders}, buyers ${r.seed.uniqueUids}, largest SQL ${mb(r.seed.largestSqlBytes)} MiB / ${r.seed.largestPlaceholders} values`
        : '',
      r.error ? `FAILED: ${r.error}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    console.log(
      `| ${r.scenario} | ${r.strategy ?? '–'} | ${c?.audience ?? '–'} | ${f(c?.firstBatchMs)} / ${f(w?.firstBatchMs)} | ${f(c?.totalMs)} / ${f(w?.totalMs)} | ${r.countMs?.map((x) => x.toFixed(0)).join(' / ') ?? '–'} | ${r.prevCountMs?.length ? r.prevCountMs.map((x) => x.toFixed(0)).join(' / ') : '–'} | ${r.rssBaseMb} → ${r.rssPeakMb} | ${notes} |`,
    );
  }
  if (issue22) return;
  const ratio = (rule: string) => {
    const ours = results.find((r) => r.scenario === `ours|${rule}`)?.runs[1];
    const seed = results.find((r) => r.scenario === `seed|${rule}|query`)?.runs[1];
    return ours && seed ? (seed.totalMs / ours.totalMs).toFixed(1) : 'n/a';
  };
  const vsProbe = (rule: string, pick: (r: ChildResult) => number | undefined) => {
    const ours = results.find((r) => r.scenario === `ours|${rule}`);
    const prev = results.find((r) => r.scenario === `probe|${rule}`);
    const a = ours && pick(ours);
    const b = prev && pick(prev);
    return a && b ? (b / a).toFixed(1) : 'n/a';
  };
  console.log(
    `\nseed ÷ ours, warm total: 7 labels ${ratio('7 labels')}×, no labels ${ratio('no labels')}×`,
  );
  for (const rule of ['7 labels', 'no labels', '0–60 days, 7 labels']) {
    console.log(
      `previous ÷ ours (${rule}), warm: first batch ${vsProbe(rule, (r) => r.runs[1]?.firstBatchMs)}×, ` +
        `total ${vsProbe(rule, (r) => r.runs[1]?.totalMs)}×, ` +
        `count ${vsProbe(rule, (r) => (r.scenario.startsWith('probe') ? r.prevCountMs?.[1] : r.countMs?.[1]))}×`,
    );
  }
}

/**
 * Issue 21: each shape by our code and, with a baseline tree, by that tree's code, alternated
 * (round r: ours first when r is odd), each in a child process of its own.
 */
async function issue21Run(db: string, at: Date, baseline: string, rounds: number): Promise<void> {
  const rows: { code: string; r: ChildResult }[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const shape of ISSUE21) {
      const sides = baseline ? ['ours', 'baseline'] : ['ours'];
      if (round % 2 === 0) sides.reverse();
      for (const code of sides) {
        const r = await inChild(
          `ours|${shape}`,
          db,
          at,
          code === 'ours' ? process.cwd() : baseline,
        );
        rows.push({ code, r });
        console.log(JSON.stringify({ round, code, ...r }));
      }
    }
  }
  console.log(
    '\n| shape | code | plan | audience | first batch cold / warm (ms) | whole audience cold / warm (ms) | count (ms) | RSS base → peak (MiB) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const f = (x?: number) => (x === undefined ? '–' : x.toFixed(0));
  for (const { code, r } of rows) {
    const [c, w] = r.runs;
    console.log(
      `| ${r.scenario.split('|')[1]} | ${code} | ${r.strategy ?? '–'} | ${c?.audience ?? '–'} | ${f(c?.firstBatchMs)} / ${f(w?.firstBatchMs)} | ${f(c?.totalMs)} / ${f(w?.totalMs)} | ${r.countMs?.map((x) => x.toFixed(0)).join(' / ') ?? '–'} | ${r.rssBaseMb} → ${r.rssPeakMb}${r.error ? ` FAILED: ${r.error}` : ''} |`,
    );
  }
}

function connOptions(db: string) {
  const config = loadConfig({ ...process.env, DB_NAME: db });
  return {
    host: config.DB_HOST,
    port: config.DB_PORT,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
    database: db,
  };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
