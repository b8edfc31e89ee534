import { ApiProperty } from '@nestjs/swagger';

class AudienceWindowView {
  @ApiProperty({ description: '窗口起点（含），Asia/Shanghai', example: '2025-01-29 00:00:00' })
  from: string;

  @ApiProperty({ description: '窗口终点（含），Asia/Shanghai', example: '2025-02-13 23:59:59' })
  to: string;
}

/** What `/wechatpush/preview` answers: computed now, nothing sent. */
export class AudiencePreviewView {
  @ApiProperty({ description: '目标客户数（去重后的 external_userid）' })
  count: number;

  @ApiProperty({ type: [String], description: '前 20 个 external_userid（与发送顺序一致）' })
  sample: string[];

  @ApiProperty({ type: AudienceWindowView, description: '最后一次下单须落在的时间窗口' })
  window: AudienceWindowView;

  @ApiProperty({ description: '计算耗时（毫秒）' })
  tookMs: number;
}
