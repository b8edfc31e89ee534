import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import {
  CallbackJobName,
  CallbackQueueName,
  ProcessCallbackEventService,
  ProcessEventPayload,
  ProcessOutcome,
} from '@app/wecom-callbacks';
import { OnJob } from './job-handlers';

/** One stored WeCom callback event (docs/WECOM.md "Callbacks"). */
@Injectable()
export class CallbackEventProcessor {
  constructor(private readonly events: ProcessCallbackEventService) {}

  @OnJob({ name: CallbackJobName.PROCESS_EVENT, queue: CallbackQueueName.EVENTS })
  process(job: Job<ProcessEventPayload>): Promise<ProcessOutcome> {
    return this.events.process(job.data.eventId);
  }
}
