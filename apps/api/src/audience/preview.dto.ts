import { ApiProperty } from '@nestjs/swagger';
import { ExclusionCountsView } from '../contact-policy/exclusions.view';

class AudienceWindowView {
  @ApiProperty({ description: '窗口起点（含），Asia/Shanghai', example: '2025-01-29 00:00:00' })
  from: string;

  @ApiProperty({ description: '窗口终点（含），Asia/Shanghai', example: '2025-02-13 23:59:59' })
  to: string;
}

/** What `/wechatpush/preview` answers: computed now, nothing sent. */
export class AudiencePreviewView {
  @ApiProperty({
    description:
      '现在执行会触达的客户数：规则人群（去重后的 external_userid）减去触达策略排除的客户',
  })
  count: number;

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

  @ApiProperty({ description: '计算耗时（毫秒）' })
  tookMs: number;
}
