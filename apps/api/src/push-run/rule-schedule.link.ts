import { Injectable, OnModuleInit } from '@nestjs/common';
import { PushRuleService } from '@app/push-config';
import { ScheduleSlotsService } from '@app/pipeline';

/**
 * Creating, editing, resuming or deleting a rule schedules its slots of the current window
 * at once from the api (SPEC §5): a slot added after the hourly scan still fires, with no
 * worker restart. Rules stay ignorant of the pipeline; this wires the two.
 */
@Injectable()
export class RuleScheduleLink implements OnModuleInit {
  constructor(
    private readonly rules: PushRuleService,
    private readonly scheduler: ScheduleSlotsService,
  ) {}

  onModuleInit(): void {
    this.rules.addChangeListener(this.scheduler);
  }
}
