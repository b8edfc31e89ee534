import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  EXPERIMENT_LIMITS,
  POLICY_LIMITS,
  WECOM_CAP_PERIODS,
  WecomCapPeriod,
} from '@app/contracts';

class WecomCapDto {
  @ApiProperty({
    enum: WECOM_CAP_PERIODS,
    description:
      '企业微信管理后台“群发规则”：month 每月（默认，上限=当月天数）、week 每周 7 条、day 每天 1 条',
  })
  @IsIn([...WECOM_CAP_PERIODS])
  period: WecomCapPeriod;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: '上限（不传或 null：企业微信对该周期的默认值）',
  })
  @IsOptional()
  @IsInt()
  limit?: number | null;
}

class QuietHoursDto {
  @ApiProperty({ description: '开始 HH:mm（含），Asia/Shanghai', example: '21:00' })
  @IsString()
  start: string;

  @ApiProperty({ description: '结束 HH:mm（不含）；早于开始表示跨午夜', example: '09:00' })
  @IsString()
  end: string;
}

/** `/policy/update`: any subset of the policy; absent fields keep their value. */
export class UpdatePolicyDto {
  @ApiPropertyOptional({
    description: `每位客户每个自然日（上海）最多推送次数，${POLICY_LIMITS.maxPerDay.min}–${POLICY_LIMITS.maxPerDay.max}`,
  })
  @IsOptional()
  @IsInt()
  maxPerDay?: number;

  @ApiPropertyOptional({
    description: `每位客户滚动 7 天内最多推送次数，${POLICY_LIMITS.maxPerWeek.min}–${POLICY_LIMITS.maxPerWeek.max}`,
  })
  @IsOptional()
  @IsInt()
  maxPerWeek?: number;

  @ApiPropertyOptional({
    description: `两次推送之间至少间隔的小时数，${POLICY_LIMITS.minGapHours.min}–${POLICY_LIMITS.minGapHours.max}（0 关闭）`,
  })
  @IsOptional()
  @IsInt()
  minGapHours?: number;

  @ApiPropertyOptional({ type: WecomCapDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WecomCapDto)
  wecomCap?: WecomCapDto;

  @ApiPropertyOptional({
    type: QuietHoursDto,
    nullable: true,
    description: '免打扰时段；null 关闭（默认关闭）',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;

  @ApiPropertyOptional({
    type: [String],
    description: '禁发日期 YYYY-MM-DD（如春节）；整体替换',
    example: ['2027-02-06'],
  })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  blackoutDates?: string[];

  @ApiPropertyOptional({
    description: `全局对照组：所有客户中永不被任何规则推送的比例（%），${EXPERIMENT_LIMITS.globalControlPercent.min}–${EXPERIMENT_LIMITS.globalControlPercent.max}，至多两位小数（默认 0）；用于衡量整个推送计划的增量`,
  })
  @IsOptional()
  @IsNumber()
  globalControlPercent?: number;
}

class WecomCapView {
  @ApiProperty({ enum: WECOM_CAP_PERIODS }) period: WecomCapPeriod;
  @ApiProperty({ type: Number, nullable: true, description: 'null：企业微信默认值' })
  limit: number | null;
}

class QuietHoursView {
  @ApiProperty() start: string;
  @ApiProperty() end: string;
}

export class PolicyView {
  @ApiProperty() maxPerDay: number;
  @ApiProperty() maxPerWeek: number;
  @ApiProperty() minGapHours: number;
  @ApiProperty({ type: WecomCapView }) wecomCap: WecomCapView;
  @ApiProperty({ type: QuietHoursView, nullable: true }) quietHours: QuietHoursView | null;
  @ApiProperty({ type: [String] }) blackoutDates: string[];
  @ApiProperty({ description: '全局对照组比例（%）' }) globalControlPercent: number;
  @ApiProperty({ type: Number, nullable: true, description: '最后修改人（操作员 id）' })
  updatedBy: number | null;
  @ApiProperty({ description: '最后修改时间 YYYY-MM-DD HH:mm:ss' }) updatedAt: string;
  @ApiProperty({ description: '当前操作员能否修改策略（及设置服务通知规则）' })
  canEdit: boolean;
}
