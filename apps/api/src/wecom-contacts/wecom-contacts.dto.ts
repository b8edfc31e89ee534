import { ApiProperty } from '@nestjs/swagger';
import type { ContactSyncView, MatchRates } from '@app/wecom-callbacks';

export class ContactSyncRecordView implements ContactSyncView {
  @ApiProperty() id: number;
  @ApiProperty({ enum: ['full', 'nightly'], description: 'full：手动全量同步；nightly：夜间对账' })
  kind: 'full' | 'nightly';
  @ApiProperty({ enum: ['running', 'completed', 'failed'] })
  state: 'running' | 'completed' | 'failed';
  @ApiProperty() startedAt: Date;
  @ApiProperty({ type: Date, nullable: true }) finishedAt: Date | null;
  @ApiProperty({ description: '有客户的成员数（get_follow_user_list）' }) membersTotal: number;
  @ApiProperty({ description: '已读完的成员数（每 100 人一组）' }) membersDone: number;
  @ApiProperty() pages: number;
  @ApiProperty({ description: '读到的（客户 × 成员）行数' }) rowsRead: number;
  @ApiProperty({ description: '新建的客户（未匹配到已有买家）' }) customersCreated: number;
  @ApiProperty({ description: '按 unionid 或备注手机号关联到已有买家的客户' })
  customersLinked: number;
  @ApiProperty() followsAdded: number;
  @ApiProperty() followsChanged: number;
  @ApiProperty() followsRemoved: number;
  @ApiProperty({ description: '不再被任何成员添加、标为不可达的客户' }) unreachableMarked: number;
  @ApiProperty({ description: '重新被添加、恢复可达的客户' }) reachableAgain: number;
  @ApiProperty({ description: '本次修正的行数：新增 + 变更 + 删除的跟进关系' }) corrected: number;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}

export class ContactSyncStatusView {
  @ApiProperty({ type: ContactSyncRecordView, nullable: true })
  running: ContactSyncRecordView | null;
  @ApiProperty({ type: ContactSyncRecordView, nullable: true })
  lastFull: ContactSyncRecordView | null;
  @ApiProperty({ type: ContactSyncRecordView, nullable: true })
  lastNightly: ContactSyncRecordView | null;
}

class MatchMethodsView {
  @ApiProperty({ description: '同步前已有 external_userid 的客户' }) existing: number;
  @ApiProperty() unionid: number;
  @ApiProperty({ description: '备注手机号' }) mobile: number;
  @ApiProperty({ description: '运营上传的映射文件' }) mapping: number;
  @ApiProperty({ description: '未匹配到买家、新建的客户' }) created: number;
}

export class MatchRatesView implements MatchRates {
  @ApiProperty({ description: '当前被成员添加的企业微信客户数' }) contacts: number;
  @ApiProperty({ type: MatchMethodsView }) byMethod: MatchMethodsView;
  @ApiProperty({ description: '有订单的客户（买家）数' }) buyers: number;
  @ApiProperty({ description: '可通过企业微信触达的买家' }) buyersMatched: number;
  @ApiProperty({ description: '无法触达的买家' }) buyersUnmatched: number;
  @ApiProperty({ description: 'buyersMatched / buyers，0–1' }) buyerMatchRate: number;
}
