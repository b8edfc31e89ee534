import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Youzan's push messages (消息推送) as they reach a URL: a JSON body
 * `{client_id, kdt_id, id, type, status, msg, msg_id?, version, sign, test, mode, sendCount?}`
 * where `msg` is the message itself, URL-encoded JSON text (new-style refund messages send
 * it as an object). Headers `Event-Sign`, `Event-Type`, `Client-Id` come with it.
 */
export interface YouzanPushBody {
  client_id?: string;
  kdt_id?: number | string;
  root_kdt_id?: number | string;
  /** The business id: the order number for trade messages. */
  id?: string;
  type?: string;
  status?: string;
  msg?: string | Record<string, unknown>;
  msg_id?: string;
  version?: number;
  sign?: string;
  test?: boolean;
  mode?: number;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** `Event-Sign`: md5(client_id + the raw request body + client_secret), lower-case hex. */
export function youzanEventSign(clientId: string, rawBody: string, clientSecret: string): string {
  return md5(`${clientId}${rawBody}${clientSecret}`);
}

/** The body's `sign` of a trade message: md5(client_id + msg as sent + client_secret). */
export function youzanBodySign(clientId: string, msg: string, clientSecret: string): string {
  return md5(`${clientId}${msg}${clientSecret}`);
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.trim().toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

type PushVerdict =
  | { ok: true; body: YouzanPushBody }
  | { ok: false; reason: 'signature' | 'malformed'; field: string; message: string };

/**
 * Proves a push came from Youzan for this app. With an `Event-Sign` header (Youzan's current
 * protocol) the raw body is checked; without one, the body's `sign` over `msg` (the older
 * trade messages' own signature). Nothing else is trusted before this passes.
 */
export function verifyYouzanPush(
  rawBody: string,
  eventSign: string | undefined,
  credentials: { clientId: string; clientSecret: string },
): PushVerdict {
  const { clientId, clientSecret } = credentials;
  if (eventSign !== undefined && eventSign !== '') {
    if (!sameHex(youzanEventSign(clientId, rawBody, clientSecret), eventSign)) {
      return signatureRefused('Event-Sign');
    }
    return parseBody(rawBody);
  }
  const parsed = parseBody(rawBody);
  if (!parsed.ok) return signatureRefused('Event-Sign');
  const { sign, msg } = parsed.body;
  if (typeof sign !== 'string' || typeof msg !== 'string') return signatureRefused('sign');
  if (!sameHex(youzanBodySign(clientId, msg, clientSecret), sign)) return signatureRefused('sign');
  return parsed;
}

function signatureRefused(field: string): PushVerdict {
  return { ok: false, reason: 'signature', field, message: 'does not match this app' };
}

function parseBody(rawBody: string): PushVerdict {
  try {
    const body = JSON.parse(rawBody) as unknown;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      return { ok: true, body: body as YouzanPushBody };
    }
  } catch {
    // reported below
  }
  return { ok: false, reason: 'malformed', field: 'body', message: 'not a JSON object' };
}

/** The message inside a push: `msg` URL-decoded and parsed, or taken as the object it is. */
export function decodePushMsg(body: YouzanPushBody): Record<string, unknown> | undefined {
  const { msg } = body;
  if (msg === undefined || msg === null) return undefined;
  if (typeof msg === 'object') return msg;
  try {
    const text = msg.trim().startsWith('{') ? msg : decodeURIComponent(msg.replace(/\+/g, '%20'));
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The order number a trade or refund message is about: the body's `id` for trade messages,
 * else the message's `tid` (refund messages, and trade messages carrying `full_order_info`).
 */
export function pushedTid(body: YouzanPushBody, msg: Record<string, unknown> | undefined) {
  const fromMsg =
    (typeof msg?.tid === 'string' && msg.tid) ||
    ((msg?.full_order_info as { order_info?: { tid?: unknown } } | undefined)?.order_info?.tid as
      string | undefined);
  const tid = fromMsg || (typeof body.id === 'string' ? body.id : undefined);
  return tid && /^[A-Za-z0-9_-]{1,64}$/.test(tid) ? tid : undefined;
}

/** Messages about a trade or its refunds: `trade_*` and `youzan_trade_Refund*`. */
export function isTradeMessage(type: string | undefined): boolean {
  return (
    typeof type === 'string' && (type.startsWith('trade_') || type.startsWith('youzan_trade_'))
  );
}
