import type { MysqlConnectionOptions } from 'typeorm/driver/mysql/MysqlConnectionOptions';
import { ALL_MIGRATIONS } from './migrations';

export interface DbConnectionSettings {
  DB_HOST: string;
  DB_PORT: number;
  DB_USER: string;
  DB_PASSWORD: string;
  DB_NAME: string;
  DB_POOL_SIZE?: number;
}

const MIGRATIONS_TABLE = 'typeorm_migrations';

/**
 * The one DataSource options object, shared by the Nest apps and the migration CLI.
 * DATETIME values are Asia/Shanghai wall time (timezone +08:00); DATE columns come back
 * as 'YYYY-MM-DD' strings so no server TZ can shift them by a day.
 */
export function buildDataSourceOptions(s: DbConnectionSettings): MysqlConnectionOptions {
  return {
    type: 'mysql',
    host: s.DB_HOST,
    port: s.DB_PORT,
    username: s.DB_USER,
    password: s.DB_PASSWORD,
    database: s.DB_NAME,
    charset: 'utf8mb4_unicode_520_ci',
    timezone: '+08:00',
    dateStrings: ['DATE'],
    supportBigNumbers: true,
    bigNumberStrings: false,
    synchronize: false,
    migrationsRun: false,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    poolSize: s.DB_POOL_SIZE ?? 10,
    extra: { connectionLimit: s.DB_POOL_SIZE ?? 10 },
  };
}
