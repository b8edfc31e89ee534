import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { CookieOptions, Request, Response } from 'express';
import {
  AccountsService,
  Authenticator,
  CsrfExempt,
  LoginLockout,
  RequireRole,
  SESSION_COOKIE,
  SessionStore,
} from '@app/accounts';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  describeAuditActor,
  describeAuditChange,
  ErrorCode,
  Public,
} from '@app/common';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { LoginDto, MeView } from './accounts.dto';
import { NotAudited } from '@app/audit';

export const LOGIN_PATH = '/auth/login';

/** Sign-in with user name and password → a session cookie (docs/SECURITY.md "Sessions"). */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionStore,
    private readonly lockout: LoginLockout,
    private readonly authenticator: Authenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private cookie(): CookieOptions {
    return {
      httpOnly: true,
      secure: this.config.SESSION_COOKIE_SECURE,
      sameSite: 'strict',
      path: '/',
    };
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      '用户名 + 密码登录：设置会话 Cookie（HttpOnly; Secure; SameSite=Strict），返回 csrfToken。失败 → 401 INVALID_CREDENTIALS；连续失败过多 → 429 LOGIN_LOCKED',
  })
  @ApiEnvelope(MeView)
  @ApiTooManyRequestsResponse({ description: 'LOGIN_LOCKED / RATE_LIMITED' })
  async login(@Body() body: LoginDto, @Res({ passthrough: true }) res: Response): Promise<MeView> {
    // A refused sign-in is audited too ('failed', the name tried; never the password).
    const refused = () =>
      describeAuditActor(
        { type: 'anonymous', id: null, name: body.username, role: null },
        'failed',
      );
    const lockedFor = await this.lockout.lockedFor(body.username);
    if (lockedFor > 0) {
      refused();
      res.setHeader('Retry-After', String(lockedFor));
      throw new AppException(ErrorCode.LOGIN_LOCKED, '登录失败次数过多，请稍后再试', [
        { field: 'username', message: `locked; retry after ${lockedFor} seconds` },
      ]);
    }
    const account = await this.accounts.verifyCredentials(body.username, body.password);
    if (!account) {
      refused();
      await this.lockout.failed(body.username);
      throw new AppException(ErrorCode.INVALID_CREDENTIALS, '用户名或密码错误', [
        { field: 'password', message: 'unknown user name, wrong password or disabled account' },
      ]);
    }
    describeAuditActor({ type: 'account', id: account.id, role: account.role });
    describeAuditChange({ targetType: 'account', targetId: account.id });
    await this.lockout.succeeded(body.username);
    const session = await this.sessions.start(account.id);
    res.cookie(SESSION_COOKIE, session.id, {
      ...this.cookie(),
      maxAge: this.config.SESSION_MAX_HOURS * 3_600_000,
    });
    return {
      operatorId: account.id,
      role: account.role,
      via: 'session',
      username: account.username,
      displayName: account.displayName,
      csrfToken: session.csrfToken,
    };
  }

  @Post('logout')
  @RequireRole('viewer')
  @HttpCode(200)
  @ApiOperation({ summary: '退出登录：会话在所有实例上立即失效（API 密钥调用时无操作）' })
  @ApiEnvelope()
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<boolean> {
    const principal = await this.authenticator.principalOf(req);
    if (principal?.session) await this.sessions.end(principal.session);
    res.clearCookie(SESSION_COOKIE, this.cookie());
    return true;
  }

  @Post('me')
  @NotAudited()
  @RequireRole('viewer')
  @CsrfExempt()
  @HttpCode(200)
  @ApiOperation({ summary: '当前身份与角色；会话登录时含 csrfToken' })
  @ApiEnvelope(MeView)
  async me(@Req() req: Request): Promise<MeView> {
    const principal = await this.authenticator.principalOf(req);
    if (!principal) throw new AppException(ErrorCode.UNAUTHORIZED, '未登录');
    const { operatorId, role, via, session } = principal;
    if (!session) return { operatorId, role, via };
    const account = await this.accounts.get(session.accountId);
    return {
      operatorId,
      role,
      via,
      username: account.username,
      displayName: account.displayName,
      csrfToken: session.csrfToken,
    };
  }
}
