import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppException, ErrorCode, Public, RawResponse } from '@app/common';
import { ReceiveCallbackService } from '@app/wecom-callbacks';
import { openedCallback } from './open-callback.middleware';
import { MachineInput } from '@app/audit';

const wrongShape = (field: string) =>
  new AppException(ErrorCode.CALLBACK_MALFORMED, '企业微信回调校验失败', [
    { field, message: 'not expected on this method' },
  ]);

/**
 * WeCom's callback URL (接收事件服务器). Public like /health — WeCom has no operator token —
 * and proven by signature instead (OpenCallbackMiddleware). WeCom's protocol, not the
 * operators' API: answers are text, and the route is left out of the OpenAPI document.
 */
@ApiExcludeController()
@Public()
@RawResponse()
@Controller('wecom/callback')
export class WecomCallbackController {
  constructor(private readonly callbacks: ReceiveCallbackService) {}

  /** URL check when the callback is saved in the admin console: answer the decrypted echostr. */
  @Get()
  verifyUrl(@Req() req: Request, @Res({ passthrough: true }) res: Response): string {
    const opened = openedCallback(req);
    if (opened.kind !== 'url-check') throw wrongShape('body');
    // Set only on success: errors keep the JSON envelope's type.
    res.type('text/plain');
    return opened.echo;
  }

  /** An encrypted event: stored once, processed by a job; `success` tells WeCom not to retry. */
  @Post()
  @MachineInput()
  @HttpCode(200)
  async receive(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    const opened = openedCallback(req);
    if (opened.kind !== 'event') throw wrongShape('echostr');
    await this.callbacks.accept(opened.event);
    res.type('text/plain');
    return 'success';
  }
}
