import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SENDER_DEFAULTS } from '@app/contracts';
import type { FieldDiff, VersionState } from './dto/rule-version.dto';
import type { PushRuleView } from './dto/push-rule.dto';
import { VALUE_LIMITS } from '@app/contracts';

/** A rule in request shape, as a version stores it (`info` without id and version fields). */
export type RuleBody = Omit<PushRuleView, 'id' | 'version' | 'approvedVersion' | 'pendingVersion'>;

/** Every field of a body, in the order diffs list them. */
const BODY_FIELDS: readonly (keyof RuleBody)[] = [
  'name',
  'status',
  'startDate',
  'endDate',
  'weekDayPushTime',
  'cityLabels',
  'storeLabels',
  'brandLabels',
  'cateLabels',
  'skuLabels',
  'lastOrderDay',
  'lastOrderDayLimit',
  'windowBasis',
  'labelMatch',
  'excludeCityLabels',
  'excludeStoreLabels',
  'excludeBrandLabels',
  'excludeCateLabels',
  'excludeSkuLabels',
  'minOrders',
  'minSpend',
  'valueLookbackDays',
  'rfmTiers',
  'holdoutPercent',
  'content',
  'img',
  'miniProgramTitle',
  'miniProgramImg',
  'miniProgramUrl',
  'variants',
  'contentWeight',
  'cooldownDays',
  'priority',
  'capExempt',
  'ignoreGlobalControl',
  'senderMode',
  'senderFallback',
  'executionDeadlineHours',
];

/**
 * The fields whose change needs an approver (docs/SECURITY.md "Approval"): who is reached
 * (audience), what they get (content) and when (schedule). The others (name, status, priority,
 * cooldownDays, capExempt, ignoreGlobalControl) take effect at once, recorded as a version.
 */
const GATED_FIELDS: ReadonlySet<string> = new Set([
  'cityLabels',
  'storeLabels',
  'brandLabels',
  'cateLabels',
  'skuLabels',
  'lastOrderDay',
  'lastOrderDayLimit',
  'windowBasis',
  'labelMatch',
  'excludeCityLabels',
  'excludeStoreLabels',
  'excludeBrandLabels',
  'excludeCateLabels',
  'excludeSkuLabels',
  'minOrders',
  'minSpend',
  'valueLookbackDays',
  'rfmTiers',
  'holdoutPercent',
  'content',
  'img',
  'miniProgramTitle',
  'miniProgramImg',
  'miniProgramUrl',
  'variants',
  'contentWeight',
  'weekDayPushTime',
  'startDate',
  'endDate',
  // Who sends (and whether customers without a store guide are skipped), and how long
  // members may take before their tasks are cancelled: who is reached.
  'senderMode',
  'senderFallback',
  'executionDeadlineHours',
]);

type AudienceField =
  | 'windowBasis'
  | 'labelMatch'
  | 'excludeCityLabels'
  | 'excludeStoreLabels'
  | 'excludeBrandLabels'
  | 'excludeCateLabels'
  | 'excludeSkuLabels'
  | 'minOrders'
  | 'minSpend'
  | 'valueLookbackDays'
  | 'rfmTiers';

/** The targeting fields of issue 22 in a body. */
export type AudienceBodyFields = Pick<RuleBody, AudienceField>;

/** What a rule had before issue 22's fields existed: today's semantics. */
export const AUDIENCE_DEFAULTS: AudienceBodyFields = {
  windowBasis: 'lastOrder',
  labelMatch: 'any',
  excludeCityLabels: '',
  excludeStoreLabels: '',
  excludeBrandLabels: '',
  excludeCateLabels: '',
  excludeSkuLabels: '',
  minOrders: null,
  minSpend: null,
  valueLookbackDays: VALUE_LIMITS.valueLookbackDays.default,
  rfmTiers: [],
};

/**
 * A stored body with the fields it predates filled in with their defaults, so a version
 * written before issue 22 compares equal to the same rule read back now.
 */
export function withAudienceDefaults<T extends Partial<AudienceBodyFields>>(
  body: T,
): T & AudienceBodyFields {
  return { ...AUDIENCE_DEFAULTS, ...body };
}

/** Field-by-field differences of two bodies (`before` null: every field of `after`). */
export function diffBodies(before: RuleBody | null, after: RuleBody): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const field of BODY_FIELDS) {
    const a = before ? before[field] : null;
    const b = after[field];
    if (before && JSON.stringify(a) === JSON.stringify(b)) continue;
    out.push({ field, before: a ?? null, after: b ?? null });
  }
  return out;
}

/** Whether going from `approved` (null: none yet) to `next` needs an approver. */
export function needsApproval(approved: RuleBody | null, next: RuleBody): boolean {
  return approved === null || diffBodies(approved, next).some((d) => GATED_FIELDS.has(d.field));
}

export interface VersionRow {
  id: number;
  pushId: number;
  version: number;
  state: VersionState;
  body: RuleBody;
  authorId: number;
  authorName: string | null;
  createdAt: Date;
  decidedBy: number | null;
  decidedByName: string | null;
  decidedAt: Date | null;
  comment: string | null;
}

interface RawVersion {
  id: number;
  push_id: number;
  version: number;
  state: VersionState;
  body: string;
  author_id: number;
  author_name: string | null;
  created_at: Date;
  decided_by: number | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  comment: string | null;
}

const SELECT_VERSION = `
  SELECT v.id, v.push_id, v.version, v.state, v.body, v.author_id, a.display_name AS author_name,
         v.created_at, v.decided_by, d.display_name AS decided_by_name, v.decided_at, v.comment
    FROM wechat_push_versions v
    LEFT JOIN accounts a ON a.id = v.author_id
    LEFT JOIN accounts d ON d.id = v.decided_by`;

const toRow = (r: RawVersion): VersionRow => ({
  id: r.id,
  pushId: r.push_id,
  version: Number(r.version),
  state: r.state,
  // Bodies written before issue 22 hold neither the targeting nor the sender fields.
  body: { ...SENDER_DEFAULTS, ...withAudienceDefaults(JSON.parse(r.body) as RuleBody) },
  authorId: r.author_id,
  authorName: r.author_name,
  createdAt: r.created_at,
  decidedBy: r.decided_by,
  decidedByName: r.decided_by_name,
  decidedAt: r.decided_at,
  comment: r.comment,
});

/** Every query on wechat_push_versions. Bodies are written once; only decisions change. */
@Injectable()
export class RuleVersionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Locks the rule's row for the rest of the transaction (versions of one rule are numbered
   * and decided one at a time) and returns the number the next version gets.
   */
  async lockNextNumber(em: EntityManager, pushId: number): Promise<number> {
    await em.query('SELECT id FROM wechat_push WHERE id = ? FOR UPDATE', [pushId]);
    const [r] = await em.query(
      'SELECT COALESCE(MAX(version), 0) AS n FROM wechat_push_versions WHERE push_id = ?',
      [pushId],
    );
    return Number(r.n) + 1;
  }

  async insert(
    em: EntityManager,
    v: {
      pushId: number;
      version: number;
      state: VersionState;
      body: RuleBody;
      authorId: number;
      at: Date;
      decidedBy?: number;
      comment?: string;
    },
  ): Promise<void> {
    const decided = v.state !== 'pending_approval';
    await em.query(
      `INSERT INTO wechat_push_versions
         (push_id, version, state, body, author_id, created_at, decided_by, decided_at, comment)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        v.pushId,
        v.version,
        v.state,
        JSON.stringify(v.body),
        v.authorId,
        v.at,
        decided ? (v.decidedBy ?? v.authorId) : null,
        decided ? v.at : null,
        v.comment ?? null,
      ],
    );
  }

  /** A still-pending version of the rule becomes `superseded` (a newer one replaces it). */
  async supersedePending(em: EntityManager, pushId: number, by: number, at: Date): Promise<void> {
    await em.query(
      `UPDATE wechat_push_versions SET state = 'superseded', decided_by = ?, decided_at = ?
        WHERE push_id = ? AND state = 'pending_approval'`,
      [by, at, pushId],
    );
  }

  /** Moves a pending version to `to`; false when it is not pending (any more). */
  async decide(
    em: EntityManager,
    pushId: number,
    version: number,
    to: 'approved' | 'rejected',
    by: number,
    at: Date,
    comment: string | null,
  ): Promise<boolean> {
    const r = await em.query(
      `UPDATE wechat_push_versions SET state = ?, decided_by = ?, decided_at = ?, comment = ?
        WHERE push_id = ? AND version = ? AND state = 'pending_approval'`,
      [to, by, at, comment, pushId, version],
    );
    return Number((r as { affectedRows?: number }).affectedRows ?? 0) > 0;
  }

  async find(
    pushId: number,
    version: number,
    em: EntityManager = this.db.manager,
  ): Promise<VersionRow | undefined> {
    const rows: RawVersion[] = await em.query(
      `${SELECT_VERSION} WHERE v.push_id = ? AND v.version = ?`,
      [pushId, version],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** The rule's newest version (pending or not). */
  async latest(
    pushId: number,
    em: EntityManager = this.db.manager,
  ): Promise<VersionRow | undefined> {
    const rows: RawVersion[] = await em.query(
      `${SELECT_VERSION} WHERE v.push_id = ? ORDER BY v.version DESC LIMIT 1`,
      [pushId],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** Every version of a rule, newest first. */
  async all(pushId: number): Promise<VersionRow[]> {
    const rows: RawVersion[] = await this.db.query(
      `${SELECT_VERSION} WHERE v.push_id = ? ORDER BY v.version DESC`,
      [pushId],
    );
    return rows.map(toRow);
  }

  /** Pending versions of live rules, newest first, with the rule's name and approved version. */
  async pending(
    offset: number,
    limit: number,
  ): Promise<{
    rows: (VersionRow & { name: string; approvedVersion: number | null })[];
    total: number;
  }> {
    const where = `v.state = 'pending_approval' AND p.is_deleted = 0`;
    const [count] = await this.db.query(
      `SELECT COUNT(*) AS n FROM wechat_push_versions v JOIN wechat_push p ON p.id = v.push_id
        WHERE ${where}`,
    );
    const rows: (RawVersion & { name: string; approved_version: number | null })[] =
      await this.db.query(
        `${SELECT_VERSION.replace(
          'FROM wechat_push_versions v',
          'FROM wechat_push_versions v JOIN wechat_push p ON p.id = v.push_id',
        ).replace('SELECT v.id,', 'SELECT p.name, p.approved_version, v.id,')}
          WHERE ${where} ORDER BY v.created_at DESC, v.id DESC LIMIT ? OFFSET ?`,
        [limit, offset],
      );
    return {
      rows: rows.map((r) => ({
        ...toRow(r),
        name: r.name,
        approvedVersion: r.approved_version === null ? null : Number(r.approved_version),
      })),
      total: Number(count?.n ?? 0),
    };
  }
}
