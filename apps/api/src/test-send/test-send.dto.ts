import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
  IsObject,
} from 'class-validator';
import { TEST_GROUP_LIMIT, TestGroupMember } from '@app/pipeline';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

class TestGroupMemberDto {
  @ApiProperty({ description: '企业微信客户的 external_userid（内部同事的微信）', maxLength: 128 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @Matches(/^[\w-]*$/, { message: 'externalUserId holds only letters, digits, _ and -' })
  externalUserId: string;

  @ApiPropertyOptional({ description: '备注名（谁的手机）', maxLength: 64 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(64)
  name?: string;
}

export class UpdateTestGroupDto {
  @ApiProperty({
    type: [TestGroupMemberDto],
    description: `测试组的全部成员（替换原有名单），至多 ${TEST_GROUP_LIMIT} 个，external_userid 不可重复；[] 清空`,
  })
  @IsArray()
  @ArrayMaxSize(TEST_GROUP_LIMIT)
  @IsObject({ each: true, message: '$property must hold objects' })
  @ValidateNested({ each: true })
  @Type(() => TestGroupMemberDto)
  members: TestGroupMemberDto[];
}

export class TestSendDto {
  @ApiProperty({ description: '规则 id', example: 1 })
  @IsInt()
  @Min(1)
  id: number;
}

class TestGroupMemberView implements TestGroupMember {
  @ApiProperty() externalUserId: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: Number, nullable: true, description: '添加人（账号 id）' })
  addedBy: number | null;
  @ApiProperty({ description: 'YYYY-MM-DD HH:mm:ss' }) addedAt: string;
}

export class TestGroupView {
  @ApiProperty({ type: [TestGroupMemberView] }) members: TestGroupMemberView[];
  @ApiProperty({ description: '成员上限', example: TEST_GROUP_LIMIT }) limit: number;
}

export class TestSendResultView {
  @ApiProperty({ description: '测试执行记录 id（kind = test，见 /wechatpush/runs）' })
  runId: number;
  @ApiProperty({ description: '收到测试消息的测试组成员数（每人收到每个变体）' }) members: number;
}
