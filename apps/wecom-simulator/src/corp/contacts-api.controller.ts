import { Body, Controller, Get, HttpCode, Post, UseFilters, UseInterceptors } from '@nestjs/common';
import { SimTransportFaultFilter } from '../sim-transport-fault';
import { WecomApiInterceptor } from '../wecom-api.interceptor';
import { WecomAnswer } from '../wecom-errcodes';
import { SimCorpService } from './sim-corp.service';

/** WeCom's 客户联系 read endpoints over the generated corp (same interceptor as the others). */
@Controller('cgi-bin/externalcontact')
@UseInterceptors(WecomApiInterceptor)
@UseFilters(SimTransportFaultFilter)
export class ContactsApiController {
  constructor(private readonly corp: SimCorpService) {}

  @Get('get_follow_user_list')
  followUserList(): WecomAnswer {
    return this.corp.followUserList();
  }

  @Post('batch/get_by_user')
  @HttpCode(200)
  batchByUser(@Body() body: Record<string, unknown>): WecomAnswer {
    return this.corp.batchByUser(body ?? {});
  }

  @Post('get_corp_tag_list')
  @HttpCode(200)
  corpTagList(@Body() body: Record<string, unknown>): WecomAnswer {
    return this.corp.corpTagList(body ?? {});
  }
}
