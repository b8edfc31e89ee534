import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Clock, MetricsRegistry } from '@app/common';
import { BatchState } from '../entities/push-batch.entity';
import { RunState } from '../entities/push-run.entity';
import { PipelineFigures, PipelineFigureSet } from './pipeline-figures';

/** Figures read from MySQL are reused for this long: scrapes of several Prometheus servers share one read. */
const FIGURES_TTL_MS = 10_000;

/**
 * The pipeline's series computed from MySQL at scrape time (api and worker alike; every
 * instance reports the same values, so dashboards and alerts take `max` over instances):
 *
 * - `wpp_runs{state}`, `wpp_batches{state}` — rows per state, every state present (0 when none);
 * - `wpp_batch_unknown_oldest_seconds` — age of the oldest `unknown` batch (0 when none);
 * - `wpp_scheduler_last_scan_age_seconds` — since the last successful scan (since this
 *   process started when none is known);
 * - per rule with a run in the last 35 days: `wpp_rule_recipients{rule_id, outcome}`
 *   (sent / failed = fail_list, not a friend / excluded by the contact policy, over all its
 *   runs), `wpp_rule_last_audience{rule_id}`, `wpp_rule_usual_audience{rule_id}` (mean of
 *   the 10 selections before the last) and `wpp_rule_info{rule_id, rule_name}` = 1;
 * - `wpp_metrics_source_up{source="mysql"}` — 0 when the read failed (the series above are
 *   then left out rather than reported stale).
 */
@Injectable()
export class PipelineMetrics {
  private readonly logger = new Logger(PipelineMetrics.name);
  private readonly startedAt: Date;
  private cached?: { at: number; figures: Promise<PipelineFigureSet | undefined> };

  constructor(
    private readonly figures: PipelineFigures,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.startedAt = clock.now();
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const fill = <L extends string>(
      gauge: Gauge<L>,
      set: (f: PipelineFigureSet, g: Gauge<L>) => void,
    ): Promise<void> =>
      self.current().then((f) => {
        gauge.reset();
        if (f) set(f, gauge);
      });

    metrics.gauge({
      name: 'wpp_metrics_source_up',
      help: 'Whether the last read of a source for the metrics succeeded (1) or failed (0)',
      labelNames: ['source'],
      async collect() {
        const f = await self.current();
        this.set({ source: 'mysql' }, f ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'wpp_runs',
      help: 'Runs (rule firings and manual triggers) per state, all time',
      labelNames: ['state'],
      collect() {
        return fill(this, (f, g) => {
          for (const s of Object.values(RunState)) g.set({ state: s }, f.runsByState.get(s) ?? 0);
          for (const [s, n] of f.runsByState) g.set({ state: s }, n);
        });
      },
    });
    metrics.gauge({
      name: 'wpp_batches',
      help: 'Batches (one add_msg_template call each) per state, all time',
      labelNames: ['state'],
      collect() {
        return fill(this, (f, g) => {
          for (const s of Object.values(BatchState))
            g.set({ state: s }, f.batchesByState.get(s) ?? 0);
          for (const [s, n] of f.batchesByState) g.set({ state: s }, n);
        });
      },
    });
    metrics.gauge({
      name: 'wpp_batch_unknown_oldest_seconds',
      help: 'Seconds since the oldest batch still unknown was recorded so (0 when none)',
      collect() {
        return fill(this, (f, g) =>
          g.set(f.oldestUnknownAt ? self.secondsSince(f.oldestUnknownAt) : 0),
        );
      },
    });
    metrics.gauge({
      name: 'wpp_scheduler_last_scan_age_seconds',
      help: 'Seconds since the last successful scan (since this process started when none is known)',
      collect() {
        return fill(this, (f, g) => g.set(self.secondsSince(f.lastScanAt ?? self.startedAt)));
      },
    });
    metrics.gauge({
      name: 'wpp_rule_recipients',
      help: 'Recipients over all runs of a rule: sent (accepted), failed (fail_list: not a friend), excluded (contact policy)',
      labelNames: ['rule_id', 'outcome'],
      collect() {
        return fill(this, (f, g) => {
          for (const r of f.rules) {
            const rule_id = String(r.ruleId);
            g.set({ rule_id, outcome: 'sent' }, r.sent);
            g.set({ rule_id, outcome: 'failed' }, r.failed);
            g.set({ rule_id, outcome: 'excluded' }, r.excluded);
          }
        });
      },
    });
    metrics.gauge({
      name: 'wpp_rule_last_audience',
      help: "Audience of a rule's newest selected run",
      labelNames: ['rule_id'],
      collect() {
        return fill(this, (f, g) => {
          for (const r of f.rules)
            if (r.lastAudience !== undefined) g.set({ rule_id: String(r.ruleId) }, r.lastAudience);
        });
      },
    });
    metrics.gauge({
      name: 'wpp_rule_usual_audience',
      help: "Mean audience of a rule's (up to 10) selected runs before its newest one",
      labelNames: ['rule_id'],
      collect() {
        return fill(this, (f, g) => {
          for (const r of f.rules)
            if (r.usualAudience !== undefined)
              g.set({ rule_id: String(r.ruleId) }, r.usualAudience);
        });
      },
    });
    metrics.gauge({
      name: 'wpp_rule_info',
      help: "A rule's name (1 per rule with a run in the last 35 days), to join on rule_id",
      labelNames: ['rule_id', 'rule_name'],
      collect() {
        return fill(this, (f, g) => {
          for (const r of f.rules) g.set({ rule_id: String(r.ruleId), rule_name: r.ruleName }, 1);
        });
      },
    });
  }

  /** The figures, read at most every {@link FIGURES_TTL_MS}; undefined when MySQL failed. */
  private current(): Promise<PipelineFigureSet | undefined> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= FIGURES_TTL_MS) {
      this.cached = {
        at: now,
        figures: this.figures.read(this.clock.now()).catch((e: unknown) => {
          this.logger.warn(
            `metrics: pipeline figures not read: ${e instanceof Error ? e.message : String(e)}`,
          );
          return undefined;
        }),
      };
    }
    return this.cached.figures;
  }

  private secondsSince(at: Date): number {
    return Math.max(0, (this.clock.now().getTime() - at.getTime()) / 1000);
  }
}
