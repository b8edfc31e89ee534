import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public, RawResponse } from '@app/common';
import { YouzanPushService } from '@app/youzan';
import { openedYouzanPush } from './open-youzan-push.middleware';
import { MachineInput } from '@app/audit';

/**
 * Youzan's push messages (消息推送) about trades and refunds. Public like /wecom/callback —
 * Youzan has no operator token — and proven by Youzan's signature instead
 * (OpenYouzanPushMiddleware). Youzan's protocol, not the operators' API: the answer is
 * `{"code":0,"msg":"success"}` as Youzan expects, and the route is left out of OpenAPI.
 */
@ApiExcludeController()
@Public()
@RawResponse()
@Controller('youzan/push')
export class YouzanPushController {
  constructor(private readonly pushes: YouzanPushService) {}

  @Post()
  @MachineInput()
  @HttpCode(200)
  async receive(@Req() req: Request): Promise<{ code: 0; msg: 'success' }> {
    await this.pushes.accept(openedYouzanPush(req));
    return { code: 0, msg: 'success' };
  }
}
