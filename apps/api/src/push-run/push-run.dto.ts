import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ExclusionCountsView } from '../contact-policy/exclusions.view';
import {
  BatchState,
  BatchView,
  CancelReport,
  RunKind,
  RunSenderView,
  RunState,
  RunView,
} from '@app/pipeline';

export class RunsQueryDto {
  @ApiProperty({ description: '规则 id' })
  @IsInt()
  @Min(1)
  id: number;

  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  pagesize?: number;
}

export class TriggerDto {
  @ApiProperty({ description: '规则 id', example: 1 })
  @IsInt()
  @Min(1)
  id: number;

  @ApiPropertyOptional({
    description: '免打扰时段内仍要执行（记录在执行记录上）；否则时段内返回 409 QUIET_HOURS',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class BatchIdDto {
  @ApiProperty({ description: '批次 id（见 /wechatpush/runs）' })
  @IsInt()
  @Min(1)
  batchId: number;
}

export class RunIdDto {
  @ApiProperty({ description: '执行记录 id（见 /wechatpush/runs）' })
  @IsInt()
  @Min(1)
  runId: number;
}

export class TriggerResultView {
  @ApiProperty({ description: '新建（或已存在的同一时刻）执行记录 id' }) runId: number;
}

class BatchRecordView implements BatchView {
  @ApiProperty() id: number;
  @ApiProperty({ description: '执行内的批次序号，从 1 开始' }) batchNo: number;
  @ApiProperty({ description: '内容变体：A = 规则自身内容，B、C… = 实验变体', example: 'A' })
  variant: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: '任务的发送成员（按专属导购发送时的导购 userid）；null 由企业微信分配',
  })
  sender: string | null;
  @ApiProperty({ enum: BatchState }) state: BatchState;
  @ApiProperty() recipientCount: number;
  @ApiProperty({ description: '调用企业微信的次数' }) attempts: number;
  @ApiProperty({ description: '运营重发的次数' }) resends: number;
  @ApiProperty({ type: String, nullable: true }) msgid: string | null;
  @ApiProperty({ type: Number, nullable: true }) errcode: number | null;
  @ApiProperty({ type: String, nullable: true }) errmsg: string | null;
  @ApiProperty({ description: 'fail_list 中的接收人数' }) failCount: number;
  @ApiProperty({ type: String, nullable: true, description: 'YYYY-MM-DD HH:mm:ss' })
  finishedAt: string | null;
}

class RunSenderRecordView implements RunSenderView {
  @ApiProperty({
    type: String,
    nullable: true,
    description: '发送成员（专属导购）；null：企业微信分配的批次',
  })
  sender: string | null;
  @ApiProperty({ description: '批次数（每批一个企业微信任务）' }) batches: number;
  @ApiProperty({ description: '批次内的客户数' }) recipients: number;
  @ApiProperty({ description: '企业微信接受的客户数' }) accepted: number;
  @ApiProperty({ description: '成员已发送的任务数' }) sentTasks: number;
  @ApiProperty({ description: '成员尚未发送的任务数（最近一次查询）' }) pendingTasks: number;
  @ApiProperty({ description: '执行期限前被提醒的任务数' }) remindedTasks: number;
  @ApiProperty({ description: '执行期限到期被取消的任务数' }) cancelledTasks: number;
}

class RunRecordView implements RunView {
  @ApiProperty() id: number;
  @ApiProperty({
    enum: ['scheduled', 'manual', 'test'],
    description: 'scheduled 定时；manual 手动执行；test 测试发送（只发测试组，不计入统计）',
  })
  kind: RunKind;
  @ApiProperty({ description: '时间槽（手动执行为触发时间），YYYY-MM-DD HH:mm:ss' })
  slotAt: string;
  @ApiProperty({ enum: RunState }) state: RunState;
  @ApiProperty({ type: String, nullable: true, description: '跳过、错过或失败的原因' })
  reason: string | null;
  @ApiProperty({ description: '执行时的规则名称' }) ruleName: string;
  @ApiProperty({ type: Number, nullable: true, description: '选中并写入批次的客户数' })
  audienceCount: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: '对照组人数（规则对照组 + 全局对照组）：参与筛选与触达策略但不发送，用于衡量增量',
  })
  controlCount: number | null;
  @ApiProperty({
    type: ExclusionCountsView,
    description: '触达策略排除的客户数，按原因（未选择的执行全为 0）',
  })
  excluded: ExclusionCountsView;
  @ApiProperty({ description: '免打扰时段内以 force 手动执行' }) forced: boolean;
  @ApiProperty({
    description: '本次执行发送的规则版本（已审批）；准备消息前为 null',
    nullable: true,
    type: Number,
  })
  ruleVersion: number | null;
  @ApiProperty({ type: Number, nullable: true }) batchCount: number | null;
  @ApiProperty() sentBatches: number;
  @ApiProperty() failedBatches: number;
  @ApiProperty() unknownBatches: number;
  @ApiProperty({ description: '企业微信接受的接收人数' }) acceptedCount: number;
  @ApiProperty() failCount: number;
  @ApiProperty({ type: String, nullable: true }) startedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) finishedAt: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['wecom', 'owner'],
    description: '本次执行的发送人方式；开始筛选前为 null',
  })
  senderMode: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['skip', 'wecom'] })
  senderFallback: string | null;
  @ApiProperty({ type: Number, nullable: true, description: '执行期限（小时）' })
  executionDeadlineHours: number | null;
  @ApiProperty({ type: [RunSenderRecordView], description: '按发送成员的批次与执行' })
  senders: RunSenderRecordView[];
  @ApiProperty({ type: [BatchRecordView] }) batches: BatchRecordView[];
}

export class RunPageView {
  @ApiProperty({ type: [RunRecordView] }) data: RunRecordView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pagesize: number;
  @ApiProperty({ description: 'ceil(total / pagesize)' }) pages: number;
}

export class ResendResultView {
  @ApiProperty() batchId: number;
  @ApiProperty({ description: '含本次在内的重发次数' }) resends: number;
}

class TaskCancelFailureView {
  @ApiProperty() msgid: string;
  @ApiProperty({ type: Number, nullable: true }) errcode: number | null;
  @ApiProperty() errmsg: string;
}

export class CancelReportView implements CancelReport {
  @ApiProperty() runId: number;
  @ApiProperty({ description: '本次取消的未发送批次数' }) cancelledBatches: number;
  @ApiProperty({ type: [String], description: '已调用 cancel_groupmsg_send 的 msgid' })
  cancelledTasks: string[];
  @ApiProperty({ type: [TaskCancelFailureView] }) taskCancelFailures: TaskCancelFailureView[];
}

class OpenConfirmationView {
  @ApiProperty({ description: '确认请求号（/wechatpush/confirm 的 requestId）' }) requestId: number;
  @ApiProperty({
    enum: ['trigger', 'resend'],
    description: 'trigger = 立即执行；resend = 批次重发',
  })
  kind: 'trigger' | 'resend';
  @ApiProperty() pushId: number;
  @ApiProperty({ type: String, nullable: true, description: '规则名称（规则已删除时为 null）' })
  ruleName: string | null;
  @ApiProperty({ type: Number, nullable: true, description: '重发的批次 id' }) batchId:
    number | null;
  @ApiProperty({ description: '立即执行：请求时的目标人数估算；重发：批次人数' }) size: number;
  @ApiProperty({ description: '请求带 force（免打扰时段内执行）' }) force: boolean;
  @ApiProperty() requestedBy: number;
  @ApiProperty({ type: String, nullable: true }) requesterName: string | null;
  @ApiProperty({ example: '2026-12-06 10:00:00' }) requestedAt: string;
  @ApiProperty({ description: '过期时间（请求后 1 小时）', example: '2026-12-06 11:00:00' })
  expiresAt: string;
  @ApiProperty({ description: '由当前操作员发起：不能自己确认' }) mine: boolean;
}

export class OpenConfirmationListView {
  @ApiProperty({ type: [OpenConfirmationView] }) data: OpenConfirmationView[];
}

export class ConfirmTriggerDto {
  @ApiProperty({
    description: '执行确认请求的 id（trigger 的 409 CONFIRMATION_REQUIRED 中 requestId）',
  })
  @IsInt()
  @Min(1)
  requestId: number;
}
