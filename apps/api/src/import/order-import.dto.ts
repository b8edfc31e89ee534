import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { REJECT_REASONS, REPORT_PAGE_MAX } from '@app/ingest';

export class ImportIdDto {
  @ApiProperty({ description: '导入 id', example: 1 })
  @IsInt()
  @Min(1)
  id: number;
}

/** `GET /import/report?id=…`: the id comes as text. */
export class ImportReportQueryDto {
  @ApiProperty({ description: '导入 id', example: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  id: number;
}

export class ImportStatusDto extends ImportIdDto {
  @ApiPropertyOptional({ description: '报告（被拒绝的行）从第几条开始', default: 0, minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({
    description: '报告返回几条',
    default: 100,
    minimum: 1,
    maximum: REPORT_PAGE_MAX,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(REPORT_PAGE_MAX)
  limit?: number;
}

export class ImportListDto {
  @ApiPropertyOptional({ description: '最近几次导入', default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class ImportView {
  @ApiProperty() id: number;
  @ApiProperty({ description: '导入者：令牌的操作员（operator:<id>）、cli' }) createdBy: string;
  @ApiProperty({ description: 'YYYY-MM-DD HH:mm:ss（上海）' }) createdAt: string;
  @ApiProperty() fileName: string;
  @ApiProperty() fileSize: number;
  @ApiProperty({ description: '文件 SHA-256（hex）' }) fileSha256: string;
  @ApiProperty({ enum: ['csv', 'xlsx'] }) format: 'csv' | 'xlsx';
  @ApiProperty({ description: '试运行：只校验、出报告，不写入' }) dryRun: boolean;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed', 'cancelled'] })
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  @ApiProperty({ description: '已请求取消（运行中的导入在当前批次后停止）' })
  cancelRequested: boolean;
  @ApiProperty({ description: '已读数据行（不含表头）' }) rowsRead: number;
  @ApiProperty() rowsAccepted: number;
  @ApiProperty() rowsRejected: number;
  @ApiProperty({ description: '通过校验的订单数（试运行时为将写入的订单数）' })
  ordersAccepted: number;
  @ApiProperty() ordersRejected: number;
  @ApiProperty({ description: '新写入或有变化的订单' }) ordersWritten: number;
  @ApiProperty({ description: '与已存内容相同（或更旧）而未写的订单' }) ordersUnchanged: number;
  @ApiProperty({ nullable: true, type: String, description: '失败原因（如缺少必需列）' })
  error: string | null;
  @ApiProperty({ nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
}

/** Not `ReportRowView`: the statistics' report row has that schema name. */
class ImportReportRowView {
  @ApiProperty({ description: '文件中的行号（表头为第 1 行）' }) line: number;
  @ApiProperty() orderNumber: string;
  @ApiProperty({ description: '文件中的列名；空：整行（同一订单的其他行被拒绝）' }) column: string;
  @ApiProperty({ enum: REJECT_REASONS, description: '拒绝原因代码（docs/INGEST.md "Rejections"）' })
  reason: (typeof REJECT_REASONS)[number];
  @ApiProperty() message: string;
  @ApiProperty() value: string;
}

export class ImportStatusView extends ImportView {
  @ApiProperty({
    type: [ImportReportRowView],
    description: '被拒绝的行（offset / limit 分页；总数为 rowsRejected）',
  })
  report: ImportReportRowView[];
}
