import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IdDto, MAX_PAGE_SIZE } from './push-rule.dto';

export const VERSION_STATES = ['pending_approval', 'approved', 'rejected', 'superseded'] as const;
export type VersionState = (typeof VERSION_STATES)[number];

/** Longest reviewer comment (reject, approve). */
const MAX_COMMENT_LENGTH = 500;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `/wechatpush/approve`: a rule's pending version. */
export class ApproveVersionDto extends IdDto {
  @ApiProperty({ description: '待审批的版本号', example: 2 })
  @IsInt()
  @Min(1)
  version: number;

  @ApiPropertyOptional({ description: `审批意见，不超过 ${MAX_COMMENT_LENGTH} 字` })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

/** `/wechatpush/reject`: a rule's pending version, with the reason. */
export class RejectVersionDto extends IdDto {
  @ApiProperty({ description: '待审批的版本号', example: 2 })
  @IsInt()
  @Min(1)
  version: number;

  @ApiProperty({ description: `驳回原因（必填），不超过 ${MAX_COMMENT_LENGTH} 字` })
  @Transform(trim)
  @IsString()
  @IsNotEmpty({ message: 'comment is required' })
  @MaxLength(MAX_COMMENT_LENGTH)
  comment: string;
}

export class PendingQueryDto {
  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({
    default: 10,
    minimum: 1,
    description: `超过 ${MAX_PAGE_SIZE} 按 ${MAX_PAGE_SIZE} 处理`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  pagesize?: number;
}

/** One changed field between two versions (values in request shape; null: absent before). */
export class FieldDiff {
  @ApiProperty({ example: 'content' }) field: string;
  @ApiProperty({ description: '之前的值（请求格式；版本 1 为 null）', nullable: true })
  before: unknown;
  @ApiProperty({ description: '之后的值（请求格式）', nullable: true })
  after: unknown;
}

export class RuleVersionView {
  @ApiProperty() version: number;
  @ApiProperty({ enum: VERSION_STATES }) state: VersionState;
  @ApiProperty({ description: '作者（账号 id 或操作员 id；0 = 系统迁移）' }) authorId: number;
  @ApiProperty({ description: '作者显示名（账号才有）', nullable: true, type: String })
  authorName: string | null;
  @ApiProperty({ description: 'YYYY-MM-DD HH:mm:ss (Asia/Shanghai)' }) createdAt: string;
  @ApiProperty({ nullable: true, type: Number }) decidedBy: number | null;
  @ApiProperty({ nullable: true, type: String }) decidedByName: string | null;
  @ApiProperty({ nullable: true, type: String }) decidedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ type: [FieldDiff], description: '与上一版本逐字段比较（版本 1：与空规则）' })
  diff: FieldDiff[];
}

class PendingVersionItem {
  @ApiProperty({ description: '规则 id' }) id: number;
  @ApiProperty() name: string;
  @ApiProperty() version: number;
  @ApiProperty({ nullable: true, type: Number, description: '当前生效（已审批）的版本' })
  approvedVersion: number | null;
  @ApiProperty() authorId: number;
  @ApiProperty({ nullable: true, type: String }) authorName: string | null;
  @ApiProperty({ description: 'YYYY-MM-DD HH:mm:ss (Asia/Shanghai)' }) createdAt: string;
  @ApiProperty({
    type: [FieldDiff],
    description: '与当前生效版本逐字段比较（新规则：与空规则），即通过后会改变的内容',
  })
  diff: FieldDiff[];
}

export class PendingVersionPage {
  @ApiProperty({ type: [PendingVersionItem] }) data: PendingVersionItem[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pagesize: number;
  @ApiProperty() pages: number;
}
