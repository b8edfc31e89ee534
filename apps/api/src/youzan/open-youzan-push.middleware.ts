import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { OpenedPush, YouzanPushService } from '@app/youzan';

/** The path Youzan pushes its messages to; its body is read as raw text (the signature covers it). */
export const YOUZAN_PUSH_PATH = '/youzan/push';

const OPENED = Symbol('wpp:openedYouzanPush');
type OpenAttempt = { opened: OpenedPush } | { refusal: unknown };
type PushRequest = Request & { [OPENED]?: OpenAttempt };

/**
 * Checks a push message's signature before Nest's guards run, so the rate limit can tell a
 * verified Youzan message — never counted — from anything else sent to the public route,
 * which spends the sender's per-IP budget. Nothing is stored here.
 */
@Injectable()
export class OpenYouzanPushMiddleware implements NestMiddleware {
  constructor(private readonly pushes: YouzanPushService) {}

  use(req: PushRequest, _res: Response, next: NextFunction): void {
    try {
      const raw = typeof req.body === 'string' ? req.body : '';
      req[OPENED] = { opened: this.pushes.open(raw, req.header('event-sign')) };
    } catch (e) {
      req[OPENED] = { refusal: e };
    }
    next();
  }
}

/** Whether the request reached the push route and is not a verified push. */
export function isUnverifiedYouzanPush(req: Request): boolean {
  const attempt = (req as PushRequest)[OPENED];
  return attempt !== undefined && !('opened' in attempt);
}

/** The verified push of this request; otherwise throws why it was refused. */
export function openedYouzanPush(req: Request): OpenedPush {
  const attempt = (req as PushRequest)[OPENED];
  if (attempt === undefined) throw new Error('OpenYouzanPushMiddleware did not run on this route');
  if ('refusal' in attempt) throw attempt.refusal;
  return attempt.opened;
}
