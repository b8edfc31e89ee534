import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hash, verify } from '@node-rs/argon2';
import { DataSource } from 'typeorm';
import { AppException, Clock, describeAuditChange, ErrorCode, formatDateTime } from '@app/common';
import { passwordProblem } from './password-policy';
import { Role } from './roles';
import { SessionStore } from './session-store';

interface AccountView {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  /** YYYY-MM-DD HH:mm:ss (Asia/Shanghai), null before the first sign-in. */
  lastLoginAt: string | null;
  createdAt: string;
}

interface AccountRow {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  disabled: number;
  last_login_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, username, display_name, role, disabled, last_login_at, created_at';

const view = (r: AccountRow): AccountView => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  disabled: r.disabled === 1,
  lastLoginAt: r.last_login_at ? formatDateTime(r.last_login_at) : null,
  createdAt: formatDateTime(r.created_at),
});

/**
 * argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's minimum for argon2id).
 * An unknown user name is verified against this hash too, so the answer takes as long as for
 * a known one and does not tell which user names exist.
 */
const UNKNOWN_USER_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$T3RRJzwyiouXmrhlfYKdvA$WUTf5T8eJxIuwPeWheb6xu3JanE2cJ2BM0xiLAIU0iI';

const weakPassword = (message: string) =>
  AppException.validation([{ field: 'password', message }], '密码不符合要求');

/** Named accounts (docs/SECURITY.md "Accounts"): who may sign in, with which role. */
@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
  ) {}

  async create(
    input: { username: string; displayName?: string; password: string; role: Role },
    by: number | null,
  ): Promise<AccountView> {
    const problem = passwordProblem(input.password, input.username);
    if (problem) throw weakPassword(problem);
    const passwordHash = await hash(input.password);
    try {
      const result: { insertId: number } = await this.db.query(
        // Times in Shanghai wall time like every DATETIME (the columns' defaults are the
        // server's zone: a new account's 创建时间 showed UTC).
        `INSERT INTO accounts (username, display_name, password_hash, role, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          input.username,
          input.displayName ?? input.username,
          passwordHash,
          input.role,
          by,
          this.clock.now(),
          this.clock.now(),
        ],
      );
      const created = await this.get(result.insertId);
      describeAuditChange({ targetType: 'account', targetId: created.id, after: created });
      return created;
    } catch (e) {
      if ((e as { driverError?: { code?: string } }).driverError?.code === 'ER_DUP_ENTRY') {
        throw new AppException(ErrorCode.NAME_TAKEN, '用户名已存在', [
          { field: 'username', message: 'an account with this user name exists' },
        ]);
      }
      throw e;
    }
  }

  /**
   * Changes the given fields. A new password ends the account's sessions (whoever knew the
   * old one is signed out); a new role applies to the next request of every session.
   */
  async update(
    input: { id: number; displayName?: string; password?: string; role?: Role },
    by: number,
  ): Promise<AccountView> {
    const current = await this.get(input.id);
    if (input.role !== undefined && input.role !== 'admin' && input.id === by) {
      throw new AppException(ErrorCode.INVALID_STATE, '不能降低自己的角色', [
        { field: 'role', message: 'an admin cannot take the admin role from themself' },
      ]);
    }
    let passwordHash: string | undefined;
    if (input.password !== undefined) {
      const problem = passwordProblem(input.password, current.username);
      if (problem) throw weakPassword(problem);
      passwordHash = await hash(input.password);
    }
    await this.db.query(
      `UPDATE accounts SET display_name = COALESCE(?, display_name),
         role = COALESCE(?, role), password_hash = COALESCE(?, password_hash), updated_at = ?
       WHERE id = ?`,
      [
        input.displayName ?? null,
        input.role ?? null,
        passwordHash ?? null,
        this.clock.now(),
        input.id,
      ],
    );
    if (passwordHash !== undefined) await this.sessions.endAllOf(input.id);
    const updated = await this.get(input.id);
    describeAuditChange({
      targetType: 'account',
      targetId: input.id,
      before: current,
      after: { ...updated, passwordChanged: passwordHash !== undefined },
    });
    return updated;
  }

  async list(): Promise<AccountView[]> {
    const rows: AccountRow[] = await this.db.query(`SELECT ${COLUMNS} FROM accounts ORDER BY id`);
    return rows.map(view);
  }

  /**
   * Disables (or enables again) an account. Disabling ends its sessions at once on every
   * replica: they live in the one Redis, and each request also re-reads the account.
   */
  async setDisabled(id: number, disabled: boolean, by: number): Promise<AccountView> {
    if (disabled && id === by) {
      throw new AppException(ErrorCode.INVALID_STATE, '不能停用自己', [
        { field: 'id', message: 'an admin cannot disable their own account' },
      ]);
    }
    const before = await this.get(id);
    await this.db.query('UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ?', [
      disabled ? 1 : 0,
      this.clock.now(),
      id,
    ]);
    if (disabled) await this.sessions.endAllOf(id);
    const after = await this.get(id);
    describeAuditChange({ targetType: 'account', targetId: id, before, after });
    return after;
  }

  async get(id: number): Promise<AccountView> {
    const rows: AccountRow[] = await this.db.query(`SELECT ${COLUMNS} FROM accounts WHERE id = ?`, [
      id,
    ]);
    if (rows.length === 0) throw AppException.notFound('用户');
    return view(rows[0]);
  }

  /**
   * The account these credentials sign in, or undefined (unknown user name, wrong password or
   * disabled — the caller answers all three alike). Records the sign-in time.
   */
  async verifyCredentials(username: string, password: string): Promise<AccountView | undefined> {
    const rows: (AccountRow & { password_hash: string })[] = await this.db.query(
      `SELECT ${COLUMNS}, password_hash FROM accounts WHERE username = ?`,
      [username],
    );
    const row = rows[0];
    const matches = await verify(row?.password_hash ?? UNKNOWN_USER_HASH, password).catch(
      () => false,
    );
    if (!row || !matches || row.disabled === 1) return undefined;
    await this.db.query('UPDATE accounts SET last_login_at = ? WHERE id = ?', [
      this.clock.now(),
      row.id,
    ]);
    return this.get(row.id);
  }

  /** The role of an enabled account, or undefined (disabled or deleted). */
  async activeRole(id: number): Promise<Role | undefined> {
    const rows: { role: Role }[] = await this.db.query(
      'SELECT role FROM accounts WHERE id = ? AND disabled = 0',
      [id],
    );
    return rows[0]?.role;
  }
}
