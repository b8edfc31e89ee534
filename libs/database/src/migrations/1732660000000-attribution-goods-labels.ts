import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wechat_push_attributions.goods_labels`: the label ids of the attributed order row
 * (`wechat_customers_labels.label_id` of its `order_id`, every type, comma separated, in no
 * particular order, an id once per link; '' when it has none), carried in `idx_attributions_goods (run_id, lag_seconds,
 * recipient_key, order_number, goods_labels)` so the goods breakdown
 * (`POST /statistic/wechatpush/goods`) reads the scope's orders *with* their labels in one
 * covering range read instead of one `idx_wcl_order` dive per attributed order row — the dive
 * and its join were two thirds of that endpoint's time at 250,000 attributed orders
 * (docs/STATISTICS.md, docs/BENCHMARKS.md).
 *
 * - NULL means "not carried here": the order row has more labels than fit
 *   ({@link GOODS_LABELS_MAX_CHARS} characters, under MySQL 8's default
 *   `group_concat_max_len` of 1024 so the list is never cut silently); readers then look the
 *   order's labels up in `wechat_customers_labels`.
 * - Kept exactly in step by triggers, inside the writing statement's transaction: before an
 *   attribution row is inserted its list is read; after a label link is inserted its id is
 *   appended to the lists of its order's attribution rows; after one is updated or deleted,
 *   the lists of the order(s) it touches are read again. Reads are locking reads (`LOCK IN
 *   SHARE MODE`) of the order's links, so they see links committed meanwhile and wait for
 *   uncommitted ones; appends and rewrites update the attribution rows, which locks them, so
 *   they queue behind each other and behind an uncommitted attribution row. Two transactions
 *   adding links to one order, or one adding a link while another attributes the order,
 *   leave the list complete (or one is a deadlock victim its writer retries) under
 *   REPEATABLE READ and READ COMMITTED alike.
 * - A separate index, not a wider `idx_attributions_run`: result, compare and report read
 *   that one and slowed down by about an eighth when it carried the lists (bench:stats).
 * - The migration backfills the existing rows, then builds the index (online in InnoDB).
 *
 * Syntax shared by MariaDB 10.11 and MySQL 8 (several triggers per table and event).
 */
export class AttributionGoodsLabels1732660000000 implements MigrationInterface {
  name = 'AttributionGoodsLabels1732660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE wechat_push_attributions
        ADD COLUMN goods_labels VARCHAR(${GOODS_LABELS_MAX_CHARS}) CHARACTER SET ascii
          COLLATE ascii_bin NULL
          COMMENT 'label ids of the order row, comma separated; NULL: too many, read wechat_customers_labels'`);
    await createGoodsLabelTriggers(q);
    await backfillGoodsLabels(q);
    await q.query(`
      ALTER TABLE wechat_push_attributions
        ADD INDEX idx_attributions_goods
          (run_id, lag_seconds, recipient_key, order_number, goods_labels)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropGoodsLabelTriggers(q);
    await q.query(`
      ALTER TABLE wechat_push_attributions
        DROP INDEX idx_attributions_goods,
        DROP COLUMN goods_labels`);
  }
}

/** Longest list carried on the row; longer lists are NULL (read the links instead). */
const GOODS_LABELS_MAX_CHARS = 1000;

const GOODS_LABEL_TRIGGERS = [
  'trg_attributions_goods_labels_bi',
  'trg_wcl_goods_labels_ai',
  'trg_wcl_goods_labels_au',
  'trg_wcl_goods_labels_ad',
] as const;

/** The list of order row `orderId` (an SQL expression) into the variable `labels`. */
const READ_LABELS = (orderId: string) => `
      SELECT IF(SUM(LENGTH(l.label_id) + 1) - 1 > ${GOODS_LABELS_MAX_CHARS}, NULL,
                IFNULL(GROUP_CONCAT(l.label_id ORDER BY l.label_id SEPARATOR ','), ''))
        INTO labels
        FROM wechat_customers_labels l WHERE l.order_id = ${orderId}
        LOCK IN SHARE MODE;`;

/** Re-reads the list of every attribution row of order row `orderId`. */
const REFRESH_ORDER = (orderId: string) => `
      IF EXISTS (SELECT 1 FROM wechat_push_attributions a WHERE a.order_id = ${orderId}) THEN
        ${READ_LABELS(orderId)}
        UPDATE wechat_push_attributions SET goods_labels = labels WHERE order_id = ${orderId};
      END IF;`;

async function createGoodsLabelTriggers(q: QueryRunner): Promise<void> {
  const [bi, ai, au, ad] = GOODS_LABEL_TRIGGERS;
  await q.query(`
    CREATE TRIGGER ${bi} BEFORE INSERT ON wechat_push_attributions FOR EACH ROW
    BEGIN
      DECLARE labels VARCHAR(${GOODS_LABELS_MAX_CHARS}) CHARACTER SET ascii DEFAULT NULL;
      ${READ_LABELS('NEW.order_id')}
      SET NEW.goods_labels = labels;
    END`);
  // A new link only adds its id: appended by an UPDATE of the order's attribution rows, which
  // locks them, so concurrent appends queue and none is lost; about half the cost of reading
  // the order's links again (a one-off measurement, docs/BENCHMARKS.md; `bench:stats --link-cost`
  // measures these triggers against none). A list that grows too long becomes NULL; NULL stays.
  await q.query(`
    CREATE TRIGGER ${ai} AFTER INSERT ON wechat_customers_labels FOR EACH ROW
      UPDATE wechat_push_attributions
         SET goods_labels = IF(LENGTH(goods_labels) + 1 + LENGTH(NEW.label_id) > ${GOODS_LABELS_MAX_CHARS},
                               NULL,
                               CONCAT(goods_labels, IF(goods_labels = '', '', ','), NEW.label_id))
       WHERE order_id = NEW.order_id`);
  await q.query(`
    CREATE TRIGGER ${au} AFTER UPDATE ON wechat_customers_labels FOR EACH ROW
    BEGIN
      DECLARE labels VARCHAR(${GOODS_LABELS_MAX_CHARS}) CHARACTER SET ascii DEFAULT NULL;
      IF NOT (OLD.order_id <=> NEW.order_id AND OLD.label_id <=> NEW.label_id) THEN
        ${REFRESH_ORDER('NEW.order_id')}
        IF NOT (OLD.order_id <=> NEW.order_id) THEN
          ${REFRESH_ORDER('OLD.order_id')}
        END IF;
      END IF;
    END`);
  await q.query(`
    CREATE TRIGGER ${ad} AFTER DELETE ON wechat_customers_labels FOR EACH ROW
    BEGIN
      DECLARE labels VARCHAR(${GOODS_LABELS_MAX_CHARS}) CHARACTER SET ascii DEFAULT NULL;
      ${REFRESH_ORDER('OLD.order_id')}
    END`);
}

async function dropGoodsLabelTriggers(q: QueryRunner): Promise<void> {
  for (const name of GOODS_LABEL_TRIGGERS) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
}

/**
 * Sets the list of every attribution row from the links present (idempotent; one grouped
 * read of the attributed orders' links, in chunks of order ids so no statement runs long).
 */
async function backfillGoodsLabels(q: QueryRunner, chunk = 200_000): Promise<void> {
  const [range] = (await q.query(
    'SELECT MIN(order_id) AS lo, MAX(order_id) AS hi FROM wechat_push_attributions',
  )) as { lo: string | number | null; hi: string | number | null }[];
  if (range.lo === null || range.hi === null) return;
  for (let from = BigInt(range.lo); from <= BigInt(range.hi); from += BigInt(chunk)) {
    const to = from + BigInt(chunk);
    await q.query(
      `UPDATE wechat_push_attributions a
         LEFT JOIN (SELECT l.order_id,
                           IF(SUM(LENGTH(l.label_id) + 1) - 1 > ${GOODS_LABELS_MAX_CHARS}, NULL,
                              GROUP_CONCAT(l.label_id ORDER BY l.label_id SEPARATOR ',')) AS labels
                      FROM wechat_customers_labels l
                     WHERE l.order_id >= ? AND l.order_id < ?
                     GROUP BY l.order_id) x ON x.order_id = a.order_id
          SET a.goods_labels = IF(x.order_id IS NULL, '', x.labels)
        WHERE a.order_id >= ? AND a.order_id < ?`,
      [String(from), String(to), String(from), String(to)],
    );
  }
}
