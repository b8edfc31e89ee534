import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Set-based projections for the links of imported orders (issue 20, bench:ingest): the two
 * per-row triggers on a new label link — its `customer_label_orders` row and the append to
 * its order's attribution lists (`goods_labels`) — cost ~50 µs of the ~60 µs a link takes,
 * ≈ 14 links an order. They now stand aside while the connection's user variable
 * `@wpp_set_based_links` is set: a writer that sets it for its link INSERTs writes the same
 * rows itself, in the same transaction, with one statement per batch (the ingestion core,
 * libs/ingest/src/core/link-projections.ts). Every other writer, and every update or delete
 * of a link, is kept by the triggers as before.
 *
 * Both triggers are dropped and created again in their former order (the projection's
 * first), so the order in which the two AFTER INSERT triggers run stays the same.
 *
 * Frozen copy of the trigger SQL (libs/audience/src/audience.triggers.ts and
 * libs/stats/src/ingest/stats.triggers.ts hold the runtime definitions;
 * libs/stats/test/triggers.e2e-spec.ts compares them).
 */
export class SetBasedLinkProjections1734420000000 implements MigrationInterface {
  name = 'SetBasedLinkProjections1734420000000';

  async up(q: QueryRunner): Promise<void> {
    await drop(q);
    await q.query(`CREATE TRIGGER trg_wcl_label_orders_ai AFTER INSERT ON wechat_customers_labels FOR EACH ROW BEGIN
      IF @wpp_set_based_links IS NULL THEN ${ADD_LINK}
      END IF;
    END`);
    await q.query(`CREATE TRIGGER trg_wcl_goods_labels_ai AFTER INSERT ON wechat_customers_labels FOR EACH ROW BEGIN
      IF @wpp_set_based_links IS NULL THEN
        UPDATE wechat_push_attributions
           SET goods_labels = IF(LENGTH(goods_labels) + 1 + LENGTH(NEW.label_id) > 1000,
                                 NULL,
                                 CONCAT(goods_labels, IF(goods_labels = '', '', ','), NEW.label_id))
         WHERE order_id = NEW.order_id;
      END IF;
    END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await drop(q);
    await q.query(`CREATE TRIGGER trg_wcl_label_orders_ai AFTER INSERT ON wechat_customers_labels FOR EACH ROW BEGIN ${ADD_LINK}
    END`);
    await q.query(
      `CREATE TRIGGER trg_wcl_goods_labels_ai AFTER INSERT ON wechat_customers_labels FOR EACH ROW ${APPEND_LABEL}`,
    );
  }
}

async function drop(q: QueryRunner): Promise<void> {
  await q.query('DROP TRIGGER IF EXISTS trg_wcl_label_orders_ai');
  await q.query('DROP TRIGGER IF EXISTS trg_wcl_goods_labels_ai');
}

const ADD_LINK = `
    INSERT INTO customer_label_orders (label_id, order_creation_time, customer_id, link_id)
    SELECT NEW.label_id, o.order_creation_time, NEW.customer_id, NEW.id
      FROM youzan_orders o WHERE o.id = NEW.order_id
    ON DUPLICATE KEY UPDATE link_id = customer_label_orders.link_id;`;

const APPEND_LABEL = `UPDATE wechat_push_attributions
         SET goods_labels = IF(LENGTH(goods_labels) + 1 + LENGTH(NEW.label_id) > 1000,
                               NULL,
                               CONCAT(goods_labels, IF(goods_labels = '', '', ','), NEW.label_id))
       WHERE order_id = NEW.order_id`;
