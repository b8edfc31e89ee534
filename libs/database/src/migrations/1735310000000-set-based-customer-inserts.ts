import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Set-based shared-external-id check for the customers the contact sync creates (issue 19,
 * bench:contacts): the per-row check of `trg_customers_shared_external_ai` (a stored-program
 * call and a locking index read per new customer) was about two thirds of the sync's
 * customer INSERT. It now stands aside while the connection's user variable
 * `@wpp_set_based_customers` is set: a writer that sets it for its customer INSERTs checks
 * the same ids itself, in the same transaction, with one read per batch — under the
 * contacts' `wecom_contact_identities` row locks, which every writer of an external id takes
 * first (`insertCustomersSetBased`, libs/identity/src/insert-customers.ts). Every other
 * writer, and every update of a customer, is checked by the triggers as before.
 *
 * Frozen copy of the trigger SQL (libs/audience/src/audience.triggers.ts holds the runtime
 * definition; libs/stats/test/triggers.e2e-spec.ts compares them).
 */
export class SetBasedCustomerInserts1735310000000 implements MigrationInterface {
  name = 'SetBasedCustomerInserts1735310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS trg_customers_shared_external_ai');
    await q.query(`
    CREATE TRIGGER trg_customers_shared_external_ai AFTER INSERT ON customers FOR EACH ROW
    BEGIN
      DECLARE holders INT DEFAULT 0;
      IF @wpp_set_based_customers IS NULL THEN ${ADD_IF_SHARED}
      END IF;
    END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS trg_customers_shared_external_ai');
    await q.query(`
    CREATE TRIGGER trg_customers_shared_external_ai AFTER INSERT ON customers FOR EACH ROW
    BEGIN
      DECLARE holders INT DEFAULT 0;
      ${ADD_IF_SHARED}
    END`);
  }
}

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
