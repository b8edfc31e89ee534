import {
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

/** Marks a route that needs no credential (health, metrics, signed callbacks, sign-in). */
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
 * The deprecated ADMIN_TOKENS (docs/SECURITY.md): a token to its operator id. Tokens are compared
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
}

/** The authenticated operator's id, for created_by / updated_by. */
export const OperatorId = createParamDecorator((_: unknown, ctx: ExecutionContext): number => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (req.operatorId === undefined) throw new AppException(ErrorCode.UNAUTHORIZED, '未登录');
  return req.operatorId;
});
