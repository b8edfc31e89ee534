import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException, APP_CONFIG, AppConfig } from '@app/common';
import { parseStatsRange } from './stats-range';
import { attributionWindowSeconds } from './query/sql-fragments';
import { scopeRuns } from './query/run-scope';
import { ruleNames } from './query/rule-names';
import { experimentGroups, runsWithHoldout } from './query/experiment-groups';
import { compareGroups, ExperimentComparison, EXPERIMENT_RULE } from './experiment-figures';

interface ExperimentQuery {
  /** Rule id (wechat_push.id). */
  id: number;
  startTime: string;
  endTime: string;
  attributionDays?: number;
}

interface ExperimentResult extends ExperimentComparison {
  pushId: number;
  ruleName: string;
  /** Runs measured: those with holdout members when any run of the range has some, else all. */
  runCount: number;
  attributionDays: number;
  significanceRule: typeof EXPERIMENT_RULE;
}

/**
 * A rule's experiment over a range (issue 17): its groups — the holdout and each content
 * variant — measured alike per (run, customer) assignment, and the lifts over the baseline
 * (docs/STATISTICS.md "Experiments").
 */
@Injectable()
export class ExperimentStatisticsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async experiment(q: ExperimentQuery): Promise<ExperimentResult> {
    const range = parseStatsRange(q.startTime, q.endTime);
    const names = await ruleNames(this.db, [q.id]);
    const ruleName = names.get(q.id);
    if (ruleName === undefined) throw AppException.notFound(`规则 ${q.id} `, 'id');
    const runs = (await scopeRuns(this.db, range, { pushIds: [q.id] })).map((r) => r.id);
    const withHoldout = await runsWithHoldout(this.db, runs);
    // Treated and control from the same runs: a run without a holdout has nothing to compare.
    const measured = withHoldout.size ? runs.filter((id) => withHoldout.has(id)) : runs;
    const window = attributionWindowSeconds(q.attributionDays, this.config);
    const groups = await experimentGroups(this.db, 'r.push_id', measured, window);
    return {
      pushId: q.id,
      ruleName,
      runCount: measured.length,
      attributionDays: window / 86_400,
      significanceRule: EXPERIMENT_RULE,
      ...compareGroups(groups.get(String(q.id)) ?? []),
    };
  }
}
