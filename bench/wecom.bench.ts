/**
 * npm run bench:wecom — calls/s the WeCom client sustains against the simulator (its own
 * process) answering with 50 ms latency, at concurrency 1, 8 and 32, side by side with raw
 * keep-alive HTTP calls carrying a fixed token (the floor). The difference in mean latency is
 * what the client adds per call: token from Redis, limit checks, classification.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import os from 'node:os';
import { Test } from '@nestjs/testing';
import axios from 'axios';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfigModule, loadConfig, RedisModule } from '@app/common';
import { WecomClient, WecomModule } from '@app/wecom';
import { runTs } from '../test/utils/process';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_MS = 50;
const CONCURRENCY = [1, 8, 32];
const ROUNDS = 2;
const RECIPIENTS = 100;
const CORP = { id: 'ww-bench', secret: `bench-${randomBytes(8).toString('hex')}` };

interface Result {
  calls: number;
  /** CPU time of this (client) process per call, ms: user + system. */
  cpuPerCall: number;
  perSecond: number;
  mean: number;
  p50: number;
  p99: number;
}

/** `concurrency` loops each making calls back to back for SECONDS seconds. */
async function measure(
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<Result> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + SECONDS * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await call(n++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    calls: latencies.length,
    cpuPerCall: (used.user + used.system) / 1000 / latencies.length,
    perSecond: latencies.length / elapsed,
    mean: latencies.reduce((s, x) => s + x, 0) / latencies.length,
    p50: at(0.5),
    p99: at(0.99),
  };
}

function average(results: Result[]): Result {
  const mean = (f: (r: Result) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
  return {
    calls: results.reduce((s, r) => s + r.calls, 0),
    cpuPerCall: mean((r) => r.cpuPerCall),
    perSecond: mean((r) => r.perSecond),
    mean: mean((r) => r.mean),
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
  };
}

async function main(): Promise<void> {
  const sim = runTs('apps/wecom-simulator/src/main.ts', [], {
    PORT: '0',
    HOST: '127.0.0.1',
    SIM_CORP_ID: CORP.id,
    SIM_CORP_SECRET: CORP.secret,
    SIM_LATENCY_MS: String(LATENCY_MS),
  });
  const prefix = `wpp_bench_wecom_${randomBytes(3).toString('hex')}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    await sim.waitFor(/listening on http:\/\/\S+ /);
    const base = /listening on (http:\/\/\S+) /.exec(sim.output())?.[1] as string;
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      REDIS_KEY_PREFIX: prefix,
      WECOM_API_BASE: base,
      WECOM_CORP_ID: CORP.id,
      WECOM_CORP_SECRET: CORP.secret,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule, RedisModule, WecomModule],
    })
      .overrideProvider(APP_CONFIG)
      .useValue(config)
      .compile();
    await moduleRef.init();
    const client = moduleRef.get(WecomClient);
    const ids = (i: number) => Array.from({ length: RECIPIENTS }, (_, k) => `wm-${i}-${k}`);

    const raw = axios.create({
      baseURL: base,
      httpAgent: new Agent({ keepAlive: true }),
      timeout: 10_000,
    });
    const token = (
      await raw.get('/cgi-bin/gettoken', { params: { corpid: CORP.id, corpsecret: CORP.secret } })
    ).data.access_token as string;
    const rawCall = async (i: number) => {
      const res = await raw.post(
        '/cgi-bin/externalcontact/add_msg_template',
        { chat_type: 'single', external_userid: ids(i), text: { content: '新品上架' } },
        { params: { access_token: token } },
      );
      if (res.data.errcode !== 0) throw new Error(`raw call failed: ${res.data.errcode}`);
    };
    const clientCall = (i: number) =>
      client.addMsgTemplate({ externalUserIds: ids(i), text: '新品上架' });

    await measure(4, clientCall); // warm-up: JIT, sockets, the token in Redis
    const rows: string[] = [];
    let single = 0;
    for (const c of CONCURRENCY) {
      // Alternated rounds, so drift of the shared machine hits both sides alike.
      const raws: Result[] = [];
      const clients: Result[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        raws.push(await measure(c, rawCall));
        clients.push(await measure(c, clientCall));
      }
      const r = average(raws);
      const w = average(clients);
      if (c === 1) single = w.perSecond;
      rows.push(
        `| ${c} | ${r.perSecond.toFixed(1)} | ${w.perSecond.toFixed(1)} | ${(w.perSecond / (single * c)).toFixed(2)} | ${r.mean.toFixed(2)} | ${w.mean.toFixed(2)} | ${(w.mean - r.mean).toFixed(2)} | ${r.cpuPerCall.toFixed(2)} / ${w.cpuPerCall.toFixed(2)} | ${w.p50.toFixed(1)} / ${w.p99.toFixed(1)} | ${w.calls} |`,
      );
    }
    await moduleRef.close();
    const cpus = os.cpus();
    console.log(
      `\nWeCom client vs raw HTTP, simulator latency ${LATENCY_MS} ms, ${RECIPIENTS} recipients per call, ${ROUNDS} alternated rounds of ${SECONDS} s per cell; ` +
        `${cpus.length} × ${cpus[0]?.model.trim()}, Node ${process.version}\n`,
    );
    console.log(
      '| concurrency | raw calls/s | client calls/s | client scaling vs 1 | raw mean ms | client mean ms | client adds ms | CPU ms/call raw / client | client p50 / p99 ms | client calls |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
  } finally {
    sim.kill('SIGTERM');
    await sim.exited();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
