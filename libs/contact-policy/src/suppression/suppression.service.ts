import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type SuppressionSource = 'manual' | 'import' | 'complaint';

export interface SuppressionRecord {
  externalUserId: string;
  source: SuppressionSource;
  reason: string | null;
  createdBy: number | null;
  /** YYYY-MM-DD HH:mm:ss, Asia/Shanghai. */
  createdAt: string;
}

export interface SuppressionPage {
  data: SuppressionRecord[];
  total: number;
  page: number;
  pagesize: number;
  pages: number;
}

export interface ImportRowError {
  row: number;
  value: string;
  code: 'EMPTY_ID' | 'ID_TOO_LONG' | 'REASON_TOO_LONG' | 'DUPLICATE_IN_FILE';
  message: string;
}

export interface ImportReport {
  rows: number;
  added: number;
  alreadySuppressed: number;
  errors: ImportRowError[];
}

/** 勿扰: customers who must never be selected (contact_suppressions). */
@Injectable()
export class SuppressionService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  add(
    _ids: readonly string[],
    _by: { source: SuppressionSource; reason: string | null; operatorId: number },
  ): Promise<{ changed: number; unchanged: number }> {
    throw new Error('not implemented');
  }

  remove(_ids: readonly string[]): Promise<{ changed: number; unchanged: number }> {
    throw new Error('not implemented');
  }

  list(_q: {
    searchText?: string;
    source?: SuppressionSource;
    page: number;
    pagesize: number;
  }): Promise<SuppressionPage> {
    throw new Error('not implemented');
  }

  importCsv(
    _csv: Buffer,
    _by: { reason: string | null; operatorId: number },
  ): Promise<ImportReport> {
    throw new Error('not implemented');
  }
}
