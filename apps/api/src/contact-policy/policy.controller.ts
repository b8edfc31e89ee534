import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorId } from '@app/common';
import { ContactPolicyRecord, ContactPolicyService } from '@app/contact-policy';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { PolicyView, UpdatePolicyDto } from './policy.dto';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';

/** The global contact policy every rule obeys (docs/AUDIENCE.md "Contact policy"). */
@ApiTags('policy')
@Controller('policy')
@RequireRole('viewer')
export class PolicyController {
  constructor(private readonly policy: ContactPolicyService) {}

  @Post('get')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '触达策略：频次上限、最小间隔、企业微信接收上限、免打扰时段、禁发日期' })
  @ApiEnvelope(PolicyView)
  async get(@OperatorId() operatorId: number): Promise<PolicyView> {
    return this.view(await this.policy.get(), operatorId);
  }

  @Post('update')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: '修改触达策略（任意字段子集）；记录修改人与时间。无权限 → 403 FORBIDDEN',
  })
  @ApiEnvelope(PolicyView)
  @ApiForbiddenResponse({ description: 'FORBIDDEN（不在 POLICY_OPERATOR_IDS 中）' })
  async update(
    @Body() body: UpdatePolicyDto,
    @OperatorId() operatorId: number,
  ): Promise<PolicyView> {
    return this.view(await this.policy.update(body, operatorId), operatorId);
  }

  private view(p: ContactPolicyRecord, operatorId: number): PolicyView {
    return {
      ...p,
      wecomCap: { period: p.wecomCap.period, limit: p.wecomCap.limit ?? null },
      canEdit: this.policy.mayChangePolicy(operatorId),
    };
  }
}
