import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `customer_shared_external_ids`: every external id that two or more customers hold (or
 * held), compared as `customers.external_userid` compares (case- and trailing-space-
 * insensitive, so `wm1` and `WM1` are one entry). The audience page keeps one customer per
 * external id with an anti-join to the customer with the same id and a smaller customer id;
 * joined through this table, that anti-join's index dive into `idx_customers_external`
 * happens only for the rare ids listed here instead of for every candidate (a 10,000-row
 * page: ~47 ms → ~28 ms at 1M customers, docs/BENCHMARKS.md).
 *
 * The table may hold more than it must, never less: an extra entry only costs the exact
 * check (byte-exact comparison, smaller id, in the window) its dive; a missing one would
 * let two customers sharing an id both receive the message. Hence:
 * - triggers add an id when a customer is inserted with it, or updated to it, while another
 *   customer holds it. The check is a locking read (`LOCK IN SHARE MODE`), so it sees rows
 *   committed meanwhile and waits for uncommitted ones: of two transactions writing the same
 *   id concurrently, the later check sees the other (or one of them is chosen as a deadlock
 *   victim and retried by its writer), under REPEATABLE READ and READ COMMITTED alike;
 * - nothing is ever removed by a trigger (a delete or a change away leaves the entry:
 *   harmless, and no delete can race an insert into a wrong "not shared");
 * - the migration backfills it from the customers present (GROUP BY over the index).
 *
 * Syntax shared by MariaDB 10.11 and MySQL 8. On MySQL with binary logging, creating
 * triggers needs SUPER or log_bin_trust_function_creators = 1.
 */
export class SharedExternalIds1732650000000 implements MigrationInterface {
  name = 'SharedExternalIds1732650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_shared_external_ids (
        external_userid VARCHAR(128) NOT NULL,
        PRIMARY KEY (external_userid)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci
        COMMENT 'external ids held by two or more customers (may hold more, never less), kept by triggers'`);
    await createSharedExternalIdTriggers(q);
    await backfillSharedExternalIds(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropSharedExternalIdTriggers(q);
    await q.query(`DROP TABLE IF EXISTS customer_shared_external_ids`);
  }
}

const SHARED_EXTERNAL_ID_TRIGGERS = [
  'trg_customers_shared_external_ai',
  'trg_customers_shared_external_au',
] as const;

/** Lists `NEW.external_userid` when another customer holds it. */
const ADD_IF_SHARED = `
    IF NEW.external_userid IS NOT NULL AND NEW.external_userid <> '' THEN
      SELECT COUNT(*) INTO holders FROM customers c
       WHERE c.external_userid = NEW.external_userid AND c.id <> NEW.id
       LOCK IN SHARE MODE;
      IF holders > 0 THEN
        INSERT INTO customer_shared_external_ids (external_userid) VALUES (NEW.external_userid)
        ON DUPLICATE KEY UPDATE external_userid = customer_shared_external_ids.external_userid;
      END IF;
    END IF;`;

async function createSharedExternalIdTriggers(q: QueryRunner): Promise<void> {
  const [ai, au] = SHARED_EXTERNAL_ID_TRIGGERS;
  await q.query(`
    CREATE TRIGGER ${ai} AFTER INSERT ON customers FOR EACH ROW
    BEGIN
      DECLARE holders INT DEFAULT 0;
      ${ADD_IF_SHARED}
    END`);
  // Byte-exact change test: an update from 'wm1' to 'WM1' moves to another WeCom id.
  await q.query(`
    CREATE TRIGGER ${au} AFTER UPDATE ON customers FOR EACH ROW
    BEGIN
      DECLARE holders INT DEFAULT 0;
      IF NOT (CAST(OLD.external_userid AS BINARY) <=> CAST(NEW.external_userid AS BINARY))
        OR OLD.id <> NEW.id THEN
        ${ADD_IF_SHARED}
      END IF;
    END`);
}

async function dropSharedExternalIdTriggers(q: QueryRunner): Promise<void> {
  for (const name of SHARED_EXTERNAL_ID_TRIGGERS) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
}

/** Lists every id two or more customers hold now (idempotent; one pass over the index). */
async function backfillSharedExternalIds(q: QueryRunner): Promise<void> {
  await q.query(`
    INSERT INTO customer_shared_external_ids (external_userid)
    SELECT external_userid FROM customers FORCE INDEX (idx_customers_external)
     WHERE external_userid IS NOT NULL AND external_userid <> ''
     GROUP BY external_userid HAVING COUNT(*) > 1
    ON DUPLICATE KEY UPDATE external_userid = customer_shared_external_ids.external_userid`);
}
