import { DataSource } from 'typeorm';
import { pollUntil } from './process';

/**
 * Tables partitioned by month: TRUNCATE recreates every partition's file (2–3 s for 146),
 * while a test's few rows are deleted at once.
 */
const EMPTIED_BY_DELETE = new Set(['contact_ledger']);

/** Empties the given tables (FK checks off on one connection), for a suite that needs a known state. */
export async function truncate(db: DataSource, ...tables: string[]): Promise<void> {
  const qr = db.createQueryRunner();
  try {
    await qr.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const t of tables)
      await qr.query(EMPTIED_BY_DELETE.has(t) ? `DELETE FROM \`${t}\`` : `TRUNCATE TABLE \`${t}\``);
    await qr.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await qr.release();
  }
}

/**
 * Runs `first` in an open transaction, then `second` in another, checks that `second` is
 * waiting for a lock of the first (InnoDB's LOCK WAIT) before the first commits, then commits
 * both: the interleaving under which a trigger must see what a concurrent writer did.
 */
export async function secondWaitsForFirst(
  db: DataSource,
  first: string,
  second: string,
  params: { first?: unknown[]; second?: unknown[] } = {},
): Promise<void> {
  const a = db.createQueryRunner();
  const b = db.createQueryRunner();
  try {
    const [{ id: bConnection }] = await b.query('SELECT CONNECTION_ID() AS id');
    await a.startTransaction();
    await b.startTransaction();
    await a.query(first, params.first);
    const bStatement = b.query(second, params.second);
    let bDone = false;
    void bStatement.then(() => (bDone = true));
    await pollUntil(async () => {
      const rows = await db.query(
        'SELECT trx_state AS s FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ?',
        [bConnection],
      );
      return rows[0]?.s === 'LOCK WAIT';
    }, 10_000);
    expect(bDone).toBe(false);
    await a.commitTransaction();
    await bStatement;
    await b.commitTransaction();
  } finally {
    await a.release();
    await b.release();
  }
}
