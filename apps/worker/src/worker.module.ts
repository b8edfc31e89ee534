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
import { PushConfigModule } from '@app/push-config';

/** The worker: scheduler and queue processors, no HTTP unless WORKER_PORT is set. */
@Module({
  imports: [
    AppConfigModule,
    ClockModule,
    loggingModule('worker'),
    DatabaseModule,
    RedisModule,
    PushConfigModule,
  ],
})
export class WorkerModule {}

/** Adds GET /health to a worker started with WORKER_PORT (for container probes). */
@Module({ imports: [WorkerModule, TerminusModule], controllers: [HealthController] })
export class WorkerWithHealthModule {}
