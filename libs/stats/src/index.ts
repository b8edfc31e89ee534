export * from './push-figures';
export * from './stats-range';
export * from './push-statistics.service';
export * from './stats.module';
export * from './effect-analysis.service';
export * from './experiment-statistics.service';
export type { ExperimentGroup, HoldoutLift } from './experiment-figures';
export { experimentGroups } from './query/experiment-groups';
export * from './report-csv';
export { StatsIngest } from './ingest/stats-ingest.service';
export { writeDeliveryRows } from './ingest/delivery-rows';
export { deriveBatchStatistics } from './ingest/batch-statistics';
export {
  GOODS_LABEL_TRIGGERS,
  GOODS_LABELS_MAX_CHARS,
  STATS_TRIGGERS,
  backfillGoodsLabels,
} from './ingest/stats.triggers';
