import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  IsObject,
} from 'class-validator';
import {
  DATE_PATTERN,
  DEADLINE_LIMITS,
  EXPERIMENT_LIMITS,
  LABEL_MATCHES,
  LabelMatch,
  RFM_TIERS,
  VALUE_LIMITS,
  WINDOW_BASES,
  WindowBasis,
  RULE_LIMITS,
  RULE_POLICY_LIMITS,
  RULE_STATUSES,
  SENDER_FALLBACKS,
  SENDER_MODES,
  type SenderFallback,
  type SenderMode,
  TIME_PATTERN,
} from '@app/contracts';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

const MAX_DAYS = RULE_LIMITS.maxDays;
const MAX_LABEL_FIELD_LENGTH = RULE_LIMITS.labelFieldMaxLength;
const STATUSES = [...RULE_STATUSES];

/** A message's text: optional, a string (its UTF-8 length is a semantic check). */
const TextField = () =>
  applyDecorators(
    ApiPropertyOptional({ description: `文本内容，UTF-8 不超过 ${RULE_LIMITS.textMaxBytes} 字节` }),
    IsOptional(),
    IsString(),
  );

/** A message's URL or page path: optional, trimmed, at most RULE_LIMITS.urlMaxLength. */
const UrlField = (description: string, example?: string) =>
  applyDecorators(
    ApiPropertyOptional({ description, ...(example ? { example } : {}) }),
    IsOptional(),
    Transform(trim),
    IsString(),
    MaxLength(RULE_LIMITS.urlMaxLength),
  );

/** A mini-program card's title: optional, a string (its UTF-8 length is a semantic check). */
const CardTitleField = () =>
  applyDecorators(
    ApiPropertyOptional({
      description: `小程序卡片标题，UTF-8 不超过 ${RULE_LIMITS.miniProgramTitleMaxBytes} 字节`,
    }),
    IsOptional(),
    IsString(),
  );

/** An exclusion label list: optional, comma-separated like the label fields. */
const ExcludeLabelsField = (description: string, example: string) =>
  applyDecorators(
    ApiPropertyOptional({
      description: `排除：${description}，逗号分隔；窗口内有此类订单的客户被排除（编辑时不传则保持原值）`,
      example,
    }),
    IsOptional(),
    IsString(),
    MaxLength(MAX_LABEL_FIELD_LENGTH),
  );

/** A content variant besides the rule's own (A): B, C, … in order. */
class VariantDto {
  @TextField()
  content?: string;

  @UrlField('图片 URL（http/https，公网地址）')
  img?: string;

  @CardTitleField()
  miniProgramTitle?: string;

  @UrlField('小程序卡片封面图 URL（http/https，公网地址）')
  miniProgramImg?: string;

  @UrlField('小程序页面路径（可在 query 中带上变体标识，如 ?v=B，便于店铺侧数据关联）')
  miniProgramUrl?: string;

  @ApiProperty({
    description: '权重（整数 1–100）',
    minimum: EXPERIMENT_LIMITS.weight.min,
    maximum: EXPERIMENT_LIMITS.weight.max,
  })
  @IsInt()
  @Min(EXPERIMENT_LIMITS.weight.min)
  @Max(EXPERIMENT_LIMITS.weight.max)
  weight: number;
}

class WeekDayPushTimeDto {
  @ApiProperty({ description: '星期几，1-7（7 表示周日）', minimum: 1, maximum: 7, example: 1 })
  @IsInt()
  @Min(1)
  @Max(7)
  week: number;

  @ApiProperty({ description: '推送时间 HH:mm（Asia/Shanghai），00:00-23:59', example: '10:00' })
  @IsString()
  @Matches(TIME_PATTERN, { message: 'time must be HH:mm between 00:00 and 23:59' })
  time: string;
}

/** The rule body of create and edit, in the seed's camelCase shape. */
export class PushRuleDto {
  @ApiProperty({
    description: '推送名称，去除首尾空格后唯一（未删除的规则之间）',
    maxLength: RULE_LIMITS.nameMaxLength,
  })
  @Transform(trim)
  @IsString()
  @IsNotEmpty({ message: 'name is required' })
  @MaxLength(RULE_LIMITS.nameMaxLength)
  name: string;

  @ApiPropertyOptional({ description: '0 进行中，1 暂停', enum: STATUSES, default: 0 })
  @IsOptional()
  @IsInt()
  @IsIn(STATUSES)
  status?: number;

  @ApiProperty({ description: '生效开始日期 YYYY-MM-DD', example: '2024-01-01' })
  @IsString()
  @Matches(DATE_PATTERN, { message: 'startDate must be YYYY-MM-DD' })
  startDate: string;

  @ApiProperty({
    description: '生效结束日期 YYYY-MM-DD（含），不早于 startDate',
    example: '2024-12-31',
  })
  @IsString()
  @Matches(DATE_PATTERN, { message: 'endDate must be YYYY-MM-DD' })
  endDate: string;

  @ApiProperty({ type: [WeekDayPushTimeDto], description: '推送时间（至少一个，不可重复）' })
  @IsArray()
  @ArrayMinSize(1, { message: 'weekDayPushTime needs at least one slot' })
  @ArrayMaxSize(RULE_LIMITS.maxSlots)
  @IsObject({ each: true, message: '$property must hold objects' })
  @ValidateNested({ each: true })
  @Type(() => WeekDayPushTimeDto)
  weekDayPushTime: WeekDayPushTimeDto[];

  @ApiPropertyOptional({ description: '城市标签名称，逗号分隔', example: '上海,北京' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_FIELD_LENGTH)
  cityLabels?: string;

  @ApiPropertyOptional({ description: '分仓标签 bind_id，逗号分隔', example: '1001,1002' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_FIELD_LENGTH)
  storeLabels?: string;

  @ApiPropertyOptional({ description: '品牌标签名称，逗号分隔', example: '蓝氏,皇家' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_FIELD_LENGTH)
  brandLabels?: string;

  @ApiPropertyOptional({ description: '二级品类标签 bind_id，逗号分隔', example: '2001,2002' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_FIELD_LENGTH)
  cateLabels?: string;

  @ApiPropertyOptional({ description: 'SKU 标签 bind_id，逗号分隔', example: 'SKU001' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_FIELD_LENGTH)
  skuLabels?: string;

  @ApiProperty({
    description: '最后一次购买距今至少多少天（整天）',
    minimum: 0,
    maximum: MAX_DAYS,
    example: 30,
  })
  @IsInt()
  @Min(0)
  @Max(MAX_DAYS)
  lastOrderDay: number;

  @ApiProperty({
    description: '最后一次购买距今至多多少天（整天），≥ lastOrderDay',
    minimum: 0,
    maximum: MAX_DAYS,
    example: 45,
  })
  @IsInt()
  @Min(0)
  @Max(MAX_DAYS)
  lastOrderDayLimit: number;

  @ApiPropertyOptional({
    description:
      '时间窗口针对哪次购买：lastOrder = 最后一次下单（任何商品，默认）；labelledGoods = 最后一次购买带本规则品类/品牌/SKU 标签的商品（须至少设置一个商品标签），城市/分仓则限定这些购买的下单地（编辑时不传则保持原值）',
    enum: WINDOW_BASES,
    default: 'lastOrder',
  })
  @IsOptional()
  @IsIn(WINDOW_BASES)
  windowBasis?: WindowBasis;

  @ApiPropertyOptional({
    description:
      '标签组合：any = 任一标签（全部类型之间为"或"，默认）；all = 窗口内同一笔订单对每个已设置的标签类型都至少带一个（类型内"或"、类型间"且"）（编辑时不传则保持原值）',
    enum: LABEL_MATCHES,
    default: 'any',
  })
  @IsOptional()
  @IsIn(LABEL_MATCHES)
  labelMatch?: LabelMatch;

  @ExcludeLabelsField('城市标签名称（窗口内在这些城市下过单）', '北京')
  excludeCityLabels?: string;

  @ExcludeLabelsField('分仓标签 bind_id（窗口内从这些分仓下过单）', '1002')
  excludeStoreLabels?: string;

  @ExcludeLabelsField('品牌标签名称（窗口内购买过）', '皇家')
  excludeBrandLabels?: string;

  @ExcludeLabelsField('二级品类标签 bind_id（窗口内购买过）', '2002')
  excludeCateLabels?: string;

  @ExcludeLabelsField('SKU 标签 bind_id（窗口内购买过）', 'SKU002')
  excludeSkuLabels?: string;

  @ApiPropertyOptional({
    description:
      '价值分层：近 valueLookbackDays 天至少多少笔有效订单（不含已关闭、全额退款的订单）；null 不限（编辑时不传则保持原值）',
    minimum: VALUE_LIMITS.minOrders.min,
    maximum: VALUE_LIMITS.minOrders.max,
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @IsInt()
  @Min(VALUE_LIMITS.minOrders.min)
  @Max(VALUE_LIMITS.minOrders.max)
  minOrders?: number | null;

  @ApiPropertyOptional({
    description:
      '价值分层：近 valueLookbackDays 天有效订单实付减退款至少多少元（至多两位小数）；null 不限（编辑时不传则保持原值）',
    minimum: VALUE_LIMITS.minSpend.min,
    maximum: VALUE_LIMITS.minSpend.max,
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @IsNumber({ maxDecimalPlaces: 2 })
  @Min(VALUE_LIMITS.minSpend.min)
  @Max(VALUE_LIMITS.minSpend.max)
  minSpend?: number | null;

  @ApiPropertyOptional({
    description: '价值分层的回看天数（默认 180；编辑时不传则保持原值）',
    minimum: VALUE_LIMITS.valueLookbackDays.min,
    maximum: VALUE_LIMITS.valueLookbackDays.max,
    default: VALUE_LIMITS.valueLookbackDays.default,
  })
  @IsOptional()
  @IsInt()
  @Min(VALUE_LIMITS.valueLookbackDays.min)
  @Max(VALUE_LIMITS.valueLookbackDays.max)
  valueLookbackDays?: number;

  @ApiPropertyOptional({
    description:
      'RFM 分层（每晚计算）：客户须属于其中之一；[] 不限（编辑时不传则保持原值）。见 docs/AUDIENCE.md',
    enum: RFM_TIERS,
    isArray: true,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RFM_TIERS.length)
  @ArrayUnique()
  @IsIn(RFM_TIERS, { each: true })
  rfmTiers?: string[];

  @TextField()
  content?: string;

  @UrlField('图片 URL（http/https，公网地址）')
  img?: string;

  @CardTitleField()
  miniProgramTitle?: string;

  @UrlField('小程序卡片封面图 URL（http/https，公网地址）')
  miniProgramImg?: string;

  @UrlField('小程序页面路径', 'pages/home/feature/index?alias=xxx')
  miniProgramUrl?: string;

  @ApiPropertyOptional({
    description:
      '冷却天数：被本规则推送过的客户 N 天内不再被本规则选中（0 关闭；新建默认 7，编辑时不传则保持原值）',
    minimum: RULE_POLICY_LIMITS.cooldownDays.min,
    maximum: RULE_POLICY_LIMITS.cooldownDays.max,
  })
  @IsOptional()
  @IsInt()
  @Min(RULE_POLICY_LIMITS.cooldownDays.min)
  @Max(RULE_POLICY_LIMITS.cooldownDays.max)
  cooldownDays?: number;

  @ApiPropertyOptional({
    description:
      '优先级 1–10，1 最先：同一分钟触发的多条规则，数字大的等数字小的先占用客户（新建默认 5，编辑时不传则保持原值）',
    minimum: RULE_POLICY_LIMITS.priority.min,
    maximum: RULE_POLICY_LIMITS.priority.max,
  })
  @IsOptional()
  @IsInt()
  @Min(RULE_POLICY_LIMITS.priority.min)
  @Max(RULE_POLICY_LIMITS.priority.max)
  priority?: number;

  @ApiPropertyOptional({
    description:
      '服务通知：不受频次上限约束、也不计入上限（仍遵守勿扰、不可达与本规则冷却）；仅可修改触达策略的操作员可设置',
  })
  @IsOptional()
  @IsBoolean()
  capExempt?: boolean;

  @ApiPropertyOptional({
    description:
      '实验：对照组比例（%，0–50，至多两位小数）。按（客户，规则）确定性抽取，参与筛选与触达策略但不发送，记录在每次运行中用于计算增量（新建默认 0，编辑时不传则保持原值）',
    minimum: EXPERIMENT_LIMITS.holdoutPercent.min,
    maximum: EXPERIMENT_LIMITS.holdoutPercent.max,
  })
  @IsOptional()
  @IsNumber({ maxDecimalPlaces: 2 })
  @Min(EXPERIMENT_LIMITS.holdoutPercent.min)
  @Max(EXPERIMENT_LIMITS.holdoutPercent.max)
  holdoutPercent?: number;

  @ApiPropertyOptional({
    description: `实验：规则自身内容（A）之外至多 ${EXPERIMENT_LIMITS.maxVariants} 个内容变体（B、C…），客户按权重确定性分配；每个变体单独成批发送（编辑时不传则保持原值，传 [] 清除）`,
    type: () => [VariantDto],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EXPERIMENT_LIMITS.maxVariants)
  @IsObject({ each: true, message: '$property must hold objects' })
  @ValidateNested({ each: true })
  @Type(() => VariantDto)
  variants?: VariantDto[];

  @ApiPropertyOptional({
    description: '实验：规则自身内容（A）的权重（整数 1–100，默认 1）',
    minimum: EXPERIMENT_LIMITS.weight.min,
    maximum: EXPERIMENT_LIMITS.weight.max,
  })
  @IsOptional()
  @IsInt()
  @Min(EXPERIMENT_LIMITS.weight.min)
  @Max(EXPERIMENT_LIMITS.weight.max)
  contentWeight?: number;

  @ApiPropertyOptional({
    description: '服务通知可选择也发给全局对照组（仅 capExempt 规则；默认 false）',
  })
  @IsOptional()
  @IsBoolean()
  ignoreGlobalControl?: boolean;

  @ApiPropertyOptional({
    description:
      '发送人：wecom = 企业微信分配（最近聊天的成员，默认）；owner = 每位客户的专属导购（customers.owner_userid），按导购分批、每批指定 sender（编辑时不传则保持原值）',
    enum: SENDER_MODES,
  })
  @IsOptional()
  @IsIn([...SENDER_MODES])
  senderMode?: SenderMode;

  @ApiPropertyOptional({
    description:
      'senderMode = owner 时没有专属导购的客户：skip = 跳过（计入执行记录的排除原因 noOwner）；wecom = 由企业微信分配（默认）',
    enum: SENDER_FALLBACKS,
  })
  @IsOptional()
  @IsIn([...SENDER_FALLBACKS])
  senderFallback?: SenderFallback;

  @ApiPropertyOptional({
    description: `执行期限（小时，${DEADLINE_LIMITS.min}–${DEADLINE_LIMITS.max}）：任务发出后到期前提醒未发送的成员，到期取消任务；null 不设（默认；编辑时不传则保持原值）`,
    minimum: DEADLINE_LIMITS.min,
    maximum: DEADLINE_LIMITS.max,
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @IsInt()
  @Min(DEADLINE_LIMITS.min)
  @Max(DEADLINE_LIMITS.max)
  executionDeadlineHours?: number | null;
}

export class EditPushRuleDto extends PushRuleDto {
  @ApiProperty({ description: '规则 id', example: 1 })
  @IsInt()
  @Min(1)
  id: number;
}

export class IdDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  id: number;
}

/** `/wechatpush/variant/promote`: the variant that becomes the rule's content. */
export class PromoteVariantDto extends IdDto {
  @ApiProperty({
    description: '胜出的内容变体：A = 保留规则自身内容，B、C… = 用该变体替换规则内容；其余变体停用',
    enum: ['A', 'B', 'C', 'D', 'E'],
    example: 'B',
  })
  @IsIn(['A', 'B', 'C', 'D', 'E'])
  variant: string;
}

export class EditStatusDto extends IdDto {
  @ApiProperty({ description: '0 进行中，1 暂停', enum: STATUSES })
  @IsInt()
  @IsIn(STATUSES)
  status: number;
}

export const MAX_PAGE_SIZE = 100;

export class ListPushRulesDto {
  @ApiPropertyOptional({ description: '按名称模糊搜索（字面匹配，% 和 _ 不是通配符）' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  searchText?: string;

  @ApiPropertyOptional({ description: '创建日期起（含），YYYY-MM-DD 或 YYYY-MM-DD HH:mm:ss' })
  @IsOptional()
  @IsString()
  startTime?: string;

  @ApiPropertyOptional({ description: '创建日期止（含整天），YYYY-MM-DD 或 YYYY-MM-DD HH:mm:ss' })
  @IsOptional()
  @IsString()
  endTime?: string;

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

/** A rule as `info` returns it: the request shape plus `id`. */
export class PushRuleView {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty({ enum: STATUSES }) status: number;
  @ApiProperty() startDate: string;
  @ApiProperty() endDate: string;
  @ApiProperty({ type: [WeekDayPushTimeDto] }) weekDayPushTime: WeekDayPushTimeDto[];
  @ApiProperty() cityLabels: string;
  @ApiProperty() storeLabels: string;
  @ApiProperty() brandLabels: string;
  @ApiProperty() cateLabels: string;
  @ApiProperty() skuLabels: string;
  @ApiProperty() lastOrderDay: number;
  @ApiProperty({ description: '冷却天数（0 关闭）' }) cooldownDays: number;
  @ApiProperty({ description: '优先级 1–10，1 最先' }) priority: number;
  @ApiProperty({ description: '服务通知：不受频次上限约束' }) capExempt: boolean;
  @ApiProperty({ description: '实验对照组比例（%）' }) holdoutPercent: number;
  @ApiProperty({ type: [VariantDto], description: '内容变体 B、C…（A 为规则自身内容）' })
  variants: VariantDto[];
  @ApiProperty({ description: '规则自身内容（A）的权重' }) contentWeight: number;
  @ApiProperty({ description: '服务通知也发给全局对照组' }) ignoreGlobalControl: boolean;
  @ApiProperty({ enum: SENDER_MODES, description: '发送人：企业微信分配或专属导购' })
  senderMode: SenderMode;
  @ApiProperty({ enum: SENDER_FALLBACKS, description: '无专属导购的客户：跳过或企业微信分配' })
  senderFallback: SenderFallback;
  @ApiProperty({ nullable: true, type: Number, description: '执行期限（小时）；null 不设' })
  executionDeadlineHours: number | null;
  @ApiProperty() lastOrderDayLimit: number;
  @ApiProperty({ enum: WINDOW_BASES }) windowBasis: WindowBasis;
  @ApiProperty({ enum: LABEL_MATCHES }) labelMatch: LabelMatch;
  @ApiProperty() excludeCityLabels: string;
  @ApiProperty() excludeStoreLabels: string;
  @ApiProperty() excludeBrandLabels: string;
  @ApiProperty() excludeCateLabels: string;
  @ApiProperty() excludeSkuLabels: string;
  @ApiProperty({ nullable: true, type: Number }) minOrders: number | null;
  @ApiProperty({ nullable: true, type: Number, description: '元' }) minSpend: number | null;
  @ApiProperty() valueLookbackDays: number;
  @ApiProperty({ enum: RFM_TIERS, isArray: true }) rfmTiers: string[];
  @ApiProperty() content: string;
  @ApiProperty() img: string;
  @ApiProperty() miniProgramTitle: string;
  @ApiProperty() miniProgramImg: string;
  @ApiProperty() miniProgramUrl: string;
  @ApiProperty({
    description: '所示内容的版本号：有待审批版本时为它（编辑者继续编辑的内容），否则为生效版本',
    nullable: true,
    type: Number,
  })
  version: number | null;
  @ApiProperty({
    description: '生效（已审批、定时执行）的版本；null：尚无审批通过的版本，不会执行',
    nullable: true,
    type: Number,
  })
  approvedVersion: number | null;
  @ApiProperty({ description: '待审批的版本号，没有则为 null', nullable: true, type: Number })
  pendingVersion: number | null;
}

class PushRuleListItem {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'YYYY-MM-DD HH:mm:ss (Asia/Shanghai)' }) createTime: string;
  @ApiProperty({ enum: STATUSES }) status: number;
  @ApiProperty({ example: '2024-01-01~2024-12-31' }) usefulTime: string;
  @ApiProperty({ nullable: true, type: Number, description: '生效版本；null：尚未审批通过' })
  approvedVersion: number | null;
  @ApiProperty({ nullable: true, type: Number, description: '待审批的版本号，没有则为 null' })
  pendingVersion: number | null;
}

export class PushRuleListPage {
  @ApiProperty({ type: [PushRuleListItem] }) data: PushRuleListItem[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pagesize: number;
  @ApiProperty({ description: 'ceil(total / pagesize)' }) pages: number;
}

class IdNameLabel {
  @ApiProperty({ description: 'bind_id' }) id: string;
  @ApiProperty() name: string;
}

export class LabelLibrary {
  @ApiProperty({ type: [String] }) cityLabels: string[];
  @ApiProperty({ type: [IdNameLabel] }) storeLabels: IdNameLabel[];
  @ApiProperty({ type: [IdNameLabel] }) cateLabels: IdNameLabel[];
  @ApiProperty({ type: [String] }) brandLabels: string[];
}
