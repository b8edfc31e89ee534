import { Module } from '@nestjs/common';
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
import { ScheduleProcessor } from './processors/schedule.processor';
import { SlotProcessor } from './processors/slot.processor';
import { WorkerBootstrap } from './worker-bootstrap.service';

/** The worker: scheduler and queue processors, no HTTP unless WORKER_PORT is set. */
@Module({
  imports: [
    AppConfigModule,
    ClockModule,
    loggingModule('worker'),
    DatabaseModule,
    RedisModule,
    PipelineModule,
  ],
  providers: [ScheduleProcessor, SlotProcessor, BatchProcessor, DeliveryProcessor, WorkerBootstrap],
})
export class WorkerModule {}

/** Adds GET /health to a worker started with WORKER_PORT (for container probes). */
@Module({ imports: [WorkerModule, TerminusModule], controllers: [HealthController] })
export class WorkerWithHealthModule {}
