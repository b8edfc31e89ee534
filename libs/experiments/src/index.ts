/**
 * Experiments (issue 17): deterministic holdout, global-control and variant assignment (in
 * TypeScript and as MariaDB expressions that agree with it) and the comparison of the groups
 * (lift, its 95 % interval, Holm-adjusted p-value and the significance rule). Pure functions:
 * no tables, no I/O (docs/STATISTICS.md "Experiments — methods").
 */
export * from './assignment';
export * from './lift';
export * from './split';
