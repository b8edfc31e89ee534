export * from './data-source.options';
export * from './migrate';
export * from './database.module';
export * from './migrations';
export * from './entities/wechat-label.entity';
