import { ApiProperty } from '@nestjs/swagger';
import { MAPPING_REJECT_REASONS, MappingRejection } from '@app/identity';

class IdentityRejectionView implements MappingRejection {
  @ApiProperty({ description: '文件中的行号（表头为第 1 行，空行也计数）' }) line: number;
  @ApiProperty({
    description: '原因所指的列：external_userid、customer_id、mobile 或 owner_userid',
  })
  column: string;
  @ApiProperty({ description: '该列的值（去掉首尾空白）' }) value: string;
  @ApiProperty({
    enum: MAPPING_REJECT_REASONS,
    description:
      '稳定原因代码：missing 缺少、too_long 过长、bad_customer_id 客户 ID 不是正整数、bad_mobile 手机号无效、duplicate 文件中重复、unknown_customer 无此客户、unknown_mobile 无此手机号的客户、customer_taken 该客户已关联其他企业微信客户、contact_taken 该企业微信客户已关联其他有订单的客户、owner_not_following 该成员未添加此客户',
  })
  reason: (typeof MAPPING_REJECT_REASONS)[number];
  @ApiProperty() message: string;
}

export class IdentityImportView {
  @ApiProperty({ description: '读到的数据行数（不含表头与空行）= linked + unchanged + rejected' })
  rows: number;
  @ApiProperty({ description: '关联到买家（或指定了负责成员）的行' }) linked: number;
  @ApiProperty({ description: '已是如此、未改变的行' }) unchanged: number;
  @ApiProperty({ description: '指定了负责成员（owner_userid）的行' }) ownersNamed: number;
  @ApiProperty({ description: '未应用的行数' }) rejected: number;
  @ApiProperty({
    type: [IdentityRejectionView],
    description: '未应用的行及原因，按行号顺序，至多 1000 条',
  })
  report: IdentityRejectionView[];
}
