import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException, ErrorDetail, formatDateTime, parseListBound } from '@app/common';

export const AUDIT_MAX_PAGE_SIZE = 100;

interface AuditQuery {
  userId?: number;
  /** `POST /policy/update`, or a prefix of it (`POST /wechatpush`). */
  action?: string;
  targetId?: string;
  /** YYYY-MM-DD (from the start of the day) or YYYY-MM-DD HH:mm:ss, Asia/Shanghai. */
  startTime?: string;
  /** YYYY-MM-DD (to the end of the day) or YYYY-MM-DD HH:mm:ss, Asia/Shanghai. */
  endTime?: string;
  page?: number;
  pagesize?: number;
}

interface AuditEntry {
  id: number;
  at: string;
  actorType: string;
  actorId: number | null;
  actorName: string | null;
  role: string | null;
  clientIp: string | null;
  requestId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  outcome: string;
}

interface AuditRow {
  id: number;
  at: Date;
  actor_type: string;
  actor_id: number | null;
  actor_name: string | null;
  role: string | null;
  client_ip: string | null;
  request_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
  outcome: string;
}

const parsed = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Reads the audit log (admins only). Nothing here, or anywhere, changes it. */
@Injectable()
export class AuditLogService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(q: AuditQuery): Promise<{
    data: AuditEntry[];
    total: number;
    page: number;
    pagesize: number;
  }> {
    const page = q.page ?? 1;
    const pagesize = Math.min(q.pagesize ?? 20, AUDIT_MAX_PAGE_SIZE);
    const problems: ErrorDetail[] = [];
    const from = parseListBound(q.startTime, 'startTime', false, problems);
    const to = parseListBound(q.endTime, 'endTime', true, problems);
    if (from && to && from > to) {
      problems.push({ field: 'endTime', message: 'endTime must not be before startTime' });
    }
    if (problems.length) throw AppException.validation(problems);

    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, param: unknown) => {
      where.push(sql);
      params.push(param);
    };
    if (q.userId !== undefined) add('actor_id = ?', q.userId);
    if (q.action) add('action LIKE ?', likePrefix(q.action));
    if (q.targetId) add('target_id = ?', q.targetId);
    if (from) add('at >= ?', from);
    // endOfDay is the day's last second: the row's milliseconds must not fall past it.
    if (to) add('at < ?', new Date(to.getTime() + 1000));
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }]: { total: string | number }[] = await this.db.query(
      `SELECT COUNT(*) AS total FROM audit_log ${filter}`,
      params,
    );
    const rows: AuditRow[] = await this.db.query(
      `SELECT * FROM audit_log ${filter} ORDER BY id DESC LIMIT ? OFFSET ?`,
      [...params, pagesize, (page - 1) * pagesize],
    );
    return {
      data: rows.map((r) => ({
        id: r.id,
        at: formatDateTime(r.at),
        actorType: r.actor_type,
        actorId: r.actor_id,
        actorName: r.actor_name,
        role: r.role,
        clientIp: r.client_ip,
        requestId: r.request_id,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        before: parsed(r.before_json),
        after: parsed(r.after_json),
        outcome: r.outcome,
      })),
      total: Number(total),
      page,
      pagesize,
    };
  }
}
