import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppException, ErrorCode } from '@app/common';
import { Authenticator, Principal } from './authenticator';
import { declaredAccess, isCsrfExempt, Role, roleIncludes } from './roles';

/** The header a cookie-authenticated write carries the session's CSRF token in. */
const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const unauthorized = () =>
  new AppException(ErrorCode.UNAUTHORIZED, '未登录或令牌无效', [
    { field: 'Authorization', message: 'a valid Bearer token or session is required' },
  ]);

export const forbidden = (needed: Role | undefined) =>
  new AppException(ErrorCode.FORBIDDEN, '当前角色无权执行此操作', [
    {
      field: 'role',
      message: needed ? `requires the ${needed} role` : 'this route declares no role',
    },
  ]);

/** Whether a cookie-authenticated request may go on: reads always, writes with the token. */
export function csrfSatisfied(req: Request, principal: Principal): boolean {
  if (principal.via !== 'session' || SAFE_METHODS.has(req.method)) return true;
  const sent = Buffer.from(String(req.headers[CSRF_HEADER] ?? ''), 'utf8');
  const expected = Buffer.from(principal.session?.csrfToken ?? '', 'utf8');
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

/**
 * The one gate of every route (docs/SECURITY.md "Roles"): `@Public()` routes pass; any other
 * route needs a credential (401), the CSRF token on cookie writes (403 CSRF_TOKEN_INVALID)
 * and at least the role its `@RequireRole` names (403 FORBIDDEN). A route that declares
 * nothing is refused to everyone, so a forgotten declaration cannot open a route.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = declaredAccess(this.reflector, context);
    if (access === 'public') return true;
    const req = context.switchToHttp().getRequest<Request & { operatorId?: number }>();
    const principal = await this.authenticator.principalOf(req);
    if (!principal) throw unauthorized();
    if (!isCsrfExempt(this.reflector, context) && !csrfSatisfied(req, principal)) {
      throw new AppException(ErrorCode.CSRF_TOKEN_INVALID, '缺少或错误的 CSRF 令牌', [
        { field: 'X-CSRF-Token', message: 'the csrfToken of /auth/me is required on writes' },
      ]);
    }
    if (access === undefined || !roleIncludes(principal.role, access)) throw forbidden(access);
    req.operatorId = principal.operatorId;
    return true;
  }
}
