import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
} from 'class-validator';
import {
  DEFAULT_GOODS_LIMIT,
  GOODS_DIMENSIONS,
  GoodsDimension,
  MAX_COMPARE_RULES,
  MAX_GOODS_LIMIT,
  OTHER_LABELS_NAME,
  ReportGranularity,
  UNLABELLED_NAME,
} from '@app/stats';
import { PushFiguresView, StatsQueryDto } from './statistics.dto';

const DIMENSIONS = Object.keys(GOODS_DIMENSIONS) as GoodsDimension[];

export class GoodsQueryDto extends StatsQueryDto {
  @ApiPropertyOptional({ description: '规则 id；与 name 二选一（都不给 = 范围内所有执行）' })
  @IsOptional()
  @IsInt()
  @Min(1)
  id?: number;

  @ApiProperty({
    enum: DIMENSIONS,
    description:
      '按哪类标签分组（wechat_labels.type）：city 城市 0、store 仓库/门店 1、category 品类 2、brand 品牌 3、sku 4；city / brand 按标签名称分组，其余按 bind_id（同规则匹配标签的方式）',
    example: 'sku',
  })
  @IsIn(DIMENSIONS)
  dimension: GoodsDimension;

  @ApiPropertyOptional({
    description: '返回订单数最多的前 N 个标签，其余合并为「其他」',
    default: DEFAULT_GOODS_LIMIT,
    minimum: 1,
    maximum: MAX_GOODS_LIMIT,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_GOODS_LIMIT)
  limit?: number;
}

export class CompareQueryDto extends PickType(StatsQueryDto, [
  'startTime',
  'endTime',
  'attributionDays',
] as const) {
  @ApiProperty({
    type: [Number],
    description: `要对比的规则 id，1–${MAX_COMPARE_RULES} 个，不重复；结果按此顺序`,
    example: [1, 2, 3],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_COMPARE_RULES)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  ids: number[];
}

export class ReportQueryDto extends PickType(StatsQueryDto, [
  'name',
  'startTime',
  'endTime',
  'attributionDays',
] as const) {
  @ApiProperty({
    enum: ['week', 'month'],
    description:
      '周期：week = ISO 周（周一至周日），month = 自然月（Asia/Shanghai），首尾截到范围内',
  })
  @IsIn(['week', 'month'])
  granularity: ReportGranularity;

  @ApiProperty({
    enum: ['json', 'csv'],
    description:
      'json：信封中的数组；csv：text/csv 附件（UTF-8 BOM，中文表头，RFC 4180 引号），无信封',
  })
  @IsIn(['json', 'csv'])
  format: 'json' | 'csv';
}

class GoodsRowView {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      '分组键：city / brand 为标签名称，store / category / sku 为 bind_id；「其他」与「无标签」为 null',
  })
  id: string | null;

  @ApiProperty({
    description: `显示名称：标签名称（sku 等无名称时为 bind_id）；「${OTHER_LABELS_NAME}」或「${UNLABELLED_NAME}」`,
  })
  name: string;

  @ApiProperty({
    enum: ['label', 'other', 'unlabelled'],
    description:
      'label：一个标签；other：前 limit 个之外的所有标签合并（仅当存在时）；unlabelled：没有该类标签的归因订单（总是存在，可为 0）',
  })
  bucket: 'label' | 'other' | 'unlabelled';

  @ApiProperty({
    description:
      '订单数：带有该标签的归因订单（同 result 的 orderCount 口径），按 order_number 去重；一个订单带两个 SKU 时在两行各计 1。other 行为其中任一标签的订单去重数',
  })
  orderCount: number;

  @ApiProperty({ description: '购买人数：有上述订单的归因购买人（成功接收人），去重' })
  buyerCount: number;

  @ApiProperty({
    description:
      '占比：该组在归因订单中的份额，带 k 个该类标签的订单对每个标签计 1/k，因此所有行之和为 1（4 位小数，四舍五入误差内）；无订单时为 0',
  })
  share: number;
}

export class GoodsBreakdownView {
  @ApiProperty({ enum: DIMENSIONS, description: '请求的分组维度' }) dimension: GoodsDimension;

  @ApiProperty({ description: '归因订单总数，等于 result 同一范围的 orderCount' })
  totalOrders: number;

  @ApiProperty({ description: '归因购买人总数，等于 result 同一范围的 buyerCount' })
  totalBuyers: number;

  @ApiProperty({
    type: [GoodsRowView],
    description:
      '前 limit 个标签（订单数降序，相同时按 id 升序），然后「其他」（如有），最后「无标签」',
  })
  rows: GoodsRowView[];
}

export class RuleFiguresView extends PushFiguresView {
  @ApiProperty({ description: '规则 id' }) pushId: number;

  @ApiProperty({
    description: '规则名称：wechat_push 当前名称（已删除的规则也有），否则其最近一次执行时的名称',
  })
  ruleName: string;
}

export class ReportRowView extends RuleFiguresView {
  @ApiProperty({
    description: '周期：ISO 周 2026-W48 或月份 2026-11（按执行时间槽，Asia/Shanghai）',
  })
  period: string;

  @ApiProperty({ description: '周期第一天 YYYY-MM-DD（截到范围起）' }) from: string;

  @ApiProperty({ description: '周期最后一天 YYYY-MM-DD（截到范围止）' }) to: string;
}
