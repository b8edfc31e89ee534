import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfigModule, ClockModule, RedisModule } from '@app/common';
import { AudienceModule, AudienceRule, SelectAudienceService } from '@app/audience';
import { DatabaseModule } from '@app/database';
import { YouzanModule, YouzanPullService } from '@app/youzan';
import { startYouzanSimulator } from '../apps/youzan-simulator/src/start-youzan-simulator';
import type { SimOrderView } from '../apps/youzan-simulator/src/trade-book';

@Module({
  imports: [
    AppConfigModule,
    ClockModule,
    DatabaseModule,
    RedisModule,
    YouzanModule,
    AudienceModule,
  ],
})
class YouzanBenchModule {}

/** Everyone whose last order is today (Shanghai): the new trades' buyers join it. */
const TODAY: AudienceRule = { lastOrderDay: 0, lastOrderDayLimit: 0 };
const VISIBLE_DEADLINE_MS = 120_000;

interface YouzanBenchOptions {
  db: string;
  customers: number;
  /** Trades the simulator starts with (30 days), pulled once before the measured pull. */
  seeded: number;
  /** New trades the measured pull brings. */
  trades: number;
  redisPrefix: string;
}

const seconds = (from: number) => ((Date.now() - from) / 1000).toFixed(2);

/**
 * `bench:ingest`'s Youzan half: an incremental pull of `trades` new trades, timed until the
 * audience (SelectAudienceService.count) includes every reachable buyer of them. The
 * simulator's buyers are linked to customers of the data set first (their youzan_buyer_id),
 * as a shop whose buyers are mostly known; a buyer first seen in the new trades is created
 * (no external id: not reachable, so not expected in the audience).
 */
export async function youzanBench(o: YouzanBenchOptions): Promise<void> {
  const sim = await startYouzanSimulator({
    settings: {
      clientId: `yz-bench-${randomBytes(4).toString('hex')}`,
      clientSecret: randomBytes(12).toString('hex'),
      trades: o.seeded,
      days: 30,
      seed: 20,
    },
  });
  const control = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.url}/__sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  Object.assign(process.env, {
    DB_NAME: o.db,
    REDIS_KEY_PREFIX: o.redisPrefix,
    LOG_LEVEL: 'silent',
    YOUZAN_API_URL: sim.url,
    YOUZAN_CLIENT_ID: sim.settings.clientId,
    YOUZAN_CLIENT_SECRET: sim.settings.clientSecret,
    YOUZAN_KDT_ID: sim.settings.kdtId,
    YOUZAN_INITIAL_PULL_DAYS: '31',
  });
  const ctx = await NestFactory.createApplicationContext(YouzanBenchModule, { logger: ['error'] });
  try {
    const db = ctx.get(DataSource);
    const pulls = ctx.get(YouzanPullService);
    const audience = ctx.get(SelectAudienceService);

    // Earlier runs' links and watermark go; each seeded buyer becomes a customer of the data set.
    await db.query(
      "UPDATE customers SET youzan_buyer_id = NULL, unionid = NULL, mobile = NULL WHERE youzan_buyer_id LIKE 'yzo%'",
    );
    await db.query('DELETE FROM youzan_pull_state WHERE kdt_id = ?', [sim.settings.kdtId]);
    const seededViews = (await control<{ orders: SimOrderView[] }>('GET', 'orders')).orders;
    const buyers = [...new Set(seededViews.map((v) => v.buyer))].sort();
    const step = Math.max(1, Math.floor(o.customers / (buyers.length + 1)));
    for (let i = 0; i < buyers.length; i += 1000) {
      const chunk = buyers.slice(i, i + 1000);
      await db.query(
        `UPDATE customers SET youzan_buyer_id = CASE id ${chunk.map(() => 'WHEN ? THEN ?').join(' ')} END
          WHERE id IN (?)`,
        [
          ...chunk.flatMap((b, k) => [1 + (i + k) * step, b]),
          chunk.map((_, k) => 1 + (i + k) * step),
        ],
      );
    }
    let t = Date.now();
    const warm = await pulls.pull();
    console.log(
      `\n## Youzan: ${o.seeded} seeded trades (${buyers.length} buyers linked to customers), first pull ${seconds(t)} s: ` +
        JSON.stringify({ ...warm, window: undefined }),
    );

    const tids = (await control<{ tids: string[] }>('POST', 'trades', { count: o.trades })).tids;
    const at = new Date();
    const before = new Set<string>();
    for await (const batch of audience.select(TODAY, at)) for (const e of batch) before.add(e);
    const requestsBefore = (await control<{ requests: Record<string, number> }>('GET', 'stats'))
      .requests;

    t = Date.now();
    const report = await pulls.pull();
    const pulled = Date.now() - t;
    // Who the audience must now hold: those before, and every reachable buyer of the new orders.
    const reachable: { e: string }[] = await db.query(
      `SELECT DISTINCT c.external_userid AS e FROM youzan_orders o JOIN customers c ON c.id = o.user_ids
        WHERE o.ingest_number IN (?) AND c.external_userid <> ''`,
      [tids],
    );
    const expected = new Set([...before, ...reachable.map((r) => r.e)]).size;
    let count = -1;
    while (count !== expected && Date.now() - t < VISIBLE_DEADLINE_MS) {
      count = await audience.count(TODAY, at);
    }
    const visible = Date.now() - t;
    const [{ stored }] = await db.query(
      'SELECT COUNT(*) AS stored FROM youzan_orders WHERE ingest_number IN (?)',
      [tids],
    );
    const requests = (await control<{ requests: Record<string, number> }>('GET', 'stats')).requests;
    const calls = Object.entries(requests)
      .map(([k, v]) => `${k} ${v - (requestsBefore[k] ?? 0)}`)
      .join(', ');
    console.log(
      `incremental pull of ${o.trades} new trades: pull ${(pulled / 1000).toFixed(2)} s, ` +
        `visible to the audience after ${(visible / 1000).toFixed(2)} s ` +
        `(${count === expected ? 'met' : 'NOT met'}: count ${count}, expected ${expected} = ${before.size} before + new reachable buyers); ` +
        `${stored} of ${tids.length} stored; ${Math.round(o.trades / (pulled / 1000))} trades/s; calls: ${calls}; ` +
        JSON.stringify({ ...report, window: undefined }),
    );
    if (count !== expected || Number(stored) !== tids.length) process.exitCode = 1;
    if (visible >= 10_000) console.log('target < 10 s: MISSED');
  } finally {
    await ctx.close();
    await sim.close();
  }
}
