import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ExclusionCountsView } from '../contact-policy/exclusions.view';

const TIME = 'YYYY-MM-DD（整天，Asia/Shanghai）或 YYYY-MM-DD HH:mm:ss';

/** How every revenue figure is serialised: exact decimal yuan as a string, 2 decimals. */
export const YUAN_PATTERN = '^-?[0-9]+\\.[0-9]{2}$';

const REVENUE_DESCRIPTION =
  '营收（元）：上述订单的实付金额减退款（youzan_orders.payment − refunded_fee）之和，每个订单只计一次；精确十进制，字符串，2 位小数（如 "1234.50"）；金额未知的订单计为 0';

export class StatsQueryDto {
  @ApiPropertyOptional({
    description: '规则名称包含此文本（字面匹配，% 和 _ 不是通配符）；按执行时的规则名称',
    maxLength: 255,
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @ApiProperty({ description: `执行（时间槽）起，含：${TIME}`, example: '2025-03-01' })
  @IsString()
  @IsNotEmpty()
  startTime: string;

  @ApiProperty({ description: `执行（时间槽）止，含：${TIME}`, example: '2025-03-31' })
  @IsString()
  @IsNotEmpty()
  endTime: string;

  @ApiPropertyOptional({
    description: '归因窗口（天）：推送后多少天内的订单计入；默认 STATS_ATTRIBUTION_DAYS（7）',
    minimum: 0,
    maximum: 90,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(90)
  attributionDays?: number;
}

export class RunStatsQueryDto extends StatsQueryDto {
  @ApiPropertyOptional({ description: '规则 id；与 name 至少给一个（都给时同时生效）' })
  @IsOptional()
  @IsInt()
  @Min(1)
  id?: number;

  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  pagesize?: number;
}

/** Every figure, with what it counts (SPEC §7; docs/STATISTICS.md). */
export class PushFiguresView {
  @ApiProperty({
    description: '推送人数：范围内执行的已发送批次的接收人，去重（按 external_userid 对应的客户）',
  })
  pushCount: number;

  @ApiProperty({
    description: '失败人数：出现在任一批次 fail_list 中的接收人，去重（同 seed：失败优先）',
  })
  failCount: number;

  @ApiProperty({ description: '成功人数 = pushCount − failCount：从未出现在 fail_list 中的接收人' })
  successCount: number;

  @ApiProperty({ description: '成功率 = successCount / pushCount，4 位小数，分母为 0 时为 0' })
  successRate: number;

  @ApiProperty({
    description:
      '员工已执行：成功接收人中，企业微信结果为 1/2/3（员工已确认发送）的人数，去重；= delivered + notFriend + overCap',
  })
  executedCount: number;

  @ApiProperty({ description: '已送达：成功接收人中至少一次结果为 1（已发送）的人数，去重' })
  deliveredCount: number;

  @ApiProperty({
    description: '非好友：成功接收人中结果为 2（客户不是好友）且从未送达、未超上限的人数，去重',
  })
  notFriendCount: number;

  @ApiProperty({
    description: '超过接收上限：成功接收人中结果为 3 且从未送达的人数，去重',
  })
  overCapCount: number;

  @ApiProperty({
    description:
      '订单数：成功接收人（youzan_orders.user_ids → customers.id，经 order_buyers）在其推送时刻之后、归因窗口内创建的订单，按 order_number 去重；只计转化订单：未关闭（status 不是 closed / refunded）且实付减退款 > 0（金额未知的旧订单照旧计入）',
  })
  orderCount: number;

  @ApiProperty({ description: '购买人数：有上述订单的成功接收人，去重' })
  buyerCount: number;

  @ApiProperty({
    description: REVENUE_DESCRIPTION,
    example: '1234.50',
    pattern: YUAN_PATTERN,
  })
  revenue: string;

  @ApiProperty({ description: '订单转化率 = orderCount / successCount，4 位小数，分母为 0 时为 0' })
  orderConversionRate: number;

  @ApiProperty({ description: '用户转化率 = buyerCount / successCount，4 位小数，分母为 0 时为 0' })
  userConversionRate: number;
}

const EXCLUDED = {
  type: ExclusionCountsView,
  description:
    '触达策略排除的客户，按原因：所含各次执行选人时排除的人数之和（一次执行内每人只计一次，按第一个原因；多次执行相加，不去重；未选人的执行为 0）。这些客户未被推送，不计入 pushCount 及其后的漏斗',
};

/** The funnel over the scope and, beside it, who the contact policy kept out of its runs. */
export class PushResultView extends PushFiguresView {
  @ApiProperty(EXCLUDED) excluded: ExclusionCountsView;
}

class SenderFiguresView {
  @ApiProperty({ description: '员工 userid（企业微信分配的发送成员）' }) userid: string;
  @ApiProperty({ description: '分配给该员工的成功接收人数（本次执行内每人一行）' })
  assignedCount: number;
  @ApiProperty({ description: '该员工已执行（结果 1/2/3）的人数' }) executedCount: number;
  @ApiProperty({ description: '该员工已送达（结果 1）的人数' }) deliveredCount: number;
  @ApiProperty({ description: '结果 2（非好友）的人数' }) notFriendCount: number;
  @ApiProperty({ description: '结果 3（超过接收上限）的人数' }) overCapCount: number;
  @ApiProperty({ description: 'executedCount / assignedCount，4 位小数' }) executionRate: number;
  @ApiProperty({ description: 'deliveredCount / assignedCount，4 位小数' }) deliveryRate: number;
  @ApiProperty({ description: '该员工在本次执行中已发送的任务数（get_groupmsg_task status 2）' })
  sentTasks: number;
  @ApiProperty({ description: '执行期限前被提醒（仍未发送）的任务数' }) remindedTasks: number;
  @ApiProperty({ description: '执行期限到期时仍未发送、被取消的任务数' }) cancelledTasks: number;
}

class RunFiguresView extends PushResultView {
  @ApiProperty() runId: number;
  @ApiProperty({ description: '规则 id' }) pushId: number;
  @ApiProperty({ description: '执行时的规则名称' }) ruleName: string;
  @ApiProperty({ enum: ['scheduled', 'manual'] }) kind: string;
  @ApiProperty({ description: '时间槽（手动执行为触发时间），YYYY-MM-DD HH:mm:ss' })
  slotAt: string;
  @ApiProperty({ description: '执行状态' }) state: string;
  @ApiProperty({ type: [SenderFiguresView], description: '按员工的执行 / 送达' })
  senders: SenderFiguresView[];
}

export class RunFiguresPageView {
  @ApiProperty({ type: [RunFiguresView] }) data: RunFiguresView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pagesize: number;
  @ApiProperty() pages: number;
}

export class DailyFiguresView extends PushResultView {
  @ApiProperty({ description: '执行（时间槽）日期 YYYY-MM-DD；每天单独去重' }) day: string;
}
