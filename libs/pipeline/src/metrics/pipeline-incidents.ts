import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type IncidentKind = 'run_failed' | 'run_missed' | 'batch_unknown' | 'order_data_stale';

/** Something an operator must hear about, as the notifier reports it. */
export interface Incident {
  kind: IncidentKind;
  /** The run's id (run_failed, run_missed, order_data_stale) or the batch's (batch_unknown). */
  id: number;
  runId: number;
  ruleId: number;
  ruleName: string;
  slotAt: Date;
  /** Why: the run's reason, the failed batches' count and errcode, or the batch's errmsg. */
  detail: string | null;
  at: Date;
}

/**
 * Incidents recorded since a moment, read from the pipeline's tables (the rows' own state;
 * nothing here changes one): a run `failed` (its selection failed) or `completed` with
 * failed batches, a run `missed`, a batch `unknown`, a slot skipped because the order data is
 * stale (the freshness guard). Each query starts from a state index and those states are rare.
 */
@Injectable()
export class PipelineIncidents {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async since(at: Date): Promise<Incident[]> {
    const rows = (await this.db.query(
      `SELECT 'run_failed' AS kind, id, id AS runId, push_id AS ruleId, rule_name AS ruleName,
              slot_at AS slotAt, reason AS detail, updated_at AS at
         FROM wechat_push_runs WHERE state = 'failed' AND updated_at >= ?
       UNION ALL
       SELECT 'run_failed', id, id, push_id, rule_name, slot_at,
              CONCAT(failed_batches, ' batch(es) failed'), updated_at
         FROM wechat_push_runs WHERE state = 'completed' AND failed_batches > 0 AND updated_at >= ?
       UNION ALL
       SELECT 'run_missed', id, id, push_id, rule_name, slot_at, reason, updated_at
         FROM wechat_push_runs WHERE state = 'missed' AND updated_at >= ?
       UNION ALL
       SELECT 'order_data_stale', id, id, push_id, rule_name, slot_at, reason, updated_at
         FROM wechat_push_runs
        WHERE state = 'skipped' AND reason LIKE 'order data stale since%' AND updated_at >= ?
       UNION ALL
       SELECT 'batch_unknown', b.id, b.run_id, r.push_id, r.rule_name, r.slot_at, b.errmsg,
              b.updated_at
         FROM wechat_push_batches b JOIN wechat_push_runs r ON r.id = b.run_id
        WHERE b.state = 'unknown' AND b.updated_at >= ?
       ORDER BY at, id`,
      [at, at, at, at, at],
    )) as (Omit<Incident, 'slotAt' | 'at'> & { slotAt: Date | string; at: Date | string })[];
    return rows.map((r) => ({ ...r, slotAt: new Date(r.slotAt), at: new Date(r.at) }));
  }
}
