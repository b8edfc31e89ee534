import { DataSource } from 'typeorm';
import { pollUntil } from './process';

/**
 * Tables partitioned by month: TRUNCATE recreates every partition's file (2–3 s for 146),
 * while a test's few rows are deleted at once.
 */
const EMPTIED_BY_DELETE = new Set(['contact_ledger']);

/**
 * Runs `work`; when InnoDB gives up waiting for a lock, the error says who held what (the
 * open transactions with their connections' last statements, and InnoDB's lock report), so
 * a rare lock wait in CI can be explained from its log.
 */
export async function explainingLockWaits<T>(db: DataSource, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if ((e as { code?: string }).code !== 'ER_LOCK_WAIT_TIMEOUT') throw e;
    const trx = await db.query(
      `SELECT t.trx_id, t.trx_state, t.trx_started, t.trx_rows_locked, t.trx_mysql_thread_id,
              p.command, p.time, LEFT(COALESCE(t.trx_query, p.info, ''), 500) AS query
         FROM information_schema.innodb_trx t
         LEFT JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id`,
    );
    const [status] = await db.query('SHOW ENGINE INNODB STATUS');
    const report = String(status?.Status ?? '');
    const locks = report.slice(
      report.indexOf('TRANSACTIONS'),
      report.indexOf('TRANSACTIONS') + 6000,
    );
    throw new Error(`${(e as Error).message}\nopen transactions: ${JSON.stringify(trx)}\n${locks}`);
  }
}

/** Empties the given tables (FK checks off on one connection), for a suite that needs a known state. */
export async function truncate(db: DataSource, ...tables: string[]): Promise<void> {
  // A rule's versions go with it: ids start again at 1 after TRUNCATE.
  if (tables.includes('wechat_push') && !tables.includes('wechat_push_versions'))
    tables = [...tables, 'wechat_push_versions'];
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

/** Row count and CHECKSUM TABLE of every table of the database: equal snapshots, nothing changed. */
export async function tableSnapshot(db: DataSource): Promise<Record<string, string>> {
  const tables: { name: string }[] = await db.query(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [{ n }] = await db.query(`SELECT COUNT(*) AS n FROM \`${name}\``);
    const [sum] = await db.query(`CHECKSUM TABLE \`${name}\``);
    out[name] = `${n}:${sum.Checksum}`;
  }
  return out;
}
