import { WecomAnswer, wecomError } from './wecom-errcodes';

/** WeCom's limits on add_msg_template (see docs/WECOM.md); lengths are UTF-8 bytes. */
const ADD_MSG_TEMPLATE_LIMITS = {
  recipients: 10000,
  textBytes: 4000,
  attachments: 9,
  miniProgramTitleBytes: 64,
  linkTitleBytes: 128,
  linkDescBytes: 512,
  urlBytes: 2048,
} as const;

interface AddMsgTemplateContext {
  isMediaValid(mediaId: unknown, type: string): boolean;
  isKnownSender(userid: string): boolean;
  /** Linked mini-program appids; empty accepts any. */
  miniProgramAppIds: readonly string[];
}

interface AcceptedTemplate {
  sender?: string;
  externalUserIds: string[];
  text?: { content: string };
  attachments: unknown[];
}

type CheckedTemplate = { ok: true; value: AcceptedTemplate } | { ok: false; answer: WecomAnswer };

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

class Rejected extends Error {
  constructor(readonly answer: WecomAnswer) {
    super(answer.errmsg);
  }
}

function reject(errcode: number, detail: string): never {
  throw new Rejected(wecomError(errcode, detail));
}

function requireText(obj: Record<string, unknown>, field: string, maxBytes: number, at: string) {
  const v = obj[field];
  if (!isText(v)) reject(40058, `${at}.${field} is required`);
  if (bytes(v) > maxBytes) reject(40058, `${at}.${field} exceeds ${maxBytes} bytes`);
}

function checkAttachment(a: unknown, i: number, ctx: AddMsgTemplateContext): void {
  const at = `attachments[${i}]`;
  if (!isObject(a) || typeof a.msgtype !== 'string') reject(41065, `${at}.msgtype`);
  const type = a.msgtype as string;
  if (!['image', 'link', 'miniprogram', 'video', 'file'].includes(type)) {
    reject(41065, `${at}.msgtype ${type}`);
  }
  const body = a[type];
  if (!isObject(body)) reject(40058, `${at}.${type} is required for msgtype ${type}`);
  switch (type) {
    case 'image':
      if (body.media_id !== undefined) {
        if (!ctx.isMediaValid(body.media_id, 'image')) reject(40007, `${at}.image.media_id`);
      } else if (!isText(body.pic_url)) {
        reject(40058, `${at}.image needs media_id or pic_url`);
      }
      return;
    case 'link':
      requireText(body, 'title', ADD_MSG_TEMPLATE_LIMITS.linkTitleBytes, `${at}.link`);
      requireText(body, 'url', ADD_MSG_TEMPLATE_LIMITS.urlBytes, `${at}.link`);
      return;
    case 'miniprogram': {
      requireText(
        body,
        'title',
        ADD_MSG_TEMPLATE_LIMITS.miniProgramTitleBytes,
        `${at}.miniprogram`,
      );
      requireText(body, 'appid', 64, `${at}.miniprogram`);
      requireText(body, 'page', ADD_MSG_TEMPLATE_LIMITS.urlBytes, `${at}.miniprogram`);
      if (!ctx.isMediaValid(body.pic_media_id, 'image')) {
        reject(40007, `${at}.miniprogram.pic_media_id`);
      }
      const appids = ctx.miniProgramAppIds;
      if (appids.length > 0 && !appids.includes(body.appid as string)) {
        reject(90207, `${at}.miniprogram.appid`);
      }
      return;
    }
    default:
      if (!ctx.isMediaValid(body.media_id, type)) reject(40007, `${at}.${type}.media_id`);
  }
}

function check(body: unknown, ctx: AddMsgTemplateContext): AcceptedTemplate {
  if (!isObject(body)) reject(40058, 'body must be a JSON object');
  const chatType = body.chat_type ?? 'single';
  if (chatType !== 'single') reject(40058, `chat_type ${String(chatType)} is not simulated`);

  const ids = body.external_userid;
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every(isText))) {
    reject(40058, 'external_userid must be a list of ids');
  }
  const externalUserIds = (ids ?? []) as string[];
  if (externalUserIds.length > ADD_MSG_TEMPLATE_LIMITS.recipients) {
    reject(40058, `external_userid exceeds ${ADD_MSG_TEMPLATE_LIMITS.recipients}`);
  }
  if (externalUserIds.length === 0) reject(40058, 'external_userid is required by the simulator');

  const sender = body.sender;
  if (sender !== undefined && (!isText(sender) || !ctx.isKnownSender(sender))) {
    reject(40003, 'sender');
  }

  let text: { content: string } | undefined;
  if (body.text !== undefined) {
    if (!isObject(body.text) || typeof body.text.content !== 'string') {
      reject(40058, 'text.content');
    }
    if (bytes(body.text.content) > ADD_MSG_TEMPLATE_LIMITS.textBytes) {
      reject(40058, `text.content exceeds ${ADD_MSG_TEMPLATE_LIMITS.textBytes} bytes`);
    }
    text = { content: body.text.content };
  }

  const attachments = body.attachments ?? [];
  if (!Array.isArray(attachments)) reject(40058, 'attachments must be a list');
  if (attachments.length > ADD_MSG_TEMPLATE_LIMITS.attachments) {
    reject(41064, `at most ${ADD_MSG_TEMPLATE_LIMITS.attachments} attachments`);
  }
  attachments.forEach((a, i) => checkAttachment(a, i, ctx));
  if (!text?.content && attachments.length === 0) {
    reject(40058, 'text and attachments are both empty');
  }
  return { sender: sender as string | undefined, externalUserIds, text, attachments };
}

/** add_msg_template's request validation, in WeCom's errcodes. */
export function checkAddMsgTemplate(body: unknown, ctx: AddMsgTemplateContext): CheckedTemplate {
  try {
    return { ok: true, value: check(body, ctx) };
  } catch (e) {
    if (e instanceof Rejected) return { ok: false, answer: e.answer };
    throw e;
  }
}
