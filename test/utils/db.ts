import { DataSource } from 'typeorm';

/** Empties the given tables (FK checks off on one connection), for a suite that needs a known state. */
export async function truncate(db: DataSource, ...tables: string[]): Promise<void> {
  const qr = db.createQueryRunner();
  try {
    await qr.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const t of tables) await qr.query(`TRUNCATE TABLE \`${t}\``);
    await qr.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await qr.release();
  }
}
