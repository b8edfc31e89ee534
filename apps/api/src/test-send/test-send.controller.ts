import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorId } from '@app/common';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';
import { TEST_GROUP_LIMIT, TestGroupService, TestSendService } from '@app/pipeline';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import {
  TestGroupView,
  TestSendDto,
  TestSendResultView,
  UpdateTestGroupDto,
} from './test-send.dto';

/**
 * The test group and test sends (docs/PIPELINE.md "Test sends"). Reading the group is for
 * editors and above: it names people, and editors are who send to it.
 */
@ApiTags('test send')
@Controller()
@RequireRole('editor')
export class TestSendController {
  constructor(
    private readonly group: TestGroupService,
    private readonly testSend: TestSendService,
  ) {}

  @Post('testgroup/get')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '测试组：接收测试发送的内部企业微信联系人' })
  @ApiEnvelope(TestGroupView)
  async get(): Promise<TestGroupView> {
    return { members: await this.group.members(), limit: TEST_GROUP_LIMIT };
  }

  @Post('testgroup/update')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: `替换测试组成员（至多 ${TEST_GROUP_LIMIT} 个；空、过长、重复的 externalUserId → 400 并指明字段）`,
  })
  @ApiEnvelope(TestGroupView)
  async update(
    @Body() body: UpdateTestGroupDto,
    @OperatorId() operatorId: number,
  ): Promise<TestGroupView> {
    return { members: await this.group.replace(body.members, operatorId), limit: TEST_GROUP_LIMIT };
  }

  @Post('wechatpush/testsend')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '测试发送：把规则的消息（规则内容及每个变体，各一条）经真实流水线发给测试组；不经触达策略，不计入统计，执行记录标为测试',
  })
  @ApiEnvelope(TestSendResultView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({
    description: 'TEST_GROUP_EMPTY（测试组为空）；TEST_SEND_IN_FLIGHT（该规则的测试发送仍在进行）',
  })
  send(@Body() body: TestSendDto, @OperatorId() operatorId: number) {
    return this.testSend.send(body.id, operatorId);
  }
}
