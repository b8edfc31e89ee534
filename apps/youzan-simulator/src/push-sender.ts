import { youzanBodySign, youzanEventSign } from '@app/youzan';
import { YouzanSimState } from './youzan-sim-state';

/** The trade and refund messages the simulator can push (Youzan's `type` / `Event-Type`). */
export const PUSH_TYPES = [
  'trade_TradeCreate',
  'trade_TradePaid',
  'trade_TradeBuyerPay',
  'trade_TradeSuccess',
  'trade_TradeClose',
  'trade_refund_RefundSuccess',
  'youzan_trade_RefundSuccess',
] as const;
export type PushType = (typeof PUSH_TYPES)[number];

interface PushRequest {
  tid: string;
  type: PushType;
  /** `header`: Event-Sign over the raw body (Youzan's current protocol); `body`: the body's sign over msg. */
  signing: 'header' | 'body';
  /** Sign with a wrong secret (a forged message). */
  forge: boolean;
}

export interface PushResult {
  status: number;
  answer: string;
  /** The raw body sent, and its headers. */
  body: string;
  headers: Record<string, string>;
}

/**
 * Youzan's side of the push messages: builds the message of a trade as Youzan sends it
 * (`msg` URL-encoded JSON; new-style refund messages carry it as an object), signs it with
 * the app's client id and secret and POSTs it to `pushUrl`.
 */
export async function sendPush(state: YouzanSimState, req: PushRequest): Promise<PushResult> {
  const { pushUrl, clientId, clientSecret, kdtId } = state.settings;
  if (!pushUrl) throw new Error('set pushUrl first (POST /__sim/settings or YZ_SIM_PUSH_URL)');
  const trade = state.book.get(req.tid);
  if (!trade) throw new Error(`no trade ${req.tid}`);
  const info = trade.full_order_info.order_info;
  const secret = req.forge ? `${clientSecret}-forged` : clientSecret;
  const newStyleRefund = req.type === 'youzan_trade_RefundSuccess';
  const message = newStyleRefund
    ? {
        tid: info.tid,
        refund_id: trade.refund_order?.at(-1)?.refund_id ?? '',
        refunded_fee: trade.refund_order?.at(-1)?.refund_fee ?? '0.00',
        version: Date.now(),
      }
    : req.type.startsWith('trade_refund_') ||
        req.type === 'trade_TradeClose' ||
        req.type === 'trade_TradeSuccess'
      ? { tid: info.tid, update_time: info.update_time }
      : { full_order_info: trade.full_order_info };
  const msg = newStyleRefund ? message : encodeURIComponent(JSON.stringify(message));
  const body = {
    client_id: clientId,
    kdt_id: Number(kdtId),
    kdt_name: '有赞模拟店',
    id: info.tid,
    type: req.type,
    status: info.status,
    msg,
    msg_id: `${info.tid}-${req.type}-${Date.now()}`,
    version: Math.floor(Date.now() / 1000),
    mode: 1,
    test: false,
    ...(req.signing === 'body' && typeof msg === 'string'
      ? { sign: youzanBodySign(clientId, msg, secret) }
      : {}),
  };
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'event-type': req.type,
    'client-id': clientId,
    ...(req.signing === 'header' ? { 'event-sign': youzanEventSign(clientId, raw, secret) } : {}),
  };
  const res = await fetch(pushUrl, { method: 'POST', headers, body: raw });
  return { status: res.status, answer: await res.text(), body: raw, headers };
}
