import { ApiProperty } from '@nestjs/swagger';
import type { ExclusionCounts } from '@app/contracts';

/**
 * Customers the contact policy kept out, by reason; each counted once, under the first
 * reason in this order (docs/AUDIENCE.md "Contact policy").
 */
export class ExclusionCountsView implements ExclusionCounts {
  @ApiProperty({ description: '按专属导购发送、且无专属导购的客户被跳过（senderFallback = skip）' })
  noOwner: number;
  @ApiProperty({ description: '不可达：企业微信报告“客户不是好友”（status 2）' })
  unreachable: number;
  @ApiProperty({ description: '勿扰名单' }) suppressed: number;
  @ApiProperty({ description: '本规则冷却期内' }) cooldown: number;
  @ApiProperty({ description: '距上次触达不足最小间隔' }) gap: number;
  @ApiProperty({ description: '当日（上海）已达上限' }) dayCap: number;
  @ApiProperty({ description: '近 7 天已达上限' }) weekCap: number;
  @ApiProperty({ description: '企业微信接收上限（本系统所知）已满' }) wecomCap: number;
}
