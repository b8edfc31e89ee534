import type { FieldError, PushRuleBody } from '../api/types';
import { TIME_PATTERN } from './slots';

/**
 * The API's validation of a rule body (libs/push-config: the DTO's field checks and
 * `checkRuleSemantics`), repeated in the browser so operators see problems before they
 * submit. Field names are the API's, so client and server errors land on the same form
 * fields. What only the server can know (name uniqueness, the media host allow-list for
 * private addresses) stays with the server; its answer is shown on the same fields.
 * apps/admin/test/rule-validation-mirror.spec.ts checks both sides agree.
 */
export const LIMITS = {
  nameMaxLength: 255,
  maxSlots: 200,
  maxDays: 3650,
  labelFieldMaxLength: 20000,
  textMaxBytes: 4000,
  miniProgramTitleMaxBytes: 64,
  urlMaxLength: 1024,
} as const;

export function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(s: string): boolean {
  if (!DATE_PATTERN.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function checkHttpUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '必须是完整的 http(s) 地址';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return '只允许 http 或 https 地址';
  if (url.username || url.password) return '地址中不能包含用户名或密码';
  return undefined;
}

const present = (s: string | undefined | null): s is string => typeof s === 'string' && s !== '';

const LABEL_FIELDS = [
  'cityLabels',
  'storeLabels',
  'brandLabels',
  'cateLabels',
  'skuLabels',
] as const;

/** Every problem of `rule`, each naming the API field it belongs to; empty when valid. */
export function validateRule(rule: PushRuleBody): FieldError[] {
  const problems: FieldError[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });

  const name = rule.name.trim();
  if (name === '') add('name', '请填写推送名称');
  else if (name.length > LIMITS.nameMaxLength)
    add('name', `推送名称不能超过 ${LIMITS.nameMaxLength} 个字符`);

  if (rule.status !== 0 && rule.status !== 1) add('status', '状态只能是进行中或暂停');

  const startOk = isCalendarDate(rule.startDate);
  const endOk = isCalendarDate(rule.endDate);
  if (!startOk) add('startDate', '请选择有效的开始日期');
  if (!endOk) add('endDate', '请选择有效的结束日期');
  if (startOk && endOk && rule.startDate > rule.endDate) add('endDate', '结束日期不能早于开始日期');

  const slots = rule.weekDayPushTime;
  if (slots.length === 0) add('weekDayPushTime', '请至少添加一个推送时间');
  if (slots.length > LIMITS.maxSlots) add('weekDayPushTime', `推送时间最多 ${LIMITS.maxSlots} 个`);
  const seen = new Map<string, number>();
  slots.forEach((slot, i) => {
    if (!Number.isInteger(slot.week) || slot.week < 1 || slot.week > 7)
      add(`weekDayPushTime[${i}].week`, '星期必须在周一到周日之间');
    if (!TIME_PATTERN.test(slot.time))
      add(`weekDayPushTime[${i}].time`, '时间必须是 00:00 到 23:59 之间的 HH:mm');
    const key = `${slot.week}@${slot.time}`;
    const first = seen.get(key);
    if (first !== undefined) add(`weekDayPushTime[${i}]`, '推送时间重复');
    else seen.set(key, i);
  });

  for (const field of LABEL_FIELDS) {
    if (rule[field].length > LIMITS.labelFieldMaxLength) add(field, '标签过多');
  }

  const dayOk = (field: 'lastOrderDay' | 'lastOrderDayLimit') => {
    const v = rule[field];
    if (!Number.isInteger(v)) {
      add(field, '请填写整数天数');
      return false;
    }
    if (v < 0 || v > LIMITS.maxDays) {
      add(field, `天数必须在 0 到 ${LIMITS.maxDays} 之间`);
      return false;
    }
    return true;
  };
  const dOk = dayOk('lastOrderDay');
  const lOk = dayOk('lastOrderDayLimit');
  if (dOk && lOk && rule.lastOrderDay > rule.lastOrderDayLimit)
    add('lastOrderDayLimit', '“至多”天数不能小于“至少”天数');

  const mini = [
    ['miniProgramTitle', rule.miniProgramTitle],
    ['miniProgramImg', rule.miniProgramImg],
    ['miniProgramUrl', rule.miniProgramUrl],
  ] as const;
  const miniCount = mini.filter(([, v]) => present(v)).length;
  if (miniCount > 0 && miniCount < 3) {
    for (const [field, v] of mini)
      if (!present(v)) add(field, '小程序卡片的标题、封面和页面需一起填写');
  }
  if (!present(rule.content) && !present(rule.img) && miniCount === 0)
    add('content', '文本、图片、小程序卡片至少填写一项');
  if (present(rule.content) && utf8Bytes(rule.content) > LIMITS.textMaxBytes)
    add(
      'content',
      `文本不能超过 ${LIMITS.textMaxBytes} 字节（约 ${LIMITS.textMaxBytes / 3} 个汉字）`,
    );
  if (
    present(rule.miniProgramTitle) &&
    utf8Bytes(rule.miniProgramTitle) > LIMITS.miniProgramTitleMaxBytes
  )
    add(
      'miniProgramTitle',
      `小程序标题不能超过 ${LIMITS.miniProgramTitleMaxBytes} 字节（约 ${Math.floor(LIMITS.miniProgramTitleMaxBytes / 3)} 个汉字）`,
    );

  for (const field of ['img', 'miniProgramImg', 'miniProgramUrl'] as const) {
    const v = rule[field].trim();
    if (v.length > LIMITS.urlMaxLength) add(field, `不能超过 ${LIMITS.urlMaxLength} 个字符`);
  }
  for (const field of ['img', 'miniProgramImg'] as const) {
    const v = rule[field].trim();
    if (!present(v)) continue;
    const problem = checkHttpUrl(v);
    if (problem) add(field, problem);
  }
  return problems;
}
