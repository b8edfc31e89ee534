import { Injectable, Logger } from '@nestjs/common';
import { AppException, Clock, ErrorCode } from '@app/common';
import { PushRuleRepository } from '@app/push-config';
import { RunState } from '../entities/push-run.entity';
import { PipelineQueues } from '../pipeline-queues.service';
import { PushRunRepository } from '../push-run.repository';
import { JobName, slotJobId } from '../queue.contracts';
import { TestGroupService } from './test-group.service';

const OPEN_RUN_STATES = [RunState.PENDING, RunState.SELECTING, RunState.SENDING];

/**
 * A test send (issue 23, docs/PIPELINE.md "Test sends"): the rule's message — its own content
 * and every variant's — to the test group through the same pipeline as a trigger, recorded as
 * a run of kind `test`. The slot job sends it to the group instead of the audience, without
 * the contact policy, controls or ledger; statistics never read test runs.
 */
@Injectable()
export class TestSendService {
  private readonly logger = new Logger(TestSendService.name);

  constructor(
    private readonly clock: Clock,
    private readonly rules: PushRuleRepository,
    private readonly runs: PushRunRepository,
    private readonly queues: PipelineQueues,
    private readonly group: TestGroupService,
  ) {}

  async send(pushId: number, operatorId: number): Promise<{ runId: number; members: number }> {
    // Any stored rule that is not deleted: paused and new rules are what one tests first.
    const rule = await this.rules.findActive(pushId);
    if (!rule) throw AppException.notFound('推送规则');
    const members = (await this.group.externalUserIds()).length;
    if (members === 0) {
      throw new AppException(ErrorCode.TEST_GROUP_EMPTY, '测试组没有成员，请先由管理员添加', [
        {
          field: 'id',
          message: 'the test group is empty; an admin adds members with /testgroup/update',
        },
      ]);
    }
    const open = await this.runs.openRunsOfKind(pushId, 'test', OPEN_RUN_STATES);
    if (open.length) {
      throw new AppException(ErrorCode.TEST_SEND_IN_FLIGHT, '该规则的上一次测试发送仍在进行中', [
        {
          field: 'id',
          message: `test run ${open[0]} of this rule is still ${OPEN_RUN_STATES.join('/')}`,
        },
      ]);
    }
    const now = this.clock.now();
    const slotAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const run = await this.runs.ensureRun(
      { pushId, kind: 'test', slotAt },
      rule.name,
      now,
      operatorId,
    );
    const payload = {
      pushId,
      kind: 'test' as const,
      slotAt: slotAt.toISOString(),
      triggeredBy: operatorId,
    };
    // `ensure`, as for a trigger: a finished job under this id must not swallow the run.
    await this.queues.ensure(JobName.FIRE_SLOT, slotJobId(payload), payload);
    this.logger.log({ msg: 'test send requested', pushId, runId: run.id, members, operatorId });
    return { runId: run.id, members };
  }
}
