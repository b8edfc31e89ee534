import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  AppConfigModule,
  ClockModule,
  createValidationPipe,
  HealthController,
  loggingModule,
  OperatorAuthGuard,
  OperatorTokens,
  RedisModule,
  SuccessEnvelopeInterceptor,
} from '@app/common';
import { DatabaseModule } from '@app/database';
import { PushConfigModule } from '@app/push-config';
import { AudienceModule } from '@app/audience';
import { PipelineModule } from '@app/pipeline';
import { PushRuleController } from './push-rule/push-rule.controller';
import { PreviewController } from './audience/preview.controller';
import { PushRunController } from './push-run/push-run.controller';
import { RuleScheduleLink } from './push-run/rule-schedule.link';
import { StatsModule } from '@app/stats';
import { StatisticsController } from './statistics/statistics.controller';
import { AnalysisController } from './statistics/analysis.controller';
import { OperatorThrottlerGuard, rateLimitModule } from './http/rate-limit';
import { CachedRuleReads } from './http/cached-rule-reads';
import { PolicyController } from './contact-policy/policy.controller';
import { SuppressionController } from './contact-policy/suppression.controller';

@Module({
  imports: [
    AppConfigModule,
    ClockModule,
    loggingModule('api'),
    DatabaseModule,
    RedisModule,
    TerminusModule,
    PushConfigModule,
    AudienceModule,
    PipelineModule,
    StatsModule,
    rateLimitModule,
  ],
  controllers: [
    PushRuleController,
    PreviewController,
    PushRunController,
    HealthController,
    StatisticsController,
    AnalysisController,
    PolicyController,
    SuppressionController,
  ],
  providers: [
    OperatorTokens,
    RuleScheduleLink,
    // Rate limit first, so requests with wrong tokens are limited (by IP) before auth refuses them.
    { provide: APP_GUARD, useClass: OperatorThrottlerGuard },
    { provide: APP_GUARD, useClass: OperatorAuthGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_INTERCEPTOR, useClass: SuccessEnvelopeInterceptor },
  ],
})
export class ApiModule implements NestModule {
  /** Repeated rule reads are answered from Redis before Nest's pipeline (see CachedRuleReads). */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(CachedRuleReads)
      .forRoutes(
        { path: 'wechatpush/lists', method: RequestMethod.POST },
        { path: 'wechatpush/info', method: RequestMethod.POST },
      );
  }
}
