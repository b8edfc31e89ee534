import type { AudiencePreview } from '../api/types';

const num = (n: number) => n.toLocaleString('zh-CN');

/**
 * 预估人数's control line (issue 17): who is held out and not sent, beside `count` (who is
 * sent). The API counts a rule's own holdout only for a saved rule (its draw depends on the
 * rule id), so for the form's unsaved body it is null and the line says the share instead.
 * Undefined when nobody is held out and no holdout is set.
 */
export function describeControl(
  control: AudiencePreview['control'],
  holdoutPercent: number | null | undefined,
): string | undefined {
  const { holdout, global } = control;
  if (holdout !== null) {
    const total = holdout + global;
    if (total === 0) return undefined;
    const parts = [
      holdout > 0 ? `本推送对照组 ${num(holdout)}` : '',
      global > 0 ? `全局对照组 ${num(global)}` : '',
    ].filter(Boolean);
    return `另有对照组 ${num(total)} 人（不发送）：${parts.join('、')}`;
  }
  const share = holdoutPercent && holdoutPercent > 0 ? `本推送对照组约 ${holdoutPercent}%` : '';
  if (global === 0) return share ? `${share}（不发送），保存后按客户确定抽取` : undefined;
  const globalLine = `另有对照组 ${num(global)} 人（不发送）：全局对照组 ${num(global)}`;
  return share ? `${globalLine}；${share}，保存后按客户确定抽取` : globalLine;
}
