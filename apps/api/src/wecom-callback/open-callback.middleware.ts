import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { OpenedCallback, ReceiveCallbackService } from '@app/wecom-callbacks';

/** The path WeCom calls (GET: URL check, POST: events); its body is read as raw text. */
export const WECOM_CALLBACK_PATH = '/wecom/callback';

const OPENED = Symbol('wpp:openedCallback');
type OpenAttempt = { opened: OpenedCallback } | { refusal: unknown };
type CallbackRequest = Request & { [OPENED]?: OpenAttempt };

/**
 * Checks a callback's signature (and decrypts it) before Nest's guards run, so the rate
 * limit can tell a verified WeCom callback — never counted — from anything else sent to
 * the public route, which spends the sender's per-IP budget. The controller then answers
 * from what was found here; nothing is stored before it.
 */
@Injectable()
export class OpenCallbackMiddleware implements NestMiddleware {
  constructor(private readonly callbacks: ReceiveCallbackService) {}

  use(req: CallbackRequest, _res: Response, next: NextFunction): void {
    try {
      const body = req.method === 'POST' ? (req.body ?? '') : undefined;
      req[OPENED] = { opened: this.callbacks.open({ query: req.query, body }) };
    } catch (e) {
      req[OPENED] = { refusal: e };
    }
    next();
  }
}

/** Whether the request reached a callback route and is not a verified callback. */
export function isUnverifiedCallback(req: Request): boolean {
  const attempt = (req as CallbackRequest)[OPENED];
  return attempt !== undefined && !('opened' in attempt);
}

/** The verified callback of this request; otherwise throws why it was refused. */
export function openedCallback(req: Request): OpenedCallback {
  const attempt = (req as CallbackRequest)[OPENED];
  if (attempt === undefined) throw new Error('OpenCallbackMiddleware did not run on this route');
  if ('refusal' in attempt) throw attempt.refusal;
  return attempt.opened;
}
