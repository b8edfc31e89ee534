import type { SqlRunner } from '@app/database';

/**
 * The owners (`customers.owner_userid`, the store guide the WeCom contacts recorded) of a
 * page's customers, keyed by the id in lower case (the collation's equality). When several
 * customer rows share an external id, a named owner wins, then the lowest customer id.
 */
export async function readOwners(
  runner: SqlRunner,
  externalUserIds: readonly string[],
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (externalUserIds.length === 0) return owners;
  const rows = (await runner.query(
    `SELECT external_userid AS e, owner_userid AS o FROM customers
      WHERE external_userid IN (?) AND owner_userid IS NOT NULL AND owner_userid <> ''
      ORDER BY owner_named DESC, id`,
    [externalUserIds],
  )) as { e: string; o: string }[];
  for (const r of rows) {
    const key = r.e.toLowerCase();
    if (!owners.has(key)) owners.set(key, r.o);
  }
  return owners;
}
