import { RULE_LIMITS, utf8Bytes } from '@app/contracts';
import { AddMsgTemplateInput, WecomAttachment } from './wecom.types';

/** WeCom's documented limits (docs/WECOM.md); text lengths are UTF-8 bytes. */
export const WECOM_LIMITS = {
  maxRecipients: 10_000,
  // The content limits a rule is validated against, so a rule that passes is one WeCom takes.
  maxTextBytes: RULE_LIMITS.textMaxBytes,
  maxAttachments: 9,
  maxMiniProgramTitleBytes: RULE_LIMITS.miniProgramTitleMaxBytes,
  maxImageBytes: 10 * 1024 * 1024,
  /** WeCom refuses files of 5 bytes or less. */
  minMediaBytes: 6,
} as const;

interface LimitViolation {
  /** What WeCom would answer for the same request. */
  errcode: number;
  errmsg: string;
}

export function miniProgramTitleViolation(title: string): LimitViolation | null {
  if (title.trim() === '') return { errcode: 40058, errmsg: 'mini-program title is empty' };
  const n = utf8Bytes(title);
  return n > WECOM_LIMITS.maxMiniProgramTitleBytes
    ? {
        errcode: 40058,
        errmsg: `mini-program title is ${n} bytes, at most ${WECOM_LIMITS.maxMiniProgramTitleBytes}`,
      }
    : null;
}

function attachmentViolation(a: WecomAttachment): LimitViolation | null {
  return a.msgtype === 'miniprogram' ? miniProgramTitleViolation(a.miniprogram.title) : null;
}

/** Checked before calling add_msg_template, so a request WeCom would refuse is never sent. */
export function addMsgTemplateViolation(input: AddMsgTemplateInput): LimitViolation | null {
  const ids = input.externalUserIds.length;
  if (ids === 0) return { errcode: 40058, errmsg: 'no external_userid' };
  if (ids > WECOM_LIMITS.maxRecipients) {
    return {
      errcode: 40058,
      errmsg: `${ids} external_userid, at most ${WECOM_LIMITS.maxRecipients} per call`,
    };
  }
  const textBytes = utf8Bytes(input.text ?? '');
  if (textBytes > WECOM_LIMITS.maxTextBytes) {
    return {
      errcode: 40058,
      errmsg: `text is ${textBytes} bytes, at most ${WECOM_LIMITS.maxTextBytes}`,
    };
  }
  const attachments = input.attachments ?? [];
  if (attachments.length > WECOM_LIMITS.maxAttachments) {
    return {
      errcode: 41064,
      errmsg: `${attachments.length} attachments, at most ${WECOM_LIMITS.maxAttachments}`,
    };
  }
  if (textBytes === 0 && attachments.length === 0) {
    return { errcode: 40058, errmsg: 'neither text nor attachments' };
  }
  for (const a of attachments) {
    const v = attachmentViolation(a);
    if (v) return v;
  }
  return null;
}
