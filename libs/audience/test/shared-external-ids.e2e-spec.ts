import { backfillSharedExternalIds } from '@app/audience';
import { secondWaitsForFirst } from '../../../test/utils/db';
import { AudienceHarness, resetCompanyTables, startAudience } from './audience-fixtures';

/**
 * customer_shared_external_ids must list every external id two customers hold (it may list
 * more, never less): the audience page looks for a customer's duplicate only through it.
 */
describe('customer_shared_external_ids kept by triggers on customers', () => {
  let h: AudienceHarness;

  const listed = async () =>
    (
      (await h.db.query(
        'SELECT external_userid AS e FROM customer_shared_external_ids ORDER BY external_userid',
      )) as { e: string }[]
    ).map((r) => r.e);
  /** The ids held by two or more customers, compared as the column compares them. */
  const shared = async () =>
    (
      (await h.db.query(
        `SELECT MIN(external_userid) AS e FROM customers
          WHERE external_userid IS NOT NULL AND external_userid <> ''
          GROUP BY external_userid HAVING COUNT(*) > 1 ORDER BY e`,
      )) as { e: string }[]
    ).map((r) => r.e.toLowerCase());
  const addCustomer = (id: number, ext: string | null) =>
    h.db.query('INSERT INTO customers (id, name, external_userid) VALUES (?, ?, ?)', [
      id,
      `客户${id}`,
      ext,
    ]);

  beforeAll(async () => {
    h = await startAudience();
  });
  beforeEach(() => resetCompanyTables(h.db));
  afterAll(() => h.close());

  it('a customer inserted with an external id another customer holds lists that id as shared, in any case; unshared and empty ids never', async () => {
    await addCustomer(1, 'wm1');
    await addCustomer(2, 'wm2');
    await addCustomer(3, null);
    await addCustomer(4, '');
    await addCustomer(5, '');
    expect(await listed()).toEqual([]);
    await addCustomer(6, 'WM1');
    expect((await listed()).map((e) => e.toLowerCase())).toEqual(['wm1']);
    expect((await listed()).map((e) => e.toLowerCase())).toEqual(await shared());
  });

  it('a customer updated to an external id another customer holds lists that id as shared, also from NULL', async () => {
    await addCustomer(1, 'wm1');
    await addCustomer(2, 'wm2');
    await addCustomer(3, null);
    await addCustomer(4, 'wm4');
    await h.db.query('UPDATE customers SET external_userid = ? WHERE id = 2', ['wm1']);
    await h.db.query('UPDATE customers SET external_userid = ? WHERE id = 3', ['wm4']);
    expect(await listed()).toEqual(['wm1', 'wm4']);
    // A customer moving away leaves the entry: an extra entry only costs an index dive.
    await h.db.query('UPDATE customers SET external_userid = ? WHERE id = 2', ['wm9']);
    await h.db.query('DELETE FROM customers WHERE id = 3');
    expect(await listed()).toEqual(['wm1', 'wm4']);
  });

  it('two transactions inserting the same id at once: the later check waits and lists it', async () => {
    // b's trigger must wait for a's uncommitted row instead of reading past it.
    await secondWaitsForFirst(
      h.db,
      'INSERT INTO customers (id, name, external_userid) VALUES (1, ?, ?)',
      'INSERT INTO customers (id, name, external_userid) VALUES (2, ?, ?)',
      { first: ['a', 'race1'], second: ['b', 'race1'] },
    );
    expect(await listed()).toEqual(['race1']);
  });

  it('the backfill lists exactly the ids shared now', async () => {
    await h.db.query(
      `INSERT INTO customers (id, name, external_userid) VALUES
        (1, 'a', 'wm1'), (2, 'b', 'WM1'), (3, 'c', 'wm3'), (4, 'd', 'wm4'), (5, 'e', 'wm4'),
        (6, 'f', ''), (7, 'g', ''), (8, 'h', NULL), (9, 'i', NULL)`,
    );
    await h.db.query('DELETE FROM customer_shared_external_ids');
    await backfillSharedExternalIds(h.db);
    expect((await listed()).map((e) => e.toLowerCase())).toEqual(['wm1', 'wm4']);
    expect((await listed()).map((e) => e.toLowerCase())).toEqual(await shared());
  });
});
