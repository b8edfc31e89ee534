import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  AppConfigModule,
  ClockModule,
  HealthController,
  loggingModule,
  RedisModule,
} from '@app/common';
import { DatabaseModule } from '@app/database';
import { PipelineModule } from '@app/pipeline';
import { BatchProcessor } from './processors/batch.processor';
import { DeliveryProcessor } from './processors/delivery.processor';
import { JobHandlerDiscovery } from './processors/job-handlers';
import { ScheduleProcessor } from './processors/schedule.processor';
import { SlotProcessor } from './processors/slot.processor';
import { QueueWorkers } from './queue-workers.service';
import { WorkerBootstrap } from './worker-bootstrap.service';

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
    DiscoveryModule,
  ],
  providers: [
    ScheduleProcessor,
    SlotProcessor,
    BatchProcessor,
    DeliveryProcessor,
    JobHandlerDiscovery,
    QueueWorkers,
    WorkerBootstrap,
  ],
})
export class WorkerModule {}

/** Adds GET /health to a worker started with WORKER_PORT (for container probes). */
@Module({ imports: [WorkerModule, TerminusModule], controllers: [HealthController] })
export class WorkerWithHealthModule {}
