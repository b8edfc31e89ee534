import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, DbConnectionSettings } from './data-source.options';

/** Creates the database when missing (utf8mb4), then applies every pending migration. */
export async function runMigrations(s: DbConnectionSettings): Promise<string[]> {
  await createDatabaseIfMissing(s);
  const ds = new DataSource({ ...buildDataSourceOptions(s), poolSize: 1, extra: {} });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/**
 * Refuses a database that lacks a migration: migrations run as their own step
 * (`npm run migration:run`), never inside a replica's boot.
 */
export async function assertNoPendingMigrations(ds: DataSource): Promise<void> {
  if (await ds.showMigrations()) {
    throw new Error('database has pending migrations: run `npm run migration:run` first');
  }
}

/** A connection to the server, not to a database (to create or drop one). */
function serverConnection(s: DbConnectionSettings) {
  return createConnection({
    host: s.DB_HOST,
    port: s.DB_PORT,
    user: s.DB_USER,
    password: s.DB_PASSWORD,
  });
}

export async function createDatabaseIfMissing(s: DbConnectionSettings): Promise<void> {
  const conn = await serverConnection(s);
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS \`${s.DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci`,
    );
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(s: DbConnectionSettings): Promise<void> {
  const conn = await serverConnection(s);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${s.DB_NAME}\``);
  } finally {
    await conn.end();
  }
}
