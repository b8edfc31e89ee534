import { ApiProperty } from '@nestjs/swagger';
import { ExclusionCountsView } from '../contact-policy/exclusions.view';

class AudienceWindowView {
  @ApiProperty({ description: '窗口起点（含），Asia/Shanghai', example: '2025-01-29 00:00:00' })
  from: string;

  @ApiProperty({ description: '窗口终点（含），Asia/Shanghai', example: '2025-02-13 23:59:59' })
  to: string;
}

class PreviewControlView {
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      '规则对照组人数（按客户与规则确定性抽取，不发送）；未保存的规则为 null（抽取取决于规则 id，保存后才确定，约为比例 × 人数）',
  })
  holdout: number | null;

  @ApiProperty({ description: '全局对照组人数（所有规则都不推送的客户）' })
  global: number;
}

class AudienceStepView {
  @ApiProperty({
    enum: ['window', 'labels', 'exclusions', 'value'],
    description:
      'window：时间窗口（labelledGoods 为最近一次购买所选商品）；labels：标签（labelledGoods 为下单城市/分仓）；exclusions：排除标签；value：价值分层（单数、金额、RFM）',
  })
  condition: string;

  @ApiProperty({
    description: '加上这一条件（及之前各条件）后剩余的人数（去重 external_userid，触达策略之前）',
  })
  remaining: number;
}

/** What `/wechatpush/preview` answers: computed now, nothing sent. */
class OrderFeedView {
  @ApiProperty({
    description:
      '是否配置了订单数据源（有赞同步或文件导入有过记录）；false 表示订单由外部 ETL 写入，不做新鲜度检查',
  })
  configured: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: '最近一次成功的有赞同步或文件导入（Asia/Shanghai）；从未成功为 null',
    example: '2025-02-13 08:05:00',
  })
  lastSuccessAt: string | null;

  @ApiProperty({ type: Number, nullable: true, description: '距最近一次成功已过的小时数' })
  ageHours: number | null;

  @ApiProperty({ description: 'ORDER_FEED_MAX_AGE_HOURS；0 表示不检查' })
  maxAgeHours: number;

  @ApiProperty({
    description: '订单数据已过期：按时段的推送会被跳过（原因 order data stale since …）',
  })
  stale: boolean;
}

export class AudiencePreviewView {
  @ApiProperty({
    type: OrderFeedView,
    description: '订单数据的新鲜度：人群按最后下单时间圈选，数据过期会召回刚下过单的客户',
  })
  orderFeed: OrderFeedView;

  @ApiProperty({
    description:
      '现在执行会发送的客户数：规则人群（去重后的 external_userid）减去触达策略排除的客户与对照组',
  })
  count: number;

  @ApiProperty({
    type: PreviewControlView,
    description: '对照组：参与筛选与触达策略但不发送的客户，用于衡量推送带来的增量',
  })
  control: PreviewControlView;

  @ApiProperty({
    type: ExclusionCountsView,
    description: '触达策略排除的客户数，按原因（每人只计一次，按字段顺序取第一个原因）',
  })
  excluded: ExclusionCountsView;

  @ApiProperty({
    type: [String],
    description: '会触达的前 20 个 external_userid（与发送顺序一致）',
  })
  sample: string[];

  @ApiProperty({ type: AudienceWindowView, description: '最后一次下单须落在的时间窗口' })
  window: AudienceWindowView;

  @ApiProperty({
    type: [AudienceStepView],
    description:
      '逐个条件的剩余人数，按 window → labels → exclusions → value 的顺序，只列规则设置了的条件；在触达策略的 excluded 之前。最后一步即规则人群',
  })
  steps: AudienceStepView[];

  @ApiProperty({ description: '计算耗时（毫秒）' })
  tookMs: number;
}
