import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RunsQueryDto {
  @ApiProperty({ description: '规则 id' })
  @IsInt()
  @Min(1)
  id: number;

  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  pagesize?: number;
}

export class BatchIdDto {
  @ApiProperty({ description: '批次 id（见 /wechatpush/runs）' })
  @IsInt()
  @Min(1)
  batchId: number;
}

export class RunIdDto {
  @ApiProperty({ description: '执行记录 id（见 /wechatpush/runs）' })
  @IsInt()
  @Min(1)
  runId: number;
}
