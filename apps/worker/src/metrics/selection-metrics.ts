import { Injectable } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { Clock, MetricsRegistry } from '@app/common';
import { FireOutcome, PushRunRepository, RunState } from '@app/pipeline';

/**
 * `wpp_run_selection_seconds`: from a run's `started_at` to the end of its selection (the
 * moment its slot job moved it to sending or completed), observed by the worker whose slot
 * job finished the selection — so summed over workers it counts each run once.
 */
@Injectable()
export class SelectionMetrics {
  private readonly seconds: Histogram<string>;

  constructor(
    private readonly runs: PushRunRepository,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.seconds = metrics.histogram({
      name: 'wpp_run_selection_seconds',
      help: "Seconds from a run's start to the end of its audience selection",
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
    });
  }

  /**
   * After a slot job: observes the run's selection when this job ended it, i.e. the run
   * left 'selecting' after `jobStartedAt` (the row's second-resolution updated_at).
   */
  async afterSlotJob(outcome: FireOutcome, jobStartedAt: Date): Promise<void> {
    if ('waitMs' in outcome) return;
    if (outcome.state !== RunState.SENDING && outcome.state !== RunState.COMPLETED) return;
    const run = await this.runs.findRun(outcome.runId);
    if (!run?.startedAt || run.audienceCount === null) return;
    if (run.updatedAt.getTime() < Math.floor(jobStartedAt.getTime() / 1000) * 1000) return;
    this.seconds.observe((this.clock.now().getTime() - run.startedAt.getTime()) / 1000);
  }
}
