import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

const IS_PUBLIC = 'wpp:isPublic';

/** Marks a route that needs no operator credential (health only). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** True when the route of `context` is marked {@link Public}. */
export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) ===
    true
  );
}

interface AuthenticatedRequest extends Request {
  operatorId?: number;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Resolves `Authorization: Bearer <token>` to an operator id. Tokens are compared
 * as SHA-256 digests with timingSafeEqual, so neither length nor content leaks
 * through timing; every configured token is checked, whatever matched first.
 */
@Injectable()
export class OperatorTokens {
  private readonly entries: { operatorId: number; digest: Buffer }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.entries = config.ADMIN_TOKENS.map((t) => ({
      operatorId: t.operatorId,
      digest: digest(t.token),
    }));
  }

  resolve(token: string): number | undefined {
    const d = digest(token);
    let found: number | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(d, e.digest) && found === undefined) found = e.operatorId;
    }
    return found;
  }

  /** Reads the Bearer token of an Authorization header value. */
  fromHeader(header: string | undefined): number | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return m ? this.resolve(m[1]) : undefined;
  }

  /** Bearer, or Basic whose password is an operator token (how browsers open /docs and /queues). */
  fromBrowserHeader(header: string | undefined): number | undefined {
    const bearer = this.fromHeader(header);
    if (bearer !== undefined) return bearer;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!basic) return undefined;
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return this.resolve(decoded.slice(decoded.indexOf(':') + 1));
  }
}

@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: OperatorTokens,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (isPublicRoute(this.reflector, context)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const operatorId = this.tokens.fromHeader(req.headers.authorization);
    if (operatorId === undefined) {
      throw new AppException(ErrorCode.UNAUTHORIZED, '未登录或令牌无效', [
        { field: 'Authorization', message: 'a valid Bearer token is required' },
      ]);
    }
    req.operatorId = operatorId;
    return true;
  }
}

/** The authenticated operator's id, for created_by / updated_by. */
export const OperatorId = createParamDecorator((_: unknown, ctx: ExecutionContext): number => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (req.operatorId === undefined) throw new AppException(ErrorCode.UNAUTHORIZED, '未登录');
  return req.operatorId;
});
