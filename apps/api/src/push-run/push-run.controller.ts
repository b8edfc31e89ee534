import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorId } from '@app/common';
import { PushRunService } from '@app/pipeline';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import {
  BatchIdDto,
  CancelReportView,
  ConfirmTriggerDto,
  OpenConfirmationListView,
  ResendResultView,
  RunIdDto,
  RunPageView,
  RunsQueryDto,
  TriggerDto,
  TriggerResultView,
} from './push-run.dto';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';

/** Firing a rule now, its run history, and the operator's decisions on batches and runs. */
@ApiTags('wechatpush runs')
@Controller('wechatpush')
@RequireRole('approver')
export class PushRunController {
  constructor(private readonly runs: PushRunService) {}

  @Post('trigger')
  @HttpCode(200)
  @ApiOperation({ summary: '立即执行一次（与定时相同的流水线，记为手动执行）→ {runId}' })
  @ApiEnvelope(TriggerResultView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({
    description:
      'QUIET_HOURS（免打扰时段内且未带 force: true）；NOT_APPROVED（尚无审批通过的版本）',
  })
  trigger(@Body() body: TriggerDto, @OperatorId() operatorId: number) {
    return this.runs.trigger(body.id, operatorId, body.force === true);
  }

  @Post('confirm')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '确认一次超过人数阈值（APPROVAL_CONFIRM_ABOVE）的手动执行或批次重发（另一位审批人，发起人不能确认：403 SELF_APPROVAL）→ {runId}（重发时为该批次所属的执行）',
  })
  @ApiEnvelope(TriggerResultView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({
    description: 'INVALID_STATE（已确认或超过 1 小时）、NOT_APPROVED、QUIET_HOURS',
  })
  confirm(@Body() body: ConfirmTriggerDto, @OperatorId() operatorId: number) {
    return this.runs.confirm(body.requestId, operatorId);
  }

  @Post('confirmations')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({
    summary:
      '待确认的大额执行与批次重发（未确认、1 小时内发起），新的在前，最多 100 条；mine = 当前操作员发起（不能自己确认）',
  })
  @ApiEnvelope(OpenConfirmationListView)
  async confirmations(@OperatorId() operatorId: number) {
    return { data: await this.runs.openConfirmations(operatorId) };
  }

  @Post('runs')
  @NotAudited()
  @RequireRole('viewer')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '执行记录：每次触发的时间槽、状态（pending/selecting/sending/completed/skipped/missed/failed/cancelled）、原因、人数、批次',
  })
  @ApiEnvelope(RunPageView)
  list(@Body() body: RunsQueryDto) {
    return this.runs.list(body.id, body.page ?? 1, body.pagesize ?? 10);
  }

  @Post('batch/resend')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '重发一个 unknown 或 failed 批次（运营确认后）；已发送的批次拒绝（409 INVALID_STATE）；批次人数超过 APPROVAL_CONFIRM_ABOVE 时 409 CONFIRMATION_REQUIRED，由另一位审批人 /wechatpush/confirm',
  })
  @ApiEnvelope(ResendResultView)
  resend(@Body() body: BatchIdDto, @OperatorId() operatorId: number) {
    return this.runs.resend(body.batchId, operatorId);
  }

  @Post('run/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: '取消执行：未发送的批次取消，已创建的企业微信群发任务调用 cancel_groupmsg_send',
  })
  @ApiEnvelope(CancelReportView)
  cancel(@Body() body: RunIdDto) {
    return this.runs.cancel(body.runId);
  }
}
