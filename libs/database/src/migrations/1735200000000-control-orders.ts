import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The control's orders kept as the treated's attributions are (issue 17 benchmark,
 * docs/STATISTICS.md "Experiments", docs/BENCHMARKS.md "Experiments"): the experiment
 * statistics read a run range's control orders in one read instead of one `order_buyers`
 * dive per holdout member.
 *
 * - `wechat_push_control_orders`: one row per (holdout member of a run, converting order of
 *   its customer created 0–90 days after its `assigned_at`), with the lag and the order's
 *   revenue — the attribution rule, from the assignment instead of the push.
 * - `wechat_push_run_controls` gains `idx_run_controls_buyer (customer_id, control_group,
 *   assigned_at)`: the one dive each order_buyers write makes to find its holdout members.
 * - Triggers: a control row recorded without its customer id gets it (the lowest
 *   `customers.id` of its external id, as the pipeline resolves it); control rows inserted,
 *   updated, deleted; order_buyers rows inserted, updated, deleted; youzan_orders amounts and
 *   status updated (after the attribution trigger of that event).
 * - Backfill: control rows still without a customer id get it; then the kept orders of every
 *   existing holdout member, in chunks of runs (after the triggers exist, so nothing written
 *   meanwhile is missed; INSERT IGNORE makes the overlap harmless).
 *
 * Frozen copy of the trigger SQL (libs/stats/src/ingest/stats.triggers.ts holds the runtime
 * definition; libs/stats/test/triggers.e2e-spec.ts compares them).
 */
export class ControlOrders1735200000000 implements MigrationInterface {
  name = 'ControlOrders1735200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push_control_orders (
        run_id BIGINT UNSIGNED NOT NULL,
        external_userid VARCHAR(128) NOT NULL,
        order_id BIGINT UNSIGNED NOT NULL,
        customer_id BIGINT UNSIGNED NOT NULL,
        order_time DATETIME NOT NULL,
        lag_seconds INT UNSIGNED NOT NULL COMMENT 'order_time - the member''s assigned_at',
        revenue DECIMAL(12, 2) NULL COMMENT 'the order''s payment - refunded_fee; NULL: amounts unknown',
        PRIMARY KEY (run_id, external_userid, order_id),
        KEY idx_control_orders_order (order_id, customer_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci
        COMMENT='converting orders of holdout members within 90 days after their assignment; maintained by triggers'`);
    await q.query(
      `ALTER TABLE wechat_push_run_controls
         ADD KEY idx_run_controls_buyer (customer_id, control_group, assigned_at)`,
    );
    for (const [name, timing, event, table, body] of TRIGGERS) {
      await q.query(`CREATE TRIGGER ${name} ${timing} ${event} ON ${table} FOR EACH ROW ${body}`);
    }
    await q.query(`
      UPDATE wechat_push_run_controls c
         SET c.customer_id = (SELECT MIN(cu.id) FROM customers cu
                               WHERE cu.external_userid = c.external_userid)
       WHERE c.customer_id IS NULL`);
    await backfill(q);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of [...TRIGGERS].reverse()) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
    await q.query('ALTER TABLE wechat_push_run_controls DROP KEY idx_run_controls_buyer');
    await q.query('DROP TABLE wechat_push_control_orders');
  }
}

const MAX_DAYS = 90;

const CONVERTS = (o: string) =>
  `(${o}.status IS NULL OR ${o}.status NOT IN ('closed', 'refunded'))
         AND (${o}.payment IS NULL OR ${o}.payment - IFNULL(${o}.refunded_fee, 0) > 0)`;

const REVENUE = (o: string) => `${o}.payment - IFNULL(${o}.refunded_fee, 0)`;

const COLUMNS = `(run_id, external_userid, order_id, customer_id, order_time,
         lag_seconds, revenue)`;

const ROWS = (c: string, ob: string, yo: string) => `
      SELECT ${c}.run_id, ${c}.external_userid, ${ob}.order_id, ${ob}.customer_id,
             ${ob}.order_creation_time,
             TIMESTAMPDIFF(SECOND, ${c}.assigned_at, ${ob}.order_creation_time), ${REVENUE(yo)}`;

const HELD_OUT_BEFORE = (c: string, ob: string) => `${c}.customer_id = ${ob}.customer_id
         AND ${c}.control_group = 'holdout'
         AND ${c}.assigned_at <= ${ob}.order_creation_time
         AND ${ob}.order_creation_time <= ${c}.assigned_at + INTERVAL ${MAX_DAYS} DAY`;

const KEEP_ORDER = `
      INSERT IGNORE INTO wechat_push_control_orders ${COLUMNS}
      ${ROWS('c', 'NEW', 'yo')}
        FROM youzan_orders yo
        JOIN wechat_push_run_controls c ON ${HELD_OUT_BEFORE('c', 'NEW')}
       WHERE yo.id = NEW.order_id AND ${CONVERTS('yo')};`;

const DROP_ORDER = `
      DELETE FROM wechat_push_control_orders
       WHERE order_id = OLD.order_id AND customer_id = OLD.customer_id;`;

const KEEP_MEMBER = `
      IF NEW.control_group = 'holdout' AND NEW.customer_id IS NOT NULL THEN
        INSERT IGNORE INTO wechat_push_control_orders ${COLUMNS}
        ${ROWS('NEW', 'ob', 'yo')}
          FROM order_buyers ob
          JOIN youzan_orders yo ON yo.id = ob.order_id
         WHERE ${HELD_OUT_BEFORE('NEW', 'ob')} AND ${CONVERTS('yo')};
      END IF;`;

const DROP_MEMBER = `
      DELETE FROM wechat_push_control_orders
       WHERE run_id = OLD.run_id AND external_userid = OLD.external_userid;`;

/** [name, timing, event, table, body], in creation order. */
const TRIGGERS: readonly [string, string, string, string, string][] = [
  [
    'trg_run_controls_customer_bi',
    'BEFORE',
    'INSERT',
    'wechat_push_run_controls',
    `BEGIN
      IF NEW.customer_id IS NULL THEN
        SET NEW.customer_id = (SELECT MIN(cu.id) FROM customers cu
                                WHERE cu.external_userid = NEW.external_userid);
      END IF;
    END`,
  ],
  [
    'trg_run_controls_orders_ai',
    'AFTER',
    'INSERT',
    'wechat_push_run_controls',
    `BEGIN ${KEEP_MEMBER}
    END`,
  ],
  [
    'trg_run_controls_orders_au',
    'AFTER',
    'UPDATE',
    'wechat_push_run_controls',
    `BEGIN
      IF NOT (OLD.run_id <=> NEW.run_id AND OLD.external_userid <=> NEW.external_userid
              AND OLD.customer_id <=> NEW.customer_id AND OLD.assigned_at <=> NEW.assigned_at
              AND OLD.control_group <=> NEW.control_group) THEN
        ${DROP_MEMBER}
        ${KEEP_MEMBER}
      END IF;
    END`,
  ],
  [
    'trg_run_controls_orders_ad',
    'AFTER',
    'DELETE',
    'wechat_push_run_controls',
    `BEGIN ${DROP_MEMBER}
    END`,
  ],
  [
    'trg_order_buyers_control_orders_ai',
    'AFTER',
    'INSERT',
    'order_buyers',
    `BEGIN ${KEEP_ORDER}
    END`,
  ],
  [
    'trg_order_buyers_control_orders_au',
    'AFTER',
    'UPDATE',
    'order_buyers',
    `BEGIN ${DROP_ORDER} ${KEEP_ORDER}
    END`,
  ],
  [
    'trg_order_buyers_control_orders_ad',
    'AFTER',
    'DELETE',
    'order_buyers',
    `BEGIN ${DROP_ORDER}
    END`,
  ],
  [
    'trg_youzan_orders_control_orders_au',
    'AFTER',
    'UPDATE',
    'youzan_orders',
    `BEGIN
      IF NOT (OLD.payment <=> NEW.payment AND OLD.refunded_fee <=> NEW.refunded_fee
              AND OLD.status <=> NEW.status) THEN
        IF ${CONVERTS('NEW')} THEN
          UPDATE wechat_push_control_orders SET revenue = ${REVENUE('NEW')}
           WHERE order_id = NEW.id;
          IF NOT (${CONVERTS('OLD')}) THEN
            INSERT IGNORE INTO wechat_push_control_orders ${COLUMNS}
            ${ROWS('c', 'ob', 'NEW')}
              FROM order_buyers ob
              JOIN wechat_push_run_controls c ON ${HELD_OUT_BEFORE('c', 'ob')}
             WHERE ob.order_id = NEW.id;
          END IF;
        ELSE
          DELETE FROM wechat_push_control_orders WHERE order_id = NEW.id;
        END IF;
      END IF;
    END`,
  ],
];

/** The kept orders of every existing holdout member, 20 runs per statement. */
async function backfill(q: QueryRunner, chunk = 20): Promise<void> {
  const runs = (await q.query(
    `SELECT DISTINCT run_id AS id FROM wechat_push_run_controls
      WHERE control_group = 'holdout' ORDER BY run_id`,
  )) as { id: string | number }[];
  for (let i = 0; i < runs.length; i += chunk) {
    await q.query(
      `INSERT IGNORE INTO wechat_push_control_orders ${COLUMNS}
       ${ROWS('c', 'ob', 'yo')}
         FROM wechat_push_run_controls c
         STRAIGHT_JOIN order_buyers ob ON ob.customer_id = c.customer_id
              AND ob.order_creation_time >= c.assigned_at
              AND ob.order_creation_time <= c.assigned_at + INTERVAL ${MAX_DAYS} DAY
         STRAIGHT_JOIN youzan_orders yo ON yo.id = ob.order_id
        WHERE c.run_id IN (?) AND c.control_group = 'holdout' AND ${CONVERTS('yo')}`,
      [runs.slice(i, i + chunk).map((r) => String(r.id))],
    );
  }
}
