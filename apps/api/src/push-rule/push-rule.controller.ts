import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorId } from '@app/common';
import {
  EditPushRuleDto,
  EditStatusDto,
  IdDto,
  LabelLibrary,
  ListPushRulesDto,
  PushRuleDto,
  PushRuleListPage,
  PushRuleService,
  PushRuleView,
} from '@app/push-config';
import { ApiEnvelope } from '../http/api-envelope.decorator';

/** The seed's rule routes: every one a POST with a JSON body. */
@ApiTags('wechatpush')
@Controller('wechatpush')
export class PushRuleController {
  constructor(private readonly rules: PushRuleService) {}

  @Post('create')
  @HttpCode(200)
  @ApiOperation({ summary: '创建精准推送规则（规则与推送时间在同一事务中写入）' })
  @ApiEnvelope()
  @ApiConflictResponse({ description: 'NAME_TAKEN' })
  async create(@Body() body: PushRuleDto, @OperatorId() operatorId: number): Promise<boolean> {
    await this.rules.create(body, operatorId);
    return true;
  }

  @Post('edit')
  @HttpCode(200)
  @ApiOperation({ summary: '编辑推送规则（整体替换推送时间）' })
  @ApiEnvelope()
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'NAME_TAKEN' })
  async edit(@Body() body: EditPushRuleDto, @OperatorId() operatorId: number): Promise<boolean> {
    await this.rules.edit(body, operatorId);
    return true;
  }

  @Post('editstatus')
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
  @HttpCode(200)
  @ApiOperation({ summary: '删除规则（软删除：列表与详情不再显示，不再执行）' })
  @ApiEnvelope()
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async delete(@Body() body: IdDto, @OperatorId() operatorId: number): Promise<boolean> {
    await this.rules.delete(body.id, operatorId);
    return true;
  }

  @Post('lists')
  @HttpCode(200)
  @ApiOperation({ summary: '规则列表：按名称（字面）与创建日期筛选，最新在前' })
  @ApiEnvelope(PushRuleListPage)
  lists(@Body() body: ListPushRulesDto): Promise<PushRuleListPage> {
    return this.rules.list(body);
  }

  @Post('info')
  @HttpCode(200)
  @ApiOperation({ summary: '规则详情（请求格式 + id）' })
  @ApiEnvelope(PushRuleView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  info(@Body() body: IdDto): Promise<PushRuleView> {
    return this.rules.info(body.id);
  }

  @Post('labels')
  @HttpCode(200)
  @ApiOperation({ summary: '标签库：城市、分仓、二级品类、品牌' })
  @ApiEnvelope(LabelLibrary)
  labels(): Promise<LabelLibrary> {
    return this.rules.labels();
  }
}
