export { AuditModule } from './audit.module';
export { AuditInterceptor } from './audit.interceptor';
export { AuditLogService, AUDIT_MAX_PAGE_SIZE } from './audit-log.service';
export { AuditedExport, MachineInput, NotAudited } from './audit.decorators';
