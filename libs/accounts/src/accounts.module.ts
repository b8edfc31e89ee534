import { Module } from '@nestjs/common';
import { ClockModule, OperatorTokens } from '@app/common';
import { AccessGuard } from './access.guard';
import { AccountsService } from './accounts.service';
import { ApiKeysService } from './api-keys.service';
import { Authenticator } from './authenticator';
import { LoginLockout } from './login-lockout';
import { SessionStore } from './session-store';

/**
 * Accounts, API keys, sessions and the access guard (docs/SECURITY.md). Owns the tables
 * `accounts` and `api_keys` and the Redis keys `session:*`, `sessions:*`, `login-failures:*`.
 */
@Module({
  imports: [ClockModule],
  providers: [
    OperatorTokens,
    AccountsService,
    ApiKeysService,
    SessionStore,
    LoginLockout,
    Authenticator,
    AccessGuard,
  ],
  exports: [
    OperatorTokens,
    AccountsService,
    ApiKeysService,
    SessionStore,
    LoginLockout,
    Authenticator,
    AccessGuard,
  ],
})
export class AccountsModule {}
