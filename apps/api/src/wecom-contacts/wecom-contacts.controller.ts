import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ContactSyncService } from '@app/wecom-callbacks';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { ContactSyncRecordView, ContactSyncStatusView, MatchRatesView } from './wecom-contacts.dto';
import { RequireRole } from '@app/accounts';

/** WeCom's customers: the full sync, its progress and the identity match rates (docs/WECOM.md). */
@ApiTags('wecom-contacts')
@Controller('wecom/contacts')
@RequireRole('viewer')
export class WecomContactsController {
  constructor(private readonly sync: ContactSyncService) {}

  @Post('sync')
  @RequireRole('admin')
  @HttpCode(202)
  @ApiOperation({ summary: '开始全量同步企业微信客户（成员、客户、跟进关系、企业标签）' })
  @ApiEnvelope(ContactSyncRecordView)
  @ApiConflictResponse({ description: 'CONFLICT：已有同步在进行（field: sync）' })
  start(): Promise<ContactSyncRecordView> {
    return this.sync.start('full');
  }

  @Get('sync/status')
  @ApiOperation({ summary: '同步进度，最近一次全量同步与夜间对账的结果' })
  @ApiEnvelope(ContactSyncStatusView)
  status(): Promise<ContactSyncStatusView> {
    return this.sync.status();
  }

  @Get('match')
  @ApiOperation({ summary: '客户与买家的匹配率：按方式（unionid、手机号、映射文件）与未匹配' })
  @ApiEnvelope(MatchRatesView)
  match(): Promise<MatchRatesView> {
    return this.sync.matchRates();
  }
}
