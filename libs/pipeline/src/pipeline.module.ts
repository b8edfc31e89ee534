import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AudienceModule } from '@app/audience';
import { IngestModule } from '@app/ingest';
import { PushConfigModule } from '@app/push-config';
import { StatsModule } from '@app/stats';
import { WecomModule } from '@app/wecom';
import { PushBatch } from './entities/push-batch.entity';
import { PushRun } from './entities/push-run.entity';
import { FireSlotService } from './fire-slot.service';
import { PipelineQueuesModule } from './pipeline-queues.module';
import { AnswerJournal } from './resolve/answer-journal';
import { ResolveUnknownService } from './resolve/resolve-unknown.service';
import { PushRunRepository } from './push-run.repository';
import { PushRunService } from './push-run.service';
import { ScheduleSlotsService } from './schedule-slots.service';
import { SendBatchService } from './send-batch.service';
import { DeliveryRepository } from './delivery/delivery.repository';
import { TrackDeliveryService } from './delivery/track-delivery.service';
import { TaskDeadlineService } from './delivery/task-deadline.service';
import { TestGroupService } from './test-send/test-group.service';
import { TestSendService } from './test-send/test-send.service';

/** Runs, batches and the services that move them; imported by the api and the worker. */
@Module({
  imports: [
    TypeOrmModule.forFeature([PushRun, PushBatch]),
    PipelineQueuesModule,
    PushConfigModule,
    AudienceModule,
    WecomModule,
    StatsModule,
    IngestModule,
  ],
  providers: [
    PushRunRepository,
    ScheduleSlotsService,
    FireSlotService,
    SendBatchService,
    PushRunService,
    DeliveryRepository,
    TrackDeliveryService,
    TaskDeadlineService,
    AnswerJournal,
    ResolveUnknownService,
    TestGroupService,
    TestSendService,
  ],
  exports: [
    PipelineQueuesModule,
    PushRunRepository,
    ScheduleSlotsService,
    FireSlotService,
    SendBatchService,
    PushRunService,
    TrackDeliveryService,
    TaskDeadlineService,
    ResolveUnknownService,
    TestGroupService,
    TestSendService,
  ],
})
export class PipelineModule {}
