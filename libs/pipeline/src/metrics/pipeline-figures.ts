import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EXCLUSION_REASONS } from '@app/contracts';
import { PipelineQueues } from '../pipeline-queues.service';
import { QueueName } from '../queue.contracts';

/** Per rule: recipients over all its runs, and the audiences of its recent selections. */
export interface RuleFigures {
  ruleId: number;
  ruleName: string;
  /** Accepted by WeCom (sent batches minus their fail_list). */
  sent: number;
  /** In the fail_list of sent batches: not a friend of any member. */
  failed: number;
  /** Kept out by the contact policy. */
  excluded: number;
  /** Audience of the newest selected run; undefined when none in the window. */
  lastAudience?: number;
  /** Mean audience of the (up to 10) selected runs before it; undefined when there are none. */
  usualAudience?: number;
}

export interface PipelineFigureSet {
  runsByState: Map<string, number>;
  batchesByState: Map<string, number>;
  /** Time the oldest `unknown` batch was recorded so; undefined when there is none. */
  oldestUnknownAt?: Date;
  /** Last successful scan (see {@link PipelineFigures.lastScanAt}). */
  lastScanAt?: Date;
  rules: RuleFigures[];
}

/** Rules that had a run in this many days get per-rule series (bounded label cardinality). */
const RULE_WINDOW_DAYS = 35;
/** Selected runs before the newest one that make a rule's usual audience. */
const USUAL_RUNS = 10;

/** Total of a run's `excluded` JSON (ExclusionCounts) in SQL, MariaDB and MySQL alike. */
const EXCLUDED_SUM = EXCLUSION_REASONS.map(
  (r) => `COALESCE(JSON_EXTRACT(excluded, '$.${r}'), 0)`,
).join(' + ');

const isNoSuchTable = (e: unknown) =>
  (e as { code?: string; driverError?: { code?: string } })?.code === 'ER_NO_SUCH_TABLE' ||
  (e as { driverError?: { code?: string } })?.driverError?.code === 'ER_NO_SUCH_TABLE';

/**
 * What the metrics read from the pipeline's tables: cheap grouped queries (state counts
 * use the state indexes; per-rule figures cover rules with a run in the last
 * {@link RULE_WINDOW_DAYS} days). Read-only; nothing here changes a row.
 */
@Injectable()
export class PipelineFigures {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queues: PipelineQueues,
  ) {}

  async read(now: Date): Promise<PipelineFigureSet> {
    const [runs, batches, unknown, rules, lastScanAt] = await Promise.all([
      this.db.query('SELECT state, COUNT(*) AS n FROM wechat_push_runs GROUP BY state'),
      this.db.query('SELECT state, COUNT(*) AS n FROM wechat_push_batches GROUP BY state'),
      this.db.query(
        `SELECT MIN(COALESCE(finished_at, updated_at)) AS oldest
           FROM wechat_push_batches WHERE state = 'unknown'`,
      ),
      this.rules(new Date(now.getTime() - RULE_WINDOW_DAYS * 86_400_000)),
      this.lastScanAt(),
    ]);
    const byState = (rows: { state: string; n: number | string }[]) =>
      new Map(rows.map((r) => [r.state, Number(r.n)]));
    const oldest = (unknown as { oldest: Date | null }[])[0]?.oldest;
    return {
      runsByState: byState(runs),
      batchesByState: byState(batches),
      oldestUnknownAt: oldest ? new Date(oldest) : undefined,
      lastScanAt,
      rules,
    };
  }

  /**
   * When the scheduler last scanned successfully: its heartbeat row in MySQL
   * (`scheduler_heartbeats`) when that table exists and has one, else the newest completed
   * scan job BullMQ still keeps (a day), else undefined.
   */
  async lastScanAt(): Promise<Date | undefined> {
    try {
      const [row] = (await this.db.query(
        `SELECT last_at FROM scheduler_heartbeats WHERE name = 'scan'`,
      )) as { last_at: Date }[];
      if (row?.last_at) return new Date(row.last_at);
    } catch (e) {
      if (!isNoSuchTable(e)) throw e;
    }
    const [job] = await this.queues.queue(QueueName.SCHEDULE).getJobs(['completed'], 0, 0);
    return job?.finishedOn ? new Date(job.finishedOn) : undefined;
  }

  private async rules(since: Date): Promise<RuleFigures[]> {
    const [totals, selections] = await Promise.all([
      this.db.query(
        `SELECT r.push_id AS ruleId, MAX(r.rule_name) AS ruleName, SUM(r.accepted_count) AS sent, SUM(r.fail_count) AS failed,
                SUM(${EXCLUDED_SUM}) AS excluded
           FROM wechat_push_runs r
           JOIN (SELECT DISTINCT push_id FROM wechat_push_runs WHERE slot_at >= ?) a
             ON a.push_id = r.push_id
          GROUP BY r.push_id`,
        [since],
      ) as Promise<
        { ruleId: number; ruleName: string; sent: string; failed: string; excluded: string }[]
      >,
      this.db.query(
        `SELECT push_id AS ruleId, rule_name AS ruleName, audience_count AS audience
           FROM wechat_push_runs
          WHERE slot_at >= ? AND audience_count IS NOT NULL AND state IN ('sending', 'completed')
          ORDER BY push_id, slot_at DESC, id DESC`,
        [since],
      ) as Promise<{ ruleId: number; ruleName: string; audience: number }[]>,
    ]);
    const audiences = new Map<number, { name: string; values: number[] }>();
    for (const s of selections) {
      const a = audiences.get(s.ruleId) ?? { name: s.ruleName, values: [] };
      if (a.values.length <= USUAL_RUNS) a.values.push(s.audience);
      audiences.set(s.ruleId, a);
    }
    return totals.map((t) => {
      const a = audiences.get(t.ruleId);
      const before = a?.values.slice(1) ?? [];
      return {
        ruleId: t.ruleId,
        ruleName: a?.name ?? t.ruleName,
        sent: Number(t.sent),
        failed: Number(t.failed),
        excluded: Number(t.excluded),
        lastAudience: a?.values[0],
        usualAudience:
          before.length > 0 ? before.reduce((x, y) => x + y, 0) / before.length : undefined,
      };
    });
  }
}
