import { Module } from '@nestjs/common';
import { PushStatisticsService } from './push-statistics.service';
import { EffectAnalysisService } from './effect-analysis.service';

/** Effect statistics over delivery rows and order attributions; imported by the api. */
@Module({
  providers: [PushStatisticsService, EffectAnalysisService],
  exports: [PushStatisticsService, EffectAnalysisService],
})
export class StatsModule {}
