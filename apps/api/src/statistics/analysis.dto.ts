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
import type { ExperimentGroup, HoldoutLift } from '@app/stats';
import { PushFiguresView, StatsQueryDto, YUAN_PATTERN } from './statistics.dto';

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
      '营收（元）：上述订单的实付减退款之和，每个订单只计一次（一个订单带两个 SKU 时在两行各计一次）；字符串，2 位小数',
    example: '1234.50',
    pattern: YUAN_PATTERN,
  })
  revenue: string;

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
    description: '归因订单营收（元），等于 result 同一范围的 revenue；字符串，2 位小数',
    example: '1234.50',
    pattern: YUAN_PATTERN,
  })
  totalRevenue: string;

  @ApiProperty({
    type: [GoodsRowView],
    description:
      '前 limit 个标签（订单数降序，相同时按 id 升序），然后「其他」（如有），最后「无标签」',
  })
  rows: GoodsRowView[];
}

/** A rule's (or a rule's period's) conversion lift over its holdout in compare and reports. */
class HoldoutLiftView implements HoldoutLift {
  @ApiProperty({ description: '实验组分配数（所有变体合计）' }) treatedRecipients: number;
  @ApiProperty({ description: '实验组购买转化率' }) treatedUserConversionRate: number;
  @ApiProperty({ description: '对照组（holdout）分配数' }) controlRecipients: number;
  @ApiProperty({ description: '对照组购买转化率' }) controlUserConversionRate: number;
  @ApiProperty({ description: '转化提升 = 实验组 − 对照组（小数）' }) absolute: number;
  @ApiProperty({ type: Number, nullable: true, description: '相对提升；对照组为 0 时 null' })
  relative: number | null;
  @ApiProperty({
    type: [Number],
    nullable: true,
    minItems: 2,
    maxItems: 2,
    description: '95% 区间（Newcombe）',
  })
  ci95: [number, number] | null;
  @ApiProperty({ type: Number, nullable: true, description: '双侧 p 值（合并 z 检验）' })
  pValue: number | null;
  @ApiProperty({ description: '显著（同 experiment 的规则）' }) significant: boolean;
}

export class RuleFiguresView extends PushFiguresView {
  @ApiProperty({ description: '规则 id' }) pushId: number;

  @ApiProperty({
    description: '规则名称：wechat_push 当前名称（已删除的规则也有），否则其最近一次执行时的名称',
  })
  ruleName: string;

  @ApiProperty({
    type: HoldoutLiftView,
    nullable: true,
    description:
      '与对照组（holdout）相比的购买转化提升（该规则在此范围 / 周期内有 holdout 成员时；口径同 experiment，所有变体合计为实验组）；否则 null',
  })
  holdoutLift: HoldoutLiftView | null;
}

export class ReportRowView extends RuleFiguresView {
  @ApiProperty({
    description: '周期：ISO 周 2026-W48 或月份 2026-11（按执行时间槽，Asia/Shanghai）',
  })
  period: string;

  @ApiProperty({ description: '周期第一天 YYYY-MM-DD（截到范围起）' }) from: string;

  @ApiProperty({ description: '周期最后一天 YYYY-MM-DD（截到范围止）' }) to: string;
}

export class ExperimentQueryDto extends PickType(StatsQueryDto, [
  'startTime',
  'endTime',
  'attributionDays',
] as const) {
  @ApiProperty({ description: '规则 id（wechat_push.id）', example: 1 })
  @IsInt()
  @Min(1)
  id: number;
}

class ExperimentGroupView implements ExperimentGroup {
  @ApiProperty({
    description:
      '分组：control = 对照组（holdout，选中且通过触达策略但未发送），A = 规则自身内容，B… = 内容变体',
    example: 'A',
  })
  group: string;

  @ApiProperty({
    description:
      '分配数：（执行, 客户）对。实验组 = 已发送批次的全部接收人（含 fail_list，意向性分析），对照组 = 该执行的 holdout 成员',
  })
  recipients: number;

  @ApiProperty({ description: '购买者：归因窗口内有至少一个有效订单的分配数' })
  buyers: number;

  @ApiProperty({
    description:
      '订单数：每个分配在其推送（对照组：分配）时刻起 attributionDays × 24 小时内的有效订单数之和',
  })
  orders: number;

  @ApiProperty({
    description:
      '营收（元）：上述订单的实付减退款之和（每个分配各计）；精确十进制，字符串，2 位小数',
    example: '1234.50',
    pattern: YUAN_PATTERN,
  })
  revenue: string;

  @ApiProperty({ description: '购买转化率 = buyers / recipients（4 位小数）' })
  userConversionRate: number;

  @ApiProperty({ description: '人均营收（元）= revenue / recipients（4 位小数）' })
  revenuePerRecipient: number;
}

class LiftView {
  @ApiProperty({ description: '与基线比较的分组（B、C… 或对照组存在时的 A、B…）', example: 'A' })
  group: string;

  @ApiProperty({
    description: '绝对提升 = 该组 − 基线（转化率之差，小数；或人均营收之差，元）',
  })
  absolute: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: '相对提升 = absolute / 基线值（点估计，无区间）；基线为 0 时为 null',
  })
  relative: number | null;

  @ApiProperty({
    type: [Number],
    nullable: true,
    minItems: 2,
    maxItems: 2,
    description:
      'absolute 的 95% 区间 [下限, 上限]：转化率用 Newcombe 混合得分区间，人均营收用 Welch 区间；分组太小时为 null',
  })
  ci95: [number, number] | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: '双侧 p 值（转化率：合并 z 检验；营收：Welch t 检验），多个变体时经 Holm 校正',
  })
  pValue: number | null;

  @ApiProperty({ type: Number, nullable: true, description: '校正前的 p 值' })
  unadjustedPValue: number | null;

  @ApiProperty({
    description:
      '显著：95% 区间不含 0，校正后 p < 0.05，且两组各至少 100 个分配、10 个购买者（见 significanceRule）',
  })
  significant: boolean;
}

class SignificanceRuleView {
  @ApiProperty({ example: 0.95 }) level: number;
  @ApiProperty({ example: 0.05 }) alpha: number;
  @ApiProperty({ description: '每组至少多少个分配才判断显著', example: 100 })
  minRecipients: number;
  @ApiProperty({ description: '每组至少多少个购买者才判断显著', example: 10 })
  minBuyers: number;
}

export class ExperimentView {
  @ApiProperty({ description: '规则 id' }) pushId: number;
  @ApiProperty({ description: '规则名称（当前名称，已删除的规则也有）' }) ruleName: string;

  @ApiProperty({
    description:
      '参与计算的执行数：范围内有 holdout 成员的执行（只要有一个）；否则范围内该规则的全部执行',
  })
  runCount: number;

  @ApiProperty({ description: '所用的归因窗口（天）' }) attributionDays: number;

  @ApiProperty({
    enum: ['control', 'A'],
    nullable: true,
    description: '比较基线：有对照组时为 control，否则为变体 A；都没有时为 null',
  })
  baseline: 'control' | 'A' | null;

  @ApiProperty({ type: [ExperimentGroupView], description: '各组：control（如有）、A、B…' })
  groups: ExperimentGroupView[];

  @ApiProperty({ type: [LiftView], description: '购买转化率提升（每个非基线分组一行）' })
  lift: LiftView[];

  @ApiProperty({ type: [LiftView], description: '人均营收提升（元；每个非基线分组一行）' })
  revenueLift: LiftView[];

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      '增量订单 = (实验组人均订单 − 对照组人均订单) × 实验组分配数（所有变体合计）；无对照组时为 null',
  })
  incrementalOrders: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: '增量购买者，同上；无对照组时为 null',
  })
  incrementalBuyers: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      '增量营收（元）= (实验组人均营收 − 对照组人均营收) × 实验组分配数，精确计算后四舍五入到分；无对照组时为 null',
    example: '1234.50',
    pattern: YUAN_PATTERN,
  })
  incrementalRevenue: string | null;

  @ApiProperty({ type: SignificanceRuleView, description: '显著性规则' })
  significanceRule: SignificanceRuleView;
}
