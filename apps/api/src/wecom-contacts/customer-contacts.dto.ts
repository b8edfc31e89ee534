import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { CustomerContactsView as CustomerContacts } from '@app/wecom-callbacks';

export class CustomerContactsDto {
  @ApiProperty({ description: '客户的 external_userid', maxLength: 128 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  externalUserid: string;
}

class CorpTagView {
  @ApiProperty() tagId: string;
  @ApiProperty({ description: '标签组' }) groupName: string;
  @ApiProperty() name: string;
}

class FollowView {
  @ApiProperty({ description: '跟进成员（导购）的 userid' }) userid: string;
  @ApiProperty({ type: String, nullable: true, description: '成员给客户的备注' })
  remark: string | null;
  @ApiProperty({ type: String, nullable: true, description: '添加渠道 state' })
  state: string | null;
  @ApiProperty({ type: String, nullable: true, description: '添加时间（Asia/Shanghai）' })
  addedAt: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: '成员被删除或删除客户的时间；null 表示仍在跟进',
  })
  removedAt: string | null;
  @ApiProperty({ type: [CorpTagView], description: '该成员给客户打的企业标签' })
  tags: CorpTagView[];
}

export class CustomerContactsView implements CustomerContacts {
  @ApiProperty() externalUserid: string;
  @ApiProperty({ type: Number, nullable: true, description: 'customers.id（匹配到的买家）' })
  customerId: number | null;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: '消息经由的成员：最早的有效跟进关系，或运营指定',
  })
  ownerUserid: string | null;
  @ApiProperty({ description: '所有跟进成员都已删除：不再被圈选（原因 no_follow）' })
  unreachable: boolean;
  @ApiProperty({ type: [FollowView], description: '跟进关系：仍在跟进的在前，按添加时间' })
  follows: FollowView[];
}
