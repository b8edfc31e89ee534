import { checkPublicHttpUrl, ErrorDetail } from '@app/common';
import type { PushRuleDto } from './dto/push-rule.dto';
import { QuietHours, ruleSemanticProblems } from '@app/contracts';

/**
 * Rules that span fields or need configuration, after the DTO's per-field checks: the
 * shared rule validation plus the media host allow-list only the server knows.
 * Returns every problem, each naming the request field it belongs to.
 */
export function checkRuleSemantics(
  rule: PushRuleDto,
  allowedMediaHosts: readonly string[],
  quietHours: QuietHours | null = null,
): ErrorDetail[] {
  const refuseMediaUrl = (url: string) => {
    const check = checkPublicHttpUrl(url, allowedMediaHosts);
    return check.ok ? undefined : check.reason;
  };
  return ruleSemanticProblems(rule, { refuseMediaUrl, quietHours }).map(({ field, message }) => ({
    field,
    message,
  }));
}
