import { checkPublicHttpUrl, ErrorDetail, isCalendarDate } from '@app/common';
import type { PushRuleDto } from './dto/push-rule.dto';

/** WeCom's limits on add_msg_template content (UTF-8 bytes). */
export const WECOM_TEXT_MAX_BYTES = 4000;
export const WECOM_MINIPROGRAM_TITLE_MAX_BYTES = 64;

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const present = (s: string | undefined | null): s is string => typeof s === 'string' && s !== '';

/**
 * Rules that span fields or need configuration, after the DTO's per-field checks.
 * Returns every problem, each naming the request field it belongs to.
 */
export function checkRuleSemantics(
  rule: PushRuleDto,
  allowedMediaHosts: readonly string[],
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];

  const startOk = isCalendarDate(rule.startDate);
  const endOk = isCalendarDate(rule.endDate);
  if (!startOk)
    problems.push({ field: 'startDate', message: 'startDate is not a real calendar date' });
  if (!endOk) problems.push({ field: 'endDate', message: 'endDate is not a real calendar date' });
  if (startOk && endOk && rule.startDate > rule.endDate) {
    problems.push({ field: 'endDate', message: 'endDate must not be before startDate' });
  }

  const seen = new Map<string, number>();
  rule.weekDayPushTime.forEach((slot, i) => {
    const key = `${slot.week}@${slot.time}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        field: `weekDayPushTime[${i}]`,
        message: `duplicate slot: same as weekDayPushTime[${first}]`,
      });
    } else {
      seen.set(key, i);
    }
  });

  if (rule.lastOrderDay > rule.lastOrderDayLimit) {
    problems.push({
      field: 'lastOrderDayLimit',
      message: 'lastOrderDayLimit must be greater than or equal to lastOrderDay',
    });
  }

  const mini = [rule.miniProgramTitle, rule.miniProgramImg, rule.miniProgramUrl];
  const miniCount = mini.filter(present).length;
  if (miniCount > 0 && miniCount < 3) {
    for (const [field, value] of [
      ['miniProgramTitle', rule.miniProgramTitle],
      ['miniProgramImg', rule.miniProgramImg],
      ['miniProgramUrl', rule.miniProgramUrl],
    ] as const) {
      if (!present(value)) {
        problems.push({
          field,
          message: 'mini-program fields must be given all together or not at all',
        });
      }
    }
  }
  if (!present(rule.content) && !present(rule.img) && miniCount === 0) {
    problems.push({
      field: 'content',
      message: 'at least one of content, img or a mini-program card is required',
    });
  }

  if (present(rule.content) && utf8Bytes(rule.content) > WECOM_TEXT_MAX_BYTES) {
    problems.push({
      field: 'content',
      message: `content must be at most ${WECOM_TEXT_MAX_BYTES} bytes in UTF-8`,
    });
  }
  if (
    present(rule.miniProgramTitle) &&
    utf8Bytes(rule.miniProgramTitle) > WECOM_MINIPROGRAM_TITLE_MAX_BYTES
  ) {
    problems.push({
      field: 'miniProgramTitle',
      message: `miniProgramTitle must be at most ${WECOM_MINIPROGRAM_TITLE_MAX_BYTES} bytes in UTF-8`,
    });
  }

  for (const [field, value] of [
    ['img', rule.img],
    ['miniProgramImg', rule.miniProgramImg],
  ] as const) {
    if (!present(value)) continue;
    const check = checkPublicHttpUrl(value, allowedMediaHosts);
    if (!check.ok) problems.push({ field, message: `${field} ${check.reason}` });
  }

  return problems;
}

/**
 * Label fields are comma-separated lists; stored normalized: items trimmed, empty ones
 * and repeats dropped, full-width commas (，) accepted as separators.
 */
export function normalizeLabelList(value: string | undefined | null): string {
  if (!value) return '';
  const items = value
    .split(/[,，]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...new Set(items)].join(',');
}

/** The items of a stored label list. */
export function splitLabelList(value: string | undefined | null): string[] {
  return normalizeLabelList(value).split(',').filter(Boolean);
}
