/** A DataSource, a QueryRunner or an EntityManager: anything whose query() resolves to the rows. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * A trigger as the lib owning its tables defines it. The migrations that first created it
 * keep their own frozen copy; an e2e test compares this definition with the installed one.
 */
export interface TriggerDefinition {
  name: string;
  /** The business rule the trigger keeps, in one line (docs and test names show it). */
  rule: string;
  timing: 'BEFORE' | 'AFTER';
  event: 'INSERT' | 'UPDATE' | 'DELETE';
  table: string;
  /** What follows FOR EACH ROW (information_schema.TRIGGERS.ACTION_STATEMENT). */
  body: string;
}

/**
 * While this user variable is set on a connection, the per-row triggers of a new label link
 * (its `customer_label_orders` row, its label appended to the order's attribution lists)
 * stand aside: the writer that set it writes those rows itself, set-based, in the same
 * transaction, and unsets it before the transaction ends (the ingestion core; migration
 * 1734420000000). Updates and deletes of links, and every other writer, go through them.
 */
export const SET_BASED_LINKS = '@wpp_set_based_links';

/**
 * While this user variable is set on a connection, the shared-external-id check of a new
 * customer (`trg_customers_shared_external_ai`) stands aside: the writer that set it checks
 * the customers it inserted itself, in one read under the contacts' identity-row locks, in the
 * same transaction, and unsets
 * it before anything else runs on the connection (`insertCustomersSetBased`, libs/identity;
 * migration 1735310000000). Updates of customers, and every other writer, go through it.
 */
export const SET_BASED_CUSTOMERS = '@wpp_set_based_customers';

/** Creates the triggers in order (the order decides which of two same-event triggers runs first). */
export async function createTriggers(
  q: SqlRunner,
  triggers: readonly TriggerDefinition[],
): Promise<void> {
  for (const t of triggers) {
    await q.query(
      `CREATE TRIGGER ${t.name} ${t.timing} ${t.event} ON ${t.table} FOR EACH ROW ${t.body}`,
    );
  }
}

export async function dropTriggers(
  q: SqlRunner,
  triggers: readonly TriggerDefinition[],
): Promise<void> {
  for (const t of triggers) await q.query(`DROP TRIGGER IF EXISTS ${t.name}`);
}
