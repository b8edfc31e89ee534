import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppException } from '@app/common';
import { CustomerContactsService } from '@app/wecom-callbacks';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { CustomerContactsDto, CustomerContactsView } from './customer-contacts.dto';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';

/** One WeCom customer's follow relations and corp tags (the audience sample links here). */
@ApiTags('wecom-contacts')
@Controller('wecom/contacts')
@RequireRole('viewer')
export class CustomerContactsController {
  constructor(private readonly contacts: CustomerContactsService) {}

  @Post('customer')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '一位客户的跟进成员（导购）、添加时间与企业标签' })
  @ApiEnvelope(CustomerContactsView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND：系统里没有这个 external_userid' })
  async customer(@Body() body: CustomerContactsDto): Promise<CustomerContactsView> {
    const found = await this.contacts.of(body.externalUserid);
    if (!found) throw AppException.notFound('客户', 'externalUserid');
    return found;
  }
}
