export * from './data-source.options';
export * from './migrate';
export * from './database.module';
export { ALL_MIGRATIONS } from './migrations';
export * from './triggers';
export * from './entities/wechat-label.entity';
