import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  Clock,
  describeAuditChange,
  ErrorCode,
  formatDateTime,
} from '@app/common';
import { ContactPolicyShape, policyProblems, WecomCapPeriod } from '@app/contracts';

/** The stored policy with who last changed it. */
export interface ContactPolicyRecord extends ContactPolicyShape {
  updatedBy: number | null;
  /** YYYY-MM-DD HH:mm:ss, Asia/Shanghai. */
  updatedAt: string;
}

interface PolicyRow {
  max_per_day: number;
  max_per_week: number;
  min_gap_hours: number;
  wecom_cap_period: string;
  wecom_cap_limit: number | null;
  quiet_start: string | null;
  quiet_end: string | null;
  blackout_dates: string;
  global_control_percent: string | number;
  global_control_salt: string;
  updated_by: number | string | null;
  updated_at: Date;
}

function toRecord(r: PolicyRow): ContactPolicyRecord {
  return {
    maxPerDay: Number(r.max_per_day),
    maxPerWeek: Number(r.max_per_week),
    minGapHours: Number(r.min_gap_hours),
    wecomCap: {
      period: r.wecom_cap_period as WecomCapPeriod,
      limit: r.wecom_cap_limit === null ? null : Number(r.wecom_cap_limit),
    },
    quietHours: r.quiet_start && r.quiet_end ? { start: r.quiet_start, end: r.quiet_end } : null,
    blackoutDates: JSON.parse(r.blackout_dates) as string[],
    globalControlPercent: Number(r.global_control_percent),
    updatedBy: r.updated_by === null ? null : Number(r.updated_by),
    updatedAt: formatDateTime(r.updated_at),
  };
}

const shapeOf = (r: ContactPolicyRecord): ContactPolicyShape => ({
  maxPerDay: r.maxPerDay,
  maxPerWeek: r.maxPerWeek,
  minGapHours: r.minGapHours,
  wecomCap: r.wecomCap,
  quietHours: r.quietHours,
  blackoutDates: r.blackoutDates,
  globalControlPercent: r.globalControlPercent,
});

/**
 * The global contact policy (one row, `contact_policy`), read by every selection and
 * changed through `/policy/update`; each change is kept in `contact_policy_changes` with
 * who made it and the policy before and after.
 */
@Injectable()
export class ContactPolicyService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<ContactPolicyRecord> {
    const [row]: PolicyRow[] = await this.db.query('SELECT * FROM contact_policy WHERE id = 1');
    if (!row) throw new Error('contact_policy has no row 1 (migrations not applied?)');
    return toRecord(row);
  }

  /** The policy's rules alone, as selections apply them. */
  async current(): Promise<ContactPolicyShape> {
    return shapeOf(await this.get());
  }

  /**
   * The global control group's draw: its share and the installation's salt (random at
   * migration, kept when the share changes, so a larger share contains the smaller).
   */
  async globalControl(): Promise<{ percent: number; salt: string }> {
    const [row]: PolicyRow[] = await this.db.query('SELECT * FROM contact_policy WHERE id = 1');
    return {
      percent: Number(row.global_control_percent),
      salt: row.global_control_salt,
    };
  }

  /**
   * Whether this operator may change the global policy and mark rules cap-exempt
   * (POLICY_OPERATOR_IDS; empty: everyone who may use the API).
   */
  mayChangePolicy(operatorId: number | undefined): boolean {
    const allowed = this.config.POLICY_OPERATOR_IDS;
    return (
      allowed.length === 0 || (operatorId !== undefined && allowed.includes(String(operatorId)))
    );
  }

  assertMayChangePolicy(operatorId: number | undefined, field?: string): void {
    if (!this.mayChangePolicy(operatorId)) {
      throw new AppException(ErrorCode.FORBIDDEN, '无权修改触达策略', [
        {
          field: field ?? 'policy',
          message: 'only the operators in POLICY_OPERATOR_IDS may change the contact policy',
        },
      ]);
    }
  }

  /** Applies any subset of the fields; returns the stored policy. */
  async update(
    input: Partial<ContactPolicyShape>,
    operatorId: number | undefined,
  ): Promise<ContactPolicyRecord> {
    this.assertMayChangePolicy(operatorId);
    const problems = policyProblems(input);
    if (problems.length) {
      throw AppException.validation(problems.map(({ field, message }) => ({ field, message })));
    }
    const now = this.clock.now();
    await this.db.transaction(async (em) => {
      const [row]: PolicyRow[] = await em.query(
        'SELECT * FROM contact_policy WHERE id = 1 FOR UPDATE',
      );
      const before = shapeOf(toRecord(row));
      const after: ContactPolicyShape = {
        ...before,
        ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
      };
      after.wecomCap = { period: after.wecomCap.period, limit: after.wecomCap.limit ?? null };
      after.blackoutDates = [...new Set(after.blackoutDates)].sort();
      await em.query(
        `UPDATE contact_policy
            SET max_per_day = ?, max_per_week = ?, min_gap_hours = ?, wecom_cap_period = ?,
                wecom_cap_limit = ?, quiet_start = ?, quiet_end = ?, blackout_dates = ?,
                global_control_percent = ?, updated_by = ?, updated_at = ?
          WHERE id = 1`,
        [
          after.maxPerDay,
          after.maxPerWeek,
          after.minGapHours,
          after.wecomCap.period,
          after.wecomCap.limit,
          after.quietHours?.start ?? null,
          after.quietHours?.end ?? null,
          JSON.stringify(after.blackoutDates),
          after.globalControlPercent,
          operatorId ?? null,
          now,
        ],
      );
      await em.query(
        `INSERT INTO contact_policy_changes (changed_by, changed_at, before_json, after_json)
         VALUES (?, ?, ?, ?)`,
        [operatorId ?? null, now, JSON.stringify(before), JSON.stringify(after)],
      );
      describeAuditChange({ targetType: 'contact_policy', targetId: 1, before, after });
    });
    return this.get();
  }

  /** The latest changes, newest first. */
  async changes(limit = 20): Promise<
    {
      changedBy: number | null;
      changedAt: string;
      before: ContactPolicyShape;
      after: ContactPolicyShape;
    }[]
  > {
    const rows: {
      changed_by: number | string | null;
      changed_at: Date;
      before_json: string;
      after_json: string;
    }[] = await this.db.query('SELECT * FROM contact_policy_changes ORDER BY id DESC LIMIT ?', [
      limit,
    ]);
    return rows.map((r) => ({
      changedBy: r.changed_by === null ? null : Number(r.changed_by),
      changedAt: formatDateTime(r.changed_at),
      before: JSON.parse(r.before_json) as ContactPolicyShape,
      after: JSON.parse(r.after_json) as ContactPolicyShape,
    }));
  }
}
