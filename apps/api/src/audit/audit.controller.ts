import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@app/accounts';
import { AuditLogService, NotAudited } from '@app/audit';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { AuditPageView, ListAuditDto } from './audit.dto';

/** The audit log, read-only (docs/SECURITY.md "Audit log"): no route changes it. */
@ApiTags('audit')
@Controller('audit')
@RequireRole('admin')
export class AuditController {
  constructor(private readonly audit: AuditLogService) {}

  @Post('list')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '操作日志：按操作人、操作、对象、时间筛选，最新在前' })
  @ApiEnvelope(AuditPageView)
  list(@Body() body: ListAuditDto): Promise<AuditPageView> {
    return this.audit.list(body);
  }
}
