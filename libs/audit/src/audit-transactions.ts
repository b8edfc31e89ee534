import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import { auditRequestContext } from '@app/common';
import { AuditWriter } from './audit-writer';

/**
 * Writes a request's audit row inside the first transaction of that request, just before it
 * commits: the change and its row commit together or not at all. Transactions opened with
 * raw `START TRANSACTION` (read snapshots) are not seen, and need not be.
 */
@Injectable()
export class AuditTransactions implements EntitySubscriberInterface, OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: AuditWriter,
  ) {}

  onModuleInit(): void {
    this.db.subscribers.push(this);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const audit = auditRequestContext.getStore();
    if (!audit || audit.written || audit.outcome !== 'ok') return;
    // Only the outermost commit: a nested one releases a savepoint that may still roll back.
    const depth = (event.queryRunner as unknown as { transactionDepth?: number }).transactionDepth;
    if (depth !== undefined && depth > 1) return;
    await this.writer.write(event.queryRunner, audit);
  }
}
