import { MigrationInterface, QueryRunner } from 'typeorm';

interface LegacyRule {
  id: number;
  name: string;
  status: number;
  start_date: string;
  end_date: string;
  city_labels: string;
  store_labels: string;
  brand_labels: string;
  cate_labels: string;
  sku_labels: string;
  last_order_day: number;
  last_order_day_limit: number;
  content: string | null;
  img: string | null;
  mini_program_title: string | null;
  mini_program_img: string | null;
  mini_program_url: string | null;
  cooldown_days: number;
  priority: number;
  cap_exempt: number;
  holdout_percent: string | number;
  variants: string | null;
  content_weight: number;
  ignore_global_control: number;
  created_by: number | null;
  updated_at: Date | string;
}

/**
 * Rule versions and approval (issue 23, docs/SECURITY.md "Approval"). Every version of a rule
 * is a row of `wechat_push_versions` with the whole rule in request shape (`body`); only its
 * state and decision columns ever change. `wechat_push` (+ `wechat_push_time`) keep holding
 * the last approved version (`approved_version`), which is what the scheduler fires; each run
 * records the version it sent (`rule_version`). A manual trigger of a rule whose audience is
 * above APPROVAL_CONFIRM_ABOVE waits in `wechat_push_trigger_confirmations` for a second approver.
 *
 * Migration path: every existing rule becomes version 1, approved by the system account (id 0)
 * at its last change (`updated_at`, already Shanghai wall time).
 */
export class RuleVersions1734600000000 implements MigrationInterface {
  name = 'RuleVersions1734600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_push_versions (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        push_id BIGINT UNSIGNED NOT NULL,
        version INT UNSIGNED NOT NULL COMMENT '1, 2, … per rule',
        state VARCHAR(24) NOT NULL COMMENT 'pending_approval | approved | rejected | superseded',
        body LONGTEXT NOT NULL COMMENT 'the whole rule in request shape (JSON); never changes',
        author_id BIGINT NOT NULL COMMENT 'account or operator id; 0: the system (migration)',
        created_at DATETIME NOT NULL,
        decided_by BIGINT NULL,
        decided_at DATETIME NULL,
        comment VARCHAR(500) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uk_push_versions_rule (push_id, version),
        KEY idx_push_versions_state (state, created_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE wechat_push_trigger_confirmations (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        push_id BIGINT UNSIGNED NOT NULL,
        audience_estimate INT UNSIGNED NOT NULL COMMENT 'the rule audience counted at the request',
        forced TINYINT(1) NOT NULL DEFAULT 0 COMMENT 'trigger with force (quiet hours)',
        requested_by BIGINT NOT NULL,
        requested_at DATETIME NOT NULL,
        confirmed_by BIGINT NULL,
        confirmed_at DATETIME NULL,
        run_id BIGINT UNSIGNED NULL COMMENT 'the manual run the confirmation started',
        PRIMARY KEY (id),
        KEY idx_trigger_confirmations_rule (push_id, requested_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(
      `ALTER TABLE wechat_push ADD COLUMN approved_version INT UNSIGNED NULL
         COMMENT 'the version the live columns and slots hold; NULL: none approved yet'`,
    );
    await q.query(
      `ALTER TABLE wechat_push_runs ADD COLUMN rule_version INT UNSIGNED NULL
         COMMENT 'the approved rule version this run sent'`,
    );

    const rules: LegacyRule[] = await q.query(
      `SELECT id, name, status, start_date, end_date, city_labels, store_labels, brand_labels,
              cate_labels, sku_labels, last_order_day, last_order_day_limit, content, img,
              mini_program_title, mini_program_img, mini_program_url, cooldown_days, priority,
              cap_exempt, holdout_percent, variants, content_weight, ignore_global_control,
              created_by, updated_at
         FROM wechat_push`,
    );
    for (const r of rules) {
      const slots: { week_day: number; push_time: string }[] = await q.query(
        'SELECT week_day, push_time FROM wechat_push_time WHERE push_id = ? ORDER BY week_day, push_time',
        [r.id],
      );
      const body = {
        name: r.name,
        status: Number(r.status),
        startDate: r.start_date,
        endDate: r.end_date,
        weekDayPushTime: slots.map((s) => ({ week: Number(s.week_day), time: s.push_time })),
        cityLabels: r.city_labels,
        storeLabels: r.store_labels,
        brandLabels: r.brand_labels,
        cateLabels: r.cate_labels,
        skuLabels: r.sku_labels,
        lastOrderDay: Number(r.last_order_day),
        lastOrderDayLimit: Number(r.last_order_day_limit),
        content: r.content ?? '',
        img: r.img ?? '',
        miniProgramTitle: r.mini_program_title ?? '',
        miniProgramImg: r.mini_program_img ?? '',
        miniProgramUrl: r.mini_program_url ?? '',
        cooldownDays: Number(r.cooldown_days),
        priority: Number(r.priority),
        capExempt: Number(r.cap_exempt) === 1,
        holdoutPercent: Number(r.holdout_percent),
        variants: r.variants ? (JSON.parse(r.variants) as unknown[]) : [],
        contentWeight: Number(r.content_weight),
        ignoreGlobalControl: Number(r.ignore_global_control) === 1,
      };
      await q.query(
        `INSERT INTO wechat_push_versions
           (push_id, version, state, body, author_id, created_at, decided_by, decided_at, comment)
         VALUES (?, 1, 'approved', ?, 0, ?, 0, ?, 'migrated: the rule as it was')`,
        [r.id, JSON.stringify(body), r.updated_at, r.updated_at],
      );
    }
    await q.query('UPDATE wechat_push SET approved_version = 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE wechat_push_runs DROP COLUMN rule_version');
    await q.query('ALTER TABLE wechat_push DROP COLUMN approved_version');
    await q.query('DROP TABLE wechat_push_trigger_confirmations');
    await q.query('DROP TABLE wechat_push_versions');
  }
}
