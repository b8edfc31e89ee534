import { Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  AllExceptionsFilter,
  AppConfigModule,
  ClockModule,
  HealthController,
  loggingModule,
  MetricsController,
  MetricsModule,
  RedisModule,
} from '@app/common';
import { DatabaseModule } from '@app/database';
import { PipelineFigures, PipelineIncidents, PipelineMetrics, PipelineModule } from '@app/pipeline';
import { ContactMetrics, WecomCallbacksModule } from '@app/wecom-callbacks';
import { YouzanModule, YouzanPullScheduler, YouzanQueuesModule } from '@app/youzan';
import { CallbackEventProcessor } from './processors/callback-event.processor';
import { ContactsSyncProcessor } from './processors/contacts-sync.processor';
import { RfmProcessor } from './processors/rfm.processor';
import { AudienceModule } from '@app/audience';
import { YouzanPullProcessor } from './processors/youzan-pull.processor';
import { IngestMetrics, OrderImportModule } from '@app/ingest';
import { OrderImportProcessor } from './processors/order-import.processor';
import { BatchProcessor } from './processors/batch.processor';
import { DeliveryProcessor } from './processors/delivery.processor';
import { JobHandlerDiscovery } from './processors/job-handlers';
import { ScheduleProcessor } from './processors/schedule.processor';
import { SlotProcessor } from './processors/slot.processor';
import { QueueWorkers } from './queue-workers.service';
import { WorkerBootstrap } from './worker-bootstrap.service';
import { AlertNotifier } from './alerts/alert-notifier.service';
import { QueueMetrics } from './metrics/queue-metrics';
import { SelectionMetrics } from './metrics/selection-metrics';

/**
 * The worker: scheduler and queue processors, no HTTP unless WORKER_PORT is set. A handler
 * is any provider with `@OnJob` methods; WorkerBootstrap finds them and starts the queues.
 */
@Module({
  imports: [
    AppConfigModule,
    ClockModule,
    loggingModule('worker'),
    DatabaseModule,
    RedisModule,
    PipelineModule,
    AudienceModule,
    WecomCallbacksModule,
    YouzanModule,
    YouzanQueuesModule,
    OrderImportModule,
    DiscoveryModule,
    MetricsModule,
  ],
  providers: [
    ScheduleProcessor,
    SlotProcessor,
    BatchProcessor,
    DeliveryProcessor,
    CallbackEventProcessor,
    ContactsSyncProcessor,
    RfmProcessor,
    YouzanPullProcessor,
    OrderImportProcessor,
    YouzanPullScheduler,
    JobHandlerDiscovery,
    QueueWorkers,
    WorkerBootstrap,
    PipelineFigures,
    PipelineMetrics,
    IngestMetrics,
    ContactMetrics,
    QueueMetrics,
    SelectionMetrics,
    PipelineIncidents,
    AlertNotifier,
  ],
})
export class WorkerModule {}

/**
 * Adds GET /health (container probes) and GET /metrics (Prometheus, with METRICS_TOKEN) to a
 * worker started with WORKER_PORT, answering errors in the api's envelope and status (503
 * unhealthy, 401, 404).
 */
@Module({
  imports: [WorkerModule, TerminusModule],
  controllers: [HealthController, MetricsController],
  providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
})
export class WorkerWithHealthModule {}
