export * from './data-source.options';
export * from './migrate';
export * from './database.module';
/** @public With the DataSource options, the one thing this lib exposes from migrations/. */
export { ALL_MIGRATIONS } from './migrations';
export * from './triggers';
export * from './entities/wechat-label.entity';
export * from './order-status';
