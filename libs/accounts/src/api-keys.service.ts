import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  AppException,
  Clock,
  describeAuditChange,
  formatDateTime,
  isCalendarDateTime,
  parseBusinessDateTime,
} from '@app/common';
import { Role } from './roles';

interface ApiKeyView {
  id: number;
  name: string;
  /** The key's first characters, to recognise it (the key itself is shown once, at creation). */
  prefix: string;
  role: Role;
  createdBy: number;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  role: Role;
  created_by: number;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** Every key starts so; secret scanners and logs can recognise one. */
const KEY_PREFIX = 'wpp_';
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8;

const view = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: r.role,
  createdBy: r.created_by,
  createdAt: formatDateTime(r.created_at),
  expiresAt: r.expires_at ? formatDateTime(r.expires_at) : null,
  revokedAt: r.revoked_at ? formatDateTime(r.revoked_at) : null,
});

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** API keys for machines (docs/SECURITY.md "API keys"): `Authorization: Bearer wpp_…`. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Creates a key; the answer carries the key itself, which is stored only as a hash. */
  async create(
    input: { name: string; role: Role; expiresAt?: string },
    by: number,
  ): Promise<ApiKeyView & { key: string }> {
    let expiresAt: Date | null = null;
    if (input.expiresAt !== undefined) {
      expiresAt = isCalendarDateTime(input.expiresAt)
        ? parseBusinessDateTime(input.expiresAt)
        : null;
      if (expiresAt === null || expiresAt <= this.clock.now()) {
        throw AppException.validation([
          { field: 'expiresAt', message: 'a future YYYY-MM-DD HH:mm:ss (Asia/Shanghai)' },
        ]);
      }
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const result: { insertId: number } = await this.db.query(
      `INSERT INTO api_keys (name, prefix, key_hash, role, created_by, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        input.name,
        key.slice(0, SHOWN_PREFIX_LENGTH),
        digest(key),
        input.role,
        by,
        expiresAt,
        this.clock.now(),
      ],
    );
    const created = await this.get(result.insertId);
    // The key itself is never recorded: only its view (name, prefix, role).
    describeAuditChange({ targetType: 'api_key', targetId: created.id, after: created });
    return { ...created, key };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows: ApiKeyRow[] = await this.db.query('SELECT * FROM api_keys ORDER BY id');
    return rows.map(view);
  }

  /** Revokes a key for good (revoking a revoked key changes nothing). */
  async revoke(id: number, by: number): Promise<ApiKeyView> {
    const before = await this.get(id);
    await this.db.query(
      'UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
      [this.clock.now(), by, id],
    );
    const after = await this.get(id);
    describeAuditChange({ targetType: 'api_key', targetId: id, before, after });
    return after;
  }

  private async get(id: number): Promise<ApiKeyView> {
    const rows: ApiKeyRow[] = await this.db.query('SELECT * FROM api_keys WHERE id = ?', [id]);
    if (rows.length === 0) throw AppException.notFound('API 密钥');
    return view(rows[0]);
  }

  /**
   * The role and operator of a live key (not revoked, not expired), or undefined. Read from
   * MariaDB on every request, so a revocation holds at once on every replica.
   */
  async resolve(key: string): Promise<{ id: number; role: Role; operatorId: number } | undefined> {
    if (!key.startsWith(KEY_PREFIX)) return undefined;
    const rows: { id: number; role: Role; created_by: number }[] = await this.db.query(
      `SELECT id, role, created_by FROM api_keys
        WHERE key_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
      [digest(key), this.clock.now()],
    );
    const row = rows[0];
    return row && { id: row.id, role: row.role, operatorId: row.created_by };
  }
}
