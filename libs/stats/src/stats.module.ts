import { Module } from '@nestjs/common';
import { PushStatisticsService } from './push-statistics.service';

/** Effect statistics over delivery rows and order attributions; imported by the api. */
@Module({
  providers: [PushStatisticsService],
  exports: [PushStatisticsService],
})
export class StatsModule {}
