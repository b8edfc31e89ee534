import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  AppConfigModule,
  ClockModule,
  createValidationPipe,
  HealthController,
  loggingModule,
  MetricsController,
  MetricsModule,
  RedisModule,
  SuccessEnvelopeInterceptor,
} from '@app/common';
import { DatabaseModule } from '@app/database';
import { AccessGuard, AccountsModule, RouteAccessCheck } from '@app/accounts';
import { PushConfigModule } from '@app/push-config';
import { AudienceModule } from '@app/audience';
import { PipelineFigures, PipelineMetrics, PipelineModule } from '@app/pipeline';
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
import { ContactMetrics, WecomCallbacksModule } from '@app/wecom-callbacks';
import { WecomCallbackController } from './wecom-callback/wecom-callback.controller';
import { WecomContactsController } from './wecom-contacts/wecom-contacts.controller';
import { CustomerContactsController } from './wecom-contacts/customer-contacts.controller';
import { OpenCallbackMiddleware } from './wecom-callback/open-callback.middleware';
import { YouzanModule } from '@app/youzan';
import { YouzanPushController } from './youzan/youzan-push.controller';
import { OpenYouzanPushMiddleware } from './youzan/open-youzan-push.middleware';
import { IngestMetrics, IngestModule, OrderImportModule } from '@app/ingest';
import { OrderImportController } from './import/order-import.controller';
import { IdentityModule } from '@app/identity';
import { IdentityImportController } from './import/identity-import.controller';
import { AuthController } from './accounts/auth.controller';
import { UsersController } from './accounts/users.controller';
import { ApiKeysController } from './accounts/api-keys.controller';
import { TestSendController } from './test-send/test-send.controller';
import { AuditInterceptor, AuditModule } from '@app/audit';
import { AuditController } from './audit/audit.controller';

@Module({
  imports: [
    AppConfigModule,
    ClockModule,
    loggingModule('api'),
    DatabaseModule,
    RedisModule,
    AccountsModule,
    TerminusModule,
    PushConfigModule,
    AudienceModule,
    PipelineModule,
    StatsModule,
    WecomCallbacksModule,
    YouzanModule,
    OrderImportModule,
    IdentityModule,
    IngestModule,
    rateLimitModule,
    MetricsModule,
    AuditModule,
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
    WecomCallbackController,
    WecomContactsController,
    CustomerContactsController,
    YouzanPushController,
    OrderImportController,
    IdentityImportController,
    MetricsController,
    AuthController,
    UsersController,
    ApiKeysController,
    TestSendController,
    AuditController,
  ],
  providers: [
    RouteAccessCheck,
    RuleScheduleLink,
    PipelineFigures,
    PipelineMetrics,
    IngestMetrics,
    ContactMetrics,
    // Rate limit first, so requests with wrong tokens are limited (by IP) before auth refuses them.
    { provide: APP_GUARD, useClass: OperatorThrottlerGuard },
    // Every route: a credential and the role it declares (docs/SECURITY.md "Roles").
    { provide: APP_GUARD, useExisting: AccessGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_INTERCEPTOR, useClass: SuccessEnvelopeInterceptor },
    // Every change leaves one audit row (docs/SECURITY.md "Audit log").
    { provide: APP_INTERCEPTOR, useExisting: AuditInterceptor },
  ],
})
export class ApiModule implements NestModule {
  /**
   * Repeated rule reads are answered from Redis before Nest's pipeline (see CachedRuleReads);
   * WeCom's callbacks are verified before the rate limit decides (see OpenCallbackMiddleware).
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(OpenCallbackMiddleware)
      .forRoutes(
        { path: 'wecom/callback', method: RequestMethod.GET },
        { path: 'wecom/callback', method: RequestMethod.POST },
      );
    consumer
      .apply(OpenYouzanPushMiddleware)
      .forRoutes({ path: 'youzan/push', method: RequestMethod.POST });
    consumer
      .apply(CachedRuleReads)
      .forRoutes(
        { path: 'wechatpush/lists', method: RequestMethod.POST },
        { path: 'wechatpush/info', method: RequestMethod.POST },
      );
  }
}
