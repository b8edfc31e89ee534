import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { catchError, concatMap, from, Observable, switchMap } from 'rxjs';
import { DataSource } from 'typeorm';
import { Authenticator, Principal } from '@app/accounts';
import { AuditActor, auditRequestContext, AuditRequestContext, isPublicRoute } from '@app/common';
import { isAudited } from './audit.decorators';
import { AuditWriter } from './audit-writer';
import { redactForAudit } from './redact';

const ACTOR_TYPES = { session: 'account', 'api-key': 'api_key', 'admin-token': 'token' } as const;

function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return { type: 'anonymous', id: null, role: null };
  return {
    type: ACTOR_TYPES[principal.via],
    id: principal.operatorId,
    keyId: principal.keyId,
    role: principal.role,
  };
}

/** What the request asked for: an export's query, or the body and an upload's name and size. */
function inputOf(req: Request & { file?: { originalname: string; size: number } }): unknown {
  if (req.method === 'GET') return redactForAudit(req.query);
  const file = req.file && {
    name: Buffer.from(req.file.originalname, 'latin1').toString('utf8'),
    size: req.file.size,
  };
  const body: unknown = req.body;
  return redactForAudit(file ? { ...(body as object), file } : body);
}

/**
 * Opens the audit row of every audited request (docs/SECURITY.md "Audit log") and carries it
 * through the handler's async calls. AuditTransactions writes it with the request's first
 * transaction; a change without a TypeORM transaction (a single statement, Redis) gets it
 * here once the handler succeeded. A failed handler leaves none, except a refused sign-in.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly writer: AuditWriter,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request & { id?: unknown }>();
    if (!isAudited(this.reflector, context, req.method)) return next.handle();
    const audit: AuditRequestContext = {
      action: `${req.method} ${(req.route as { path?: string } | undefined)?.path ?? req.path}`,
      actor: actorOf(undefined),
      clientIp: req.ip ?? null,
      requestId: typeof req.id === 'string' ? req.id : null,
      input: () => inputOf(req),
      change: {},
      outcome: 'ok',
      written: false,
    };
    // The guard resolved the credential already (memoised); a public route has none.
    const principal = isPublicRoute(this.reflector, context)
      ? Promise.resolve(undefined)
      : this.authenticator.principalOf(req);
    return from(principal).pipe(
      switchMap((p) => {
        audit.actor = actorOf(p);
        // handle() binds the async context it is called in: the handler runs inside this one.
        return auditRequestContext.run(audit, () => next.handle());
      }),
      concatMap(async (value) => {
        if (!audit.written) await this.writer.write(this.db, audit, value);
        return value;
      }),
      catchError(async (error: unknown) => {
        if (audit.outcome === 'failed' && !audit.written) await this.writer.write(this.db, audit);
        throw error;
      }),
    );
  }
}
