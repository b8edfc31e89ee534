import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppException, ErrorCode, OperatorTokens } from '@app/common';
import { AccountsService } from './accounts.service';
import { ApiKeysService } from './api-keys.service';
import { Role } from './roles';
import { Session, SessionStore } from './session-store';

/** Who sent a request, and with which role (docs/SECURITY.md "Authentication"). */
export interface Principal {
  /** What created_by / updated_by record: the account, the key's creator, or the token's id. */
  operatorId: number;
  role: Role;
  via: 'session' | 'api-key' | 'admin-token';
  /** API keys only: the key's id (the audit log names the key). */
  keyId?: number;
  /** Cookie sign-ins only: writes must carry its CSRF token. */
  session?: Session;
}

/** Name of the session cookie (HttpOnly; Secure; SameSite=Strict; Path=/). */
export const SESSION_COOKIE = 'wpp_session';

const PRINCIPAL = Symbol('wpp:principal');
type MemoRequest = Request & { [PRINCIPAL]?: Promise<Principal | undefined> };

/** The value of one cookie in a Cookie header (names and values as browsers send them). */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Resolves a request's credential: `Authorization: Bearer` (an API key, or a deprecated
 * ADMIN_TOKENS token), else the session cookie. Resolved once per request: the rate limit,
 * the cached reads and the access guard share the answer.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly tokens: OperatorTokens,
    private readonly keys: ApiKeysService,
    private readonly sessions: SessionStore,
    private readonly accounts: AccountsService,
  ) {}

  principalOf(req: Request): Promise<Principal | undefined> {
    const memo = req as MemoRequest;
    memo[PRINCIPAL] ??= this.resolve(req);
    return memo[PRINCIPAL];
  }

  /**
   * Also a Basic header whose password is a token or key: how a browser opens /docs and
   * /queues without the console (the session cookie works there as well).
   */
  async browserPrincipalOf(req: Request): Promise<Principal | undefined> {
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!basic) return this.principalOf(req);
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return this.bearer(decoded.slice(decoded.indexOf(':') + 1));
  }

  private async resolve(req: Request): Promise<Principal | undefined> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return m ? this.bearer(m[1]) : undefined;
    }
    const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
    return sessionId ? this.session(sessionId) : undefined;
  }

  private async bearer(token: string): Promise<Principal | undefined> {
    const operatorId = this.tokens.resolve(token);
    if (operatorId !== undefined) return { operatorId, role: 'admin', via: 'admin-token' };
    const key = await this.keys.resolve(token);
    return key && { operatorId: key.operatorId, role: key.role, via: 'api-key', keyId: key.id };
  }

  private async session(id: string): Promise<Principal | undefined> {
    let session: Session | undefined;
    try {
      session = await this.sessions.touch(id);
    } catch {
      throw new AppException(ErrorCode.SERVICE_UNAVAILABLE, '会话存储暂不可用，请稍后再试');
    }
    if (!session) return undefined;
    // Re-read on every request: a disabled account or a changed role holds at once.
    const role = await this.accounts.activeRole(session.accountId);
    if (role === undefined) {
      await this.sessions.end(session);
      return undefined;
    }
    return { operatorId: session.accountId, role, via: 'session', session };
  }
}
