import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppException, Clock, formatDateTime } from '@app/common';
import { ImportRowError, parseSuppressionCsv, UnreadableCsvError } from './suppression-csv';

type SuppressionSource = 'manual' | 'import' | 'complaint';

interface SuppressionRecord {
  externalUserId: string;
  source: SuppressionSource;
  reason: string | null;
  createdBy: number | null;
  /** YYYY-MM-DD HH:mm:ss, Asia/Shanghai. */
  createdAt: string;
}

interface SuppressionPage {
  data: SuppressionRecord[];
  total: number;
  page: number;
  pagesize: number;
  pages: number;
}

interface ImportReport {
  rows: number;
  added: number;
  alreadySuppressed: number;
  /** At most IMPORT_ERRORS_MAX; rejected rows = rows − added − alreadySuppressed. */
  errors: ImportRowError[];
}

interface SuppressionRow {
  external_userid: string;
  source: SuppressionSource;
  reason: string | null;
  created_by: number | string | null;
  created_at: Date;
}

/** Rows one INSERT of an import carries. */
const IMPORT_CHUNK = 5_000;

/** The ids of a JSON array as rows, in the table's collation so the join uses its key. */
const ID_COLUMN = `e VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$.e'`;

/** `%` and `_` (and the escape itself) match literally in LIKE … ESCAPE '\\'. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** 勿扰: customers who must never be selected (contact_suppressions). */
@Injectable()
export class SuppressionService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Adds the ids; an id already on the list keeps its original record. */
  async add(
    ids: readonly string[],
    by: { source: SuppressionSource; reason: string | null; operatorId: number },
  ): Promise<{ changed: number; unchanged: number }> {
    const unique = [...new Set(ids)];
    const changed = await this.insert(
      this.db.manager,
      unique.map((e) => ({ e, r: by.reason })),
      by.source,
      by.operatorId,
    );
    return { changed, unchanged: unique.length - changed };
  }

  async remove(ids: readonly string[]): Promise<{ changed: number; unchanged: number }> {
    const unique = [...new Set(ids)];
    const result: { affectedRows?: number } = await this.db.query(
      `DELETE s FROM contact_suppressions s
         JOIN JSON_TABLE(?, '$[*]' COLUMNS (${ID_COLUMN})) v ON s.external_userid = v.e`,
      [JSON.stringify(unique.map((e) => ({ e })))],
    );
    const changed = result.affectedRows ?? 0;
    return { changed, unchanged: unique.length - changed };
  }

  /** Newest first; `searchText` matches a part of the id or of the reason, literally. */
  async list(q: {
    searchText?: string;
    source?: SuppressionSource;
    page: number;
    pagesize: number;
  }): Promise<SuppressionPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const search = q.searchText?.trim();
    if (search) {
      const like = `%${escapeLike(search)}%`;
      where.push(`(external_userid LIKE ? ESCAPE '\\\\' OR reason LIKE ? ESCAPE '\\\\')`);
      params.push(like, like);
    }
    if (q.source) {
      where.push('source = ?');
      params.push(q.source);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [[{ n }], rows] = await Promise.all([
      this.db.query(`SELECT COUNT(*) AS n FROM contact_suppressions ${filter}`, params) as Promise<
        { n: number | string }[]
      >,
      this.db.query(
        `SELECT external_userid, source, reason, created_by, created_at
           FROM contact_suppressions ${filter}
          ORDER BY created_at DESC, external_userid
          LIMIT ? OFFSET ?`,
        [...params, q.pagesize, (q.page - 1) * q.pagesize],
      ) as Promise<SuppressionRow[]>,
    ]);
    const total = Number(n);
    return {
      data: rows.map((r) => ({
        externalUserId: r.external_userid,
        source: r.source,
        reason: r.reason,
        createdBy: r.created_by === null ? null : Number(r.created_by),
        createdAt: formatDateTime(r.created_at),
      })),
      total,
      page: q.page,
      pagesize: q.pagesize,
      pages: Math.ceil(total / q.pagesize),
    };
  }

  /**
   * Adds the ids of a CSV (see parseSuppressionCsv) with source `import`, all or none;
   * a row without its own reason takes `by.reason`.
   */
  async importCsv(
    csv: Buffer,
    by: { reason: string | null; operatorId: number },
  ): Promise<ImportReport> {
    let parsed: ReturnType<typeof parseSuppressionCsv>;
    try {
      parsed = parseSuppressionCsv(csv);
    } catch (e) {
      if (e instanceof UnreadableCsvError)
        throw AppException.validation([{ field: 'file', message: e.message }]);
      throw e;
    }
    const rows = parsed.entries.map((x) => ({ e: x.externalUserId, r: x.reason ?? by.reason }));
    let added = 0;
    if (rows.length > 0) {
      await this.db.transaction(async (em) => {
        for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
          added += await this.insert(em, rows.slice(i, i + IMPORT_CHUNK), 'import', by.operatorId);
        }
      });
    }
    return {
      rows: parsed.rows,
      added,
      alreadySuppressed: rows.length - added,
      errors: parsed.errors,
    };
  }

  /** One INSERT IGNORE for the rows; returns how many were new. */
  private async insert(
    em: EntityManager,
    rows: { e: string; r: string | null }[],
    source: SuppressionSource,
    operatorId: number,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const result: { affectedRows?: number } = await em.query(
      `INSERT IGNORE INTO contact_suppressions
              (external_userid, source, reason, created_by, created_at)
       SELECT v.e, ?, v.r, ?, ?
         FROM JSON_TABLE(?, '$[*]' COLUMNS (
                ${ID_COLUMN},
                r VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci PATH '$.r')) v`,
      [source, operatorId, this.clock.now(), JSON.stringify(rows)],
    );
    return result.affectedRows ?? 0;
  }
}
