export * from './push-figures';
export * from './stats-range';
export * from './push-statistics.service';
export * from './stats.module';
export * from './effect-analysis.service';
export * from './report-csv';
