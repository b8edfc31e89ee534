import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_MAX_PAGE_SIZE } from '@app/audit';

export class ListAuditDto {
  @ApiPropertyOptional({ description: '操作人：账号 id（API 密钥记为其创建人）' })
  @IsOptional()
  @IsInt()
  @Min(1)
  userId?: number;

  @ApiPropertyOptional({
    description: '操作：如 "POST /policy/update"，也可只写前缀（"POST /wechatpush"）',
    maxLength: 160,
  })
  @IsOptional()
  @IsString()
  @MaxLength(160)
  action?: string;

  @ApiPropertyOptional({ description: '对象 id（规则、账号、密钥…）', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  targetId?: string;

  @ApiPropertyOptional({ description: '起（含），YYYY-MM-DD 或 YYYY-MM-DD HH:mm:ss' })
  @IsOptional()
  @IsString()
  startTime?: string;

  @ApiPropertyOptional({ description: '止（含整天），YYYY-MM-DD 或 YYYY-MM-DD HH:mm:ss' })
  @IsOptional()
  @IsString()
  endTime?: string;

  @ApiProperty({ default: 1, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number;

  @ApiProperty({ default: 20, minimum: 1, description: `超过 ${AUDIT_MAX_PAGE_SIZE} 按其处理` })
  @IsInt()
  @Min(1)
  pagesize: number;
}

class AuditEntryView {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'YYYY-MM-DD HH:mm:ss（Asia/Shanghai）' }) at: string;
  @ApiProperty({ enum: ['account', 'api_key', 'token', 'anonymous'] }) actorType: string;
  @ApiProperty({ type: Number, nullable: true }) actorId: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: '用户名、密钥名，或登录失败时尝试的用户名',
  })
  actorName: string | null;
  @ApiProperty({ type: String, nullable: true }) role: string | null;
  @ApiProperty({ type: String, nullable: true }) clientIp: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId: string | null;
  @ApiProperty({ description: 'METHOD /路由，如 POST /policy/update' }) action: string;
  @ApiProperty({ type: String, nullable: true }) targetType: string | null;
  @ApiProperty({ type: String, nullable: true }) targetId: string | null;
  @ApiProperty({ type: Object, nullable: true, description: '修改前（服务描述时）' })
  before: unknown;
  @ApiProperty({ type: Object, nullable: true, description: '修改后，或请求体（已隐去密钥）' })
  after: unknown;
  @ApiProperty({ enum: ['ok', 'failed'] }) outcome: string;
}

export class AuditPageView {
  @ApiProperty({ type: [AuditEntryView] }) data: AuditEntryView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pagesize: number;
}
