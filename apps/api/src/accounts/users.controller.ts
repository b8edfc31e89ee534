import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountsService, RequireRole } from '@app/accounts';
import { OperatorId } from '@app/common';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { AccountView, CreateUserDto, DisableUserDto, UpdateUserDto } from './accounts.dto';
import { NotAudited } from '@app/audit';

/** Accounts, managed by admins (docs/SECURITY.md "Accounts"). */
@ApiTags('users')
@Controller('users')
@RequireRole('admin')
export class UsersController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('create')
  @HttpCode(200)
  @ApiOperation({ summary: '创建用户（密码策略不符 → 400，字段 password）' })
  @ApiEnvelope(AccountView)
  @ApiConflictResponse({ description: 'NAME_TAKEN' })
  create(@Body() body: CreateUserDto, @OperatorId() operatorId: number): Promise<AccountView> {
    return this.accounts.create(body, operatorId);
  }

  @Post('update')
  @HttpCode(200)
  @ApiOperation({ summary: '修改显示名、角色或密码（新密码结束该用户所有会话）' })
  @ApiEnvelope(AccountView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  update(@Body() body: UpdateUserDto, @OperatorId() operatorId: number): Promise<AccountView> {
    return this.accounts.update(body, operatorId);
  }

  @Post('list')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '全部用户' })
  @ApiEnvelope(AccountView, { isArray: true })
  list(): Promise<AccountView[]> {
    return this.accounts.list();
  }

  @Post('disable')
  @HttpCode(200)
  @ApiOperation({ summary: '停用用户并在所有实例上立即结束其会话（disabled:false 重新启用）' })
  @ApiEnvelope(AccountView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  disable(@Body() body: DisableUserDto, @OperatorId() operatorId: number): Promise<AccountView> {
    return this.accounts.setDisabled(body.id, body.disabled ?? true, operatorId);
  }
}
