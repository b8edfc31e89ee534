/**
 * The statistics calls of the tree this process runs in, served to `bench/stats.bench.ts` over
 * IPC: with `--baseline <commit>` the bench starts it inside a worktree of that commit (its
 * tsconfig, so `@app/*` is the baseline's code) on the bench's database, and times each call
 * here, so the IPC round trip is not in the figures.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@app/common';
import { buildDataSourceOptions } from '@app/database';
import * as stats from '@app/stats';

export type StatsCall = 'result' | 'daily' | 'runs' | 'goods' | 'compare' | 'report' | 'experiment';
export type CallRequest = { id: number; call: StatsCall; args: unknown };
export type CallReply = { id: number; ms: number; out: unknown } | { id: number; error: string };
export type ReadyMessage = { ready: true; calls: StatsCall[] };

async function main(): Promise<void> {
  const dbName = process.env.BENCH_STATS_DB as string;
  const db = new DataSource({
    ...buildDataSourceOptions({ ...loadConfig(), DB_NAME: dbName }),
    poolSize: 4,
  });
  await db.initialize();
  const config = { STATS_ATTRIBUTION_DAYS: 7 } as AppConfig;
  const push = new stats.PushStatisticsService(db, config);
  // Commits before the effect analysis (issue 9) have no EffectAnalysisService.
  const Analysis = (stats as Partial<typeof stats>).EffectAnalysisService;
  const analysis = Analysis ? new Analysis(db, config) : undefined;
  // Commits before issue 17's experiment endpoint have no ExperimentStatisticsService.
  const Experiments = (stats as Partial<typeof stats>).ExperimentStatisticsService;
  const experiments = Experiments ? new Experiments(db, config) : undefined;
  const calls: Partial<Record<StatsCall, (args: never) => Promise<unknown>>> = {
    result: (a) => push.result(a),
    daily: (a) => push.daily(a),
    runs: (a) => push.runs(a),
    ...(analysis && {
      goods: (a: never) => analysis.goods(a),
      compare: (a: never) => analysis.compare(a),
      report: (a: never) => analysis.report(a),
    }),
    ...(experiments && { experiment: (a: never) => experiments.experiment(a) }),
  };
  const send = (m: CallReply | ReadyMessage) => process.send?.(m);
  process.on('message', (m: CallRequest) => {
    const run = calls[m.call];
    if (!run) return send({ id: m.id, error: `no ${m.call} in this tree` });
    const t = process.hrtime.bigint();
    run(m.args as never).then(
      (out) => send({ id: m.id, ms: Number(process.hrtime.bigint() - t) / 1e6, out }),
      (e: unknown) => send({ id: m.id, error: String(e) }),
    );
  });
  process.on('disconnect', () => void db.destroy().finally(() => process.exit(0)));
  send({ ready: true, calls: Object.keys(calls) as StatsCall[] });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
