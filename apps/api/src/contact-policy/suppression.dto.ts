import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const SUPPRESSION_SOURCES = ['manual', 'import', 'complaint'] as const;
type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];
/** Ids one add/remove call takes. */
const SUPPRESSION_MAX_IDS = 10_000;

const trimEach = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim() : v)) : value;

/** `/suppression/remove`, and the ids of `/suppression/add`. */
export class SuppressionRemoveDto {
  @ApiProperty({ type: [String], description: `external_userid，1–${SUPPRESSION_MAX_IDS} 个` })
  @Transform(trimEach)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUPPRESSION_MAX_IDS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(128, { each: true })
  externalUserIds: string[];
}

export class SuppressionAddDto extends SuppressionRemoveDto {
  @ApiPropertyOptional({ description: '原因（如“客户投诉”）', maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  reason?: string;

  @ApiPropertyOptional({
    enum: ['manual', 'complaint'],
    default: 'manual',
    description: '来源：manual 手动、complaint 客户投诉（import 由导入写入）',
  })
  @IsOptional()
  @IsIn(['manual', 'complaint'])
  source?: 'manual' | 'complaint';
}

export class SuppressionListDto {
  @ApiPropertyOptional({ description: '按 external_userid 或原因模糊搜索（字面匹配）' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  searchText?: string;

  @ApiPropertyOptional({ enum: SUPPRESSION_SOURCES })
  @IsOptional()
  @IsIn([...SUPPRESSION_SOURCES])
  source?: SuppressionSource;

  @ApiProperty({ default: 1, minimum: 1 })
  @IsInt()
  @Min(1)
  page: number;

  @ApiProperty({ default: 10, minimum: 1, maximum: 100 })
  @IsInt()
  @Min(1)
  @Max(100)
  pagesize: number;
}

class SuppressionView {
  @ApiProperty() externalUserId: string;
  @ApiProperty({ enum: SUPPRESSION_SOURCES }) source: SuppressionSource;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: Number, nullable: true, description: '操作员 id' }) createdBy: number | null;
  @ApiProperty({ description: 'YYYY-MM-DD HH:mm:ss' }) createdAt: string;
}

export class SuppressionPageView {
  @ApiProperty({ type: [SuppressionView] }) data: SuppressionView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pagesize: number;
  @ApiProperty() pages: number;
}

export class SuppressionChangeView {
  @ApiProperty({ description: '新加入（或移出）的客户数' }) changed: number;
  @ApiProperty({ description: '已在（或本不在）名单中的客户数' }) unchanged: number;
}

class ImportRowErrorView {
  @ApiProperty({ description: '该行在文件中的行号（从 1 开始，表头与空行也计数）' }) row: number;
  @ApiProperty({ description: '该行的 external_userid（去掉首尾空白）' }) value: string;
  @ApiProperty({
    enum: ['EMPTY_ID', 'ID_TOO_LONG', 'REASON_TOO_LONG', 'DUPLICATE_IN_FILE'],
    description:
      '稳定错误码：EMPTY_ID 空 ID、ID_TOO_LONG 超过 128 字符、REASON_TOO_LONG 原因超过 255 字符、DUPLICATE_IN_FILE 文件中重复（首次出现的行照常导入）',
  })
  code: string;
  @ApiProperty() message: string;
}

export class SuppressionImportView {
  @ApiProperty({ description: '读到的数据行数（不含表头与空行）' }) rows: number;
  @ApiProperty({ description: '新加入名单的客户数' }) added: number;
  @ApiProperty({ description: '已在名单中的客户数（保持原记录）' }) alreadySuppressed: number;
  @ApiProperty({
    type: [ImportRowErrorView],
    description:
      '未导入的行及原因，按行号顺序，至多 1000 条（之后的错误行不再列出）；未导入的行数总是 rows − added − alreadySuppressed',
  })
  errors: ImportRowErrorView[];
}
