import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/database';
import { retryOnConflict } from '../src/db/retry-on-conflict';
import { dbSettings } from '../../../test/test-env';

/**
 * Two page writers that lock the same rows in opposite orders: InnoDB rolls one back as a
 * deadlock victim. Without retrying, that writer's page fails; with retryOnConflict, it is
 * applied again after the other commits and both pages land, once each.
 */
describe('retryOnConflict (MariaDB)', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = new DataSource({
      ...buildDataSourceOptions(dbSettings(process.env.DB_NAME!)),
      poolSize: 4,
      extra: { connectionLimit: 4 },
    });
    await db.initialize();
    await db.query(
      'CREATE TABLE IF NOT EXISTS lock_retry_probe (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB',
    );
  });

  beforeEach(async () => {
    await db.query('DELETE FROM lock_retry_probe');
    await db.query('INSERT INTO lock_retry_probe (id, n) VALUES (1, 0), (2, 0)');
  });

  afterAll(async () => {
    await db?.query('DROP TABLE IF EXISTS lock_retry_probe');
    await db?.destroy();
  });

  /** Two transactions, each adding 1 to both rows, the first locks taken crosswise. */
  function crosswise(wrap: <T>(work: () => Promise<T>) => Promise<T>) {
    let arrived = 0;
    let open!: () => void;
    const bothHoldOne = new Promise<void>((r) => (open = r));
    const writer = (first: number, second: number) =>
      wrap(() =>
        db.transaction('READ COMMITTED', async (tx) => {
          await tx.query('UPDATE lock_retry_probe SET n = n + 1 WHERE id = ?', [first]);
          if (++arrived === 2) open();
          await bothHoldOne;
          await tx.query('UPDATE lock_retry_probe SET n = n + 1 WHERE id = ?', [second]);
        }),
      );
    return Promise.allSettled([writer(1, 2), writer(2, 1)]);
  }

  const counts = async () =>
    ((await db.query('SELECT n FROM lock_retry_probe ORDER BY id')) as { n: number }[]).map((r) =>
      Number(r.n),
    );

  it('without it, one of two crosswise writers fails with a deadlock and its page is lost', async () => {
    const results = await crosswise((work) => work());
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(String((failed[0].reason as { code?: string }).code)).toBe('ER_LOCK_DEADLOCK');
    expect(await counts()).toEqual([1, 1]);
  });

  it('with it, the deadlock victim is applied again after a pause and both writers land once', async () => {
    const retries: number[] = [];
    const results = await crosswise((work) =>
      retryOnConflict(work, { onRetry: (attempt) => retries.push(attempt) }),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(retries).toEqual([1]);
    expect(await counts()).toEqual([2, 2]);
  });

  it('other errors are not retried', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        await db.query('SELECT * FROM lock_retry_no_such_table');
      }),
    ).rejects.toMatchObject({ code: 'ER_NO_SUCH_TABLE' });
    expect(calls).toBe(1);
  });
});
