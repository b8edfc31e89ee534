import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { OperatorId } from '@app/common';
import {
  ApproveVersionDto,
  EditPushRuleDto,
  EditStatusDto,
  IdDto,
  LabelLibrary,
  ListPushRulesDto,
  PendingQueryDto,
  PendingVersionPage,
  PromoteVariantDto,
  PushRuleDto,
  PushRuleListPage,
  PushRuleService,
  PushRuleView,
  RejectVersionDto,
  RuleApprovalService,
  RuleVersionView,
} from '@app/push-config';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';

/** The seed's rule routes: every one a POST with a JSON body. */
@ApiTags('wechatpush')
@Controller('wechatpush')
@RequireRole('viewer')
export class PushRuleController {
  constructor(
    private readonly rules: PushRuleService,
    private readonly approval: RuleApprovalService,
  ) {}

  @Post('create')
  @RequireRole('editor')
  @HttpCode(200)
  @ApiOperation({ summary: '创建精准推送规则（规则与推送时间在同一事务中写入）' })
  @ApiEnvelope()
  @ApiConflictResponse({ description: 'NAME_TAKEN' })
  async create(@Body() body: PushRuleDto, @OperatorId() operatorId: number): Promise<boolean> {
    await this.rules.create(body, operatorId);
    return true;
  }

  @Post('edit')
  @RequireRole('editor')
  @HttpCode(200)
  @ApiOperation({ summary: '编辑推送规则（整体替换推送时间）' })
  @ApiEnvelope()
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'NAME_TAKEN' })
  async edit(@Body() body: EditPushRuleDto, @OperatorId() operatorId: number): Promise<boolean> {
    await this.rules.edit(body, operatorId);
    return true;
  }

  @Post('variant/promote')
  @RequireRole('approver')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '推广胜出的内容变体：该变体成为规则内容（A 保留原内容），其余变体停用；记录操作人与前后内容。系统不会自动推广',
  })
  @ApiEnvelope(PushRuleView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async promoteVariant(
    @Body() body: PromoteVariantDto,
    @OperatorId() operatorId: number,
  ): Promise<PushRuleView> {
    return this.rules.promoteVariant(body, operatorId);
  }

  @Post('editstatus')
  @RequireRole('approver')
  @HttpCode(200)
  @ApiOperation({ summary: '修改状态：0 进行中，1 暂停' })
  @ApiEnvelope()
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async editStatus(
    @Body() body: EditStatusDto,
    @OperatorId() operatorId: number,
  ): Promise<boolean> {
    await this.rules.editStatus(body, operatorId);
    return true;
  }

  @Post('delete')
  @RequireRole('approver')
  @HttpCode(200)
  @ApiOperation({ summary: '删除规则（软删除：列表与详情不再显示，不再执行）' })
  @ApiEnvelope()
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async delete(@Body() body: IdDto, @OperatorId() operatorId: number): Promise<boolean> {
    await this.rules.delete(body.id, operatorId);
    return true;
  }

  @Post('lists')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '规则列表：按名称（字面）与创建日期筛选，最新在前' })
  @ApiEnvelope(PushRuleListPage)
  lists(@Body() body: ListPushRulesDto): Promise<PushRuleListPage> {
    return this.rules.list(body);
  }

  @Post('info')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '规则详情（请求格式 + id）' })
  @ApiEnvelope(PushRuleView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  info(@Body() body: IdDto): Promise<PushRuleView> {
    return this.rules.info(body.id);
  }

  @Post('labels')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '标签库：城市、分仓、二级品类、品牌' })
  @ApiEnvelope(LabelLibrary)
  labels(): Promise<LabelLibrary> {
    return this.rules.labels();
  }

  @Post('approve')
  @RequireRole('approver')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '审批通过规则的待审批版本：该版本立即成为生效规则（定时按它执行）。作者本人不能审批（403 SELF_APPROVAL）；只有当前待审批版本可审批（409 VERSION_NOT_PENDING）',
  })
  @ApiEnvelope()
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiForbiddenResponse({ description: 'SELF_APPROVAL' })
  @ApiConflictResponse({ description: 'VERSION_NOT_PENDING, NAME_TAKEN' })
  async approve(
    @Body() body: ApproveVersionDto,
    @OperatorId() operatorId: number,
  ): Promise<boolean> {
    await this.approval.approve(body, operatorId);
    return true;
  }

  @Post('reject')
  @RequireRole('approver')
  @HttpCode(200)
  @ApiOperation({ summary: '驳回规则的待审批版本（必须填写原因）；生效规则不变' })
  @ApiEnvelope()
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'VERSION_NOT_PENDING' })
  async reject(@Body() body: RejectVersionDto, @OperatorId() operatorId: number): Promise<boolean> {
    await this.approval.reject(body, operatorId);
    return true;
  }

  @Post('versions')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '规则的版本记录（最新在前）：作者、审批人、时间与逐字段差异' })
  @ApiEnvelope(RuleVersionView, { isArray: true })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  versions(@Body() body: IdDto): Promise<RuleVersionView[]> {
    return this.approval.list(body.id);
  }

  @Post('pending')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '待审批：有待审批版本的规则（最新在前），附与生效版本的逐字段差异' })
  @ApiEnvelope(PendingVersionPage)
  pending(@Body() body: PendingQueryDto): Promise<PendingVersionPage> {
    return this.approval.pending(body);
  }
}
