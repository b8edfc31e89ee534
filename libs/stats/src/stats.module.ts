import { Module } from '@nestjs/common';
import { PushStatisticsService } from './push-statistics.service';
import { EffectAnalysisService } from './effect-analysis.service';
import { ExperimentStatisticsService } from './experiment-statistics.service';
import { StatsIngest } from './ingest/stats-ingest.service';

/**
 * Effect statistics: the query side over delivery rows and order attributions (imported by
 * the api) and the ingest side that derives them (imported by the pipeline).
 */
@Module({
  providers: [
    PushStatisticsService,
    EffectAnalysisService,
    ExperimentStatisticsService,
    StatsIngest,
  ],
  exports: [PushStatisticsService, EffectAnalysisService, ExperimentStatisticsService, StatsIngest],
})
export class StatsModule {}
