import {
  DEADLINE_LIMITS,
  EXPERIMENT_LIMITS,
  type QuietHours,
  ruleProblems,
  type RuleInput,
  type RuleProblemCode,
  RULE_LIMITS,
  RULE_POLICY_LIMITS,
  VALUE_LIMITS,
} from '@app/contracts';
import type { FieldError } from '../api/types';
import { weekLabel } from './slots';

/**
 * The API's rule validation (@app/contracts, the same code the api runs) in the operators' words. Field names are the API's, so client and server errors land
 * on the same form fields. What only the server can know (name uniqueness, the media host
 * allow-list for private addresses) stays with the server; its answer shows on the same fields.
 */
const MESSAGES: Record<RuleProblemCode, (field: string) => string> = {
  'name-required': () => '请填写推送名称',
  'name-too-long': () => `推送名称不能超过 ${RULE_LIMITS.nameMaxLength} 个字符`,
  'status-invalid': () => '状态只能是进行中或暂停',
  'date-format': dateMessage,
  'date-not-calendar': dateMessage,
  'end-before-start': () => '结束日期不能早于开始日期',
  'slots-empty': () => '请至少添加一个推送时间',
  'slots-too-many': () => `推送时间最多 ${RULE_LIMITS.maxSlots} 个`,
  'slot-week': () => '星期必须在周一到周日之间',
  'slot-time': () => '时间必须是 00:00 到 23:59 之间的 HH:mm',
  'slot-duplicate': () => '推送时间重复',
  'labels-too-long': () => '标签过多',
  'days-not-integer': () => '请填写整数天数',
  'days-out-of-range': () => `天数必须在 0 到 ${RULE_LIMITS.maxDays} 之间`,
  'day-window-inverted': () => '“至多”天数不能小于“至少”天数',
  'url-too-long': () => `不能超过 ${RULE_LIMITS.urlMaxLength} 个字符`,
  'mini-program-partial': () => '小程序卡片的标题、封面和页面需一起填写',
  'content-required': () => '文本、图片、小程序卡片至少填写一项',
  'content-too-long': () =>
    `文本不能超过 ${RULE_LIMITS.textMaxBytes} 字节（约 ${Math.floor(RULE_LIMITS.textMaxBytes / 3)} 个汉字）`,
  'mini-program-title-too-long': () =>
    `小程序标题不能超过 ${RULE_LIMITS.miniProgramTitleMaxBytes} 字节（约 ${Math.floor(RULE_LIMITS.miniProgramTitleMaxBytes / 3)} 个汉字）`,
  'url-not-absolute': () => '必须是完整的 http(s) 地址',
  'url-scheme': () => '只允许 http 或 https 地址',
  'url-credentials': () => '地址中不能包含用户名或密码',
  'url-refused': () => '不能指向内网、本机或链路本地地址',
  'cooldown-invalid': () =>
    `冷却天数必须是 ${RULE_POLICY_LIMITS.cooldownDays.min} 到 ${RULE_POLICY_LIMITS.cooldownDays.max} 之间的整数`,
  'priority-invalid': () =>
    `优先级必须是 ${RULE_POLICY_LIMITS.priority.min} 到 ${RULE_POLICY_LIMITS.priority.max} 之间的整数`,
  'cap-exempt-invalid': () => '服务通知开关只能是开或关',
  'slot-quiet-hours': () => '该推送时间处于免打扰时段',
  'holdout-invalid': () =>
    `对照组比例必须是 ${EXPERIMENT_LIMITS.holdoutPercent.min} 到 ${EXPERIMENT_LIMITS.holdoutPercent.max} 之间、至多两位小数的百分比`,
  'ignore-global-control-invalid': () => '全局对照组开关只能是开或关',
  'variants-invalid': () => '内容变体格式不正确',
  'variants-too-many': () => `除规则内容（A）外至多 ${EXPERIMENT_LIMITS.maxVariants} 个内容变体`,
  'weight-invalid': () =>
    `权重必须是 ${EXPERIMENT_LIMITS.weight.min} 到 ${EXPERIMENT_LIMITS.weight.max} 之间的整数`,
  'ignore-global-control-needs-exempt': () => '只有服务通知（不受频次上限约束）才能发给全局对照组',
  'window-basis-invalid': () => '时间窗口只能按最后一次下单或按所选商品计算',
  'label-match-invalid': () => '标签组合只能是“任一”或“同时满足”',
  'goods-labels-required': () => '按商品计算窗口时，须至少选择一个品类、品牌或 SKU 标签',
  'min-orders-invalid': () =>
    `最少订单数必须是 ${VALUE_LIMITS.minOrders.min} 到 ${VALUE_LIMITS.minOrders.max} 之间的整数`,
  'min-spend-invalid': () =>
    `最低消费必须是 ${VALUE_LIMITS.minSpend.min} 到 ${VALUE_LIMITS.minSpend.max} 元之间、至多两位小数`,
  'value-lookback-invalid': () =>
    `回看天数必须是 ${VALUE_LIMITS.valueLookbackDays.min} 到 ${VALUE_LIMITS.valueLookbackDays.max} 之间的整数`,
  'rfm-tiers-invalid': () => 'RFM 分层选择不正确',
  'sender-mode-invalid': () => '发送人只能是企业微信分配或客户的专属导购',
  'sender-fallback-invalid': () => '无专属导购的客户只能跳过或由企业微信分配',
  'deadline-invalid': () =>
    `执行期限必须是 ${DEADLINE_LIMITS.min} 到 ${DEADLINE_LIMITS.max} 之间的整数小时，或不设`,
};

function dateMessage(field: string): string {
  return field === 'startDate' ? '请选择有效的开始日期' : '请选择有效的结束日期';
}

/**
 * Every problem of `rule`, each naming the API field it belongs to; empty when valid.
 * `quietHours` is the contact policy's: the API refuses a slot inside them.
 */
export function validateRule(rule: RuleInput, quietHours: QuietHours | null = null): FieldError[] {
  return ruleProblems(rule, { quietHours }).map(({ field, code }) => ({
    field,
    message:
      code === 'slot-quiet-hours' && quietHours
        ? quietSlotMessage(rule, field, quietHours)
        : MESSAGES[code](field),
  }));
}

/** Names the slot: the form shows a field's messages together, one per distinct text. */
function quietSlotMessage(rule: RuleInput, field: string, quiet: QuietHours): string {
  const slot = rule.weekDayPushTime[Number(/\[(\d+)\]/.exec(field)?.[1])];
  const which = slot ? `${weekLabel(slot.week)} ${slot.time} ` : '';
  return `${which}处于免打扰时段（${quiet.start}–${quiet.end}），请调整推送时间或触达策略`;
}
