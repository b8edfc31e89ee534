import {
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  UploadedFile,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { SimTransportFaultFilter } from './sim-transport-fault';
import { WecomApiInterceptor } from './wecom-api.interceptor';
import { UploadedPart, WecomApiService } from './wecom-api.service';
import { WecomAnswer } from './wecom-errcodes';

type Body = Record<string, unknown>;

/** WeCom's endpoints; WeCom answers HTTP 200 with an errcode, never an HTTP error status. */
@Controller('cgi-bin')
@UseInterceptors(WecomApiInterceptor)
@UseFilters(SimTransportFaultFilter)
export class WecomApiController {
  constructor(private readonly api: WecomApiService) {}

  @Get('gettoken')
  gettoken(@Query('corpid') corpid: unknown, @Query('corpsecret') secret: unknown): WecomAnswer {
    return this.api.gettoken(corpid, secret);
  }

  @Post('media/upload')
  @HttpCode(200)
  @UseInterceptors(FileInterceptor('media', { limits: { fileSize: 21 * 1024 * 1024, files: 1 } }))
  upload(@Query('type') type: unknown, @UploadedFile() part?: UploadedPart): WecomAnswer {
    return this.api.upload(type, part);
  }

  @Post('externalcontact/add_msg_template')
  @HttpCode(200)
  addMsgTemplate(@Body() body: unknown): WecomAnswer {
    return this.api.addMsgTemplate(body);
  }

  @Post('externalcontact/get_groupmsg_list_v2')
  @HttpCode(200)
  listGroupMsgs(@Body() body: Body): WecomAnswer {
    return this.api.listGroupMsgs(body ?? {});
  }

  @Post('externalcontact/get_groupmsg_task')
  @HttpCode(200)
  groupMsgTask(@Body() body: Body): WecomAnswer {
    return this.api.groupMsgTask(body ?? {});
  }

  @Post('externalcontact/get_groupmsg_send_result')
  @HttpCode(200)
  groupMsgSendResult(@Body() body: Body): WecomAnswer {
    return this.api.groupMsgSendResult(body ?? {});
  }

  @Post('externalcontact/remind_groupmsg_send')
  @HttpCode(200)
  remind(@Body() body: Body): WecomAnswer {
    return this.api.remind(body ?? {});
  }

  @Post('externalcontact/cancel_groupmsg_send')
  @HttpCode(200)
  cancel(@Body() body: Body): WecomAnswer {
    return this.api.cancel(body ?? {});
  }
}
