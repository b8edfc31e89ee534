import { Module } from '@nestjs/common';
import { AccountsModule } from '@app/accounts';
import { ClockModule } from '@app/common';
import { AuditInterceptor } from './audit.interceptor';
import { AuditLogService } from './audit-log.service';
import { AuditTransactions } from './audit-transactions';
import { AuditWriter } from './audit-writer';

/**
 * The audit log (docs/SECURITY.md "Audit log"): owns the append-only table `audit_log`.
 * The api installs AuditInterceptor globally; services describe their changes through
 * `describeAuditChange` of @app/common.
 */
@Module({
  imports: [ClockModule, AccountsModule],
  providers: [AuditWriter, AuditTransactions, AuditInterceptor, AuditLogService],
  exports: [AuditInterceptor, AuditLogService],
})
export class AuditModule {}
