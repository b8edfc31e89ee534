import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeysService, RequireRole } from '@app/accounts';
import { OperatorId } from '@app/common';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKeyView, RevokeApiKeyDto } from './accounts.dto';
import { NotAudited } from '@app/audit';

/** API keys for machines, managed by admins (docs/SECURITY.md "API keys"). */
@ApiTags('apikeys')
@Controller('apikeys')
@RequireRole('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('create')
  @HttpCode(200)
  @ApiOperation({ summary: '创建 API 密钥：key 只在此次返回，服务端只存哈希' })
  @ApiEnvelope(CreatedApiKeyView)
  create(
    @Body() body: CreateApiKeyDto,
    @OperatorId() operatorId: number,
  ): Promise<CreatedApiKeyView> {
    return this.keys.create(body, operatorId);
  }

  @Post('list')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '全部 API 密钥（不含密钥本身）' })
  @ApiEnvelope(ApiKeyView, { isArray: true })
  list(): Promise<ApiKeyView[]> {
    return this.keys.list();
  }

  @Post('revoke')
  @HttpCode(200)
  @ApiOperation({ summary: '吊销 API 密钥：所有实例上立即失效' })
  @ApiEnvelope(ApiKeyView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  revoke(@Body() body: RevokeApiKeyDto, @OperatorId() operatorId: number): Promise<ApiKeyView> {
    return this.keys.revoke(body.id, operatorId);
  }
}
