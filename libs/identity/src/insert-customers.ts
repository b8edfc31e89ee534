import { SET_BASED_CUSTOMERS, SqlRunner } from '@app/database';

/** A customer to insert: a new WeCom contact's row. */
interface NewCustomer {
  name: string | null;
  externalUserId: string;
  unionid: string | null;
  ownerUserid: string | null;
  createdAt: Date;
}

/**
 * Inserts customers with their per-row shared-external-id check standing aside
 * (SET_BASED_CUSTOMERS) and does that check for all of them in one read: an id that two
 * customers now hold is listed in `customer_shared_external_ids`, as the trigger would. A
 * plain read, not the trigger's locking one: every writer of `customers.external_userid`
 * holds the contact's identity row first (ContactIdentityService.lockContacts, taken by the
 * caller for these ids), so no other transaction writes these ids meanwhile and every other
 * holder has committed. (A locking read of many ids waits for other transactions' customers
 * beside them in the index: two contact sync writers deadlocked on it.) Returns each
 * inserted external id's smallest customer id, as `customers.external_userid` compares. Run
 * inside the caller's transaction; the variable is unset before anything else runs on the
 * connection, even when the INSERT fails.
 */
export async function insertCustomersSetBased(
  q: SqlRunner,
  customers: readonly NewCustomer[],
): Promise<Map<string, number>> {
  if (customers.length === 0) return new Map();
  await q.query(`SET ${SET_BASED_CUSTOMERS} = 1`);
  try {
    await q.query(
      'INSERT INTO customers (name, external_userid, unionid, owner_userid, created_at) VALUES ?',
      [customers.map((c) => [c.name, c.externalUserId, c.unionid, c.ownerUserid, c.createdAt])],
    );
  } finally {
    await q.query(`SET ${SET_BASED_CUSTOMERS} = NULL`);
  }
  const held = (await q.query(
    `SELECT external_userid AS e, MIN(id) AS id, COUNT(*) AS n FROM customers
      WHERE external_userid IN (?) GROUP BY external_userid`,
    [customers.map((c) => c.externalUserId)],
  )) as { e: string; id: number; n: number | string }[];
  const shared = held.filter((h) => Number(h.n) > 1);
  if (shared.length) {
    await q.query(
      `INSERT INTO customer_shared_external_ids (external_userid) VALUES ?
       ON DUPLICATE KEY UPDATE external_userid = customer_shared_external_ids.external_userid`,
      [shared.map((h) => [h.e])],
    );
  }
  return new Map(held.map((h) => [h.e, h.id]));
}
