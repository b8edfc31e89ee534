import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PushStatisticsService } from '@app/stats';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import {
  DailyFiguresView,
  PushFiguresView,
  PushResultView,
  RunFiguresPageView,
  RunStatsQueryDto,
  StatsQueryDto,
} from './statistics.dto';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';

/** Effect statistics (SPEC §7): the funnel over a range, per run and per day. */
@ApiTags('statistic')
// The funnel alone stays a schema of its own: the console names it for every figure set.
@ApiExtraModels(PushFiguresView)
@Controller('statistic/wechatpush')
@RequireRole('viewer')
export class StatisticsController {
  constructor(private readonly stats: PushStatisticsService) {}

  @Post('result')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({
    summary:
      '推送效果：范围内（按执行时间槽）名称匹配的所有执行，推送 → 接受 → 员工执行 → 送达/非好友/超上限 → 下单，均为去重人数；另有 excluded：触达策略排除（未推送）的人数',
  })
  @ApiEnvelope(PushResultView)
  result(@Body() body: StatsQueryDto) {
    return this.stats.result(body);
  }

  @Post('runs')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '每次执行的效果（新到旧，分页），含每位员工的执行 / 送达' })
  @ApiEnvelope(RunFiguresPageView)
  runs(@Body() body: RunStatsQueryDto) {
    return this.stats.runs(body);
  }

  @Post('daily')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '按天的效果（图表用）：范围内每天一行，当天内去重；范围最多 366 天' })
  @ApiEnvelope(DailyFiguresView, { isArray: true })
  daily(@Body() body: StatsQueryDto) {
    return this.stats.daily(body);
  }
}
