import { createHash } from 'node:crypto';
import {
  decodePushMsg,
  isTradeMessage,
  pushedTid,
  verifyYouzanPush,
  youzanBodySign,
  youzanEventSign,
} from './youzan-push-message';

const creds = { clientId: 'client-abc', clientSecret: 'secret-xyz' };
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

function message(extra: Record<string, unknown> = {}) {
  const msg = encodeURIComponent(
    JSON.stringify({ tid: 'E2024121512000001', update_time: '2024-12-15 12:00:00' }),
  );
  return {
    client_id: creds.clientId,
    kdt_id: 90001,
    id: 'E2024121512000001',
    type: 'trade_TradeClose',
    msg,
    ...extra,
  };
}

describe("Youzan's push signature", () => {
  it('Event-Sign is md5(client_id + raw body + client_secret)', () => {
    expect(youzanEventSign('a', '{"x":1}', 'b')).toBe(md5('a{"x":1}b'));
  });

  it("the body's sign is md5(client_id + msg + client_secret)", () => {
    expect(youzanBodySign('a', '%7B%7D', 'b')).toBe(md5('a%7B%7Db'));
  });

  it('accepts a body with its Event-Sign (case-insensitive hex)', () => {
    const raw = JSON.stringify(message());
    const sign = youzanEventSign(creds.clientId, raw, creds.clientSecret).toUpperCase();
    const v = verifyYouzanPush(raw, sign, creds);
    expect(v.ok && v.body.type).toBe('trade_TradeClose');
  });

  it.each([
    ['another secret', (raw: string) => youzanEventSign(creds.clientId, raw, 'other')],
    ['another client', (raw: string) => youzanEventSign('other', raw, creds.clientSecret)],
    [
      'a changed body',
      (raw: string) => youzanEventSign(creds.clientId, `${raw} `, creds.clientSecret),
    ],
    ['garbage', () => 'not-a-sign'],
  ])('refuses an Event-Sign made with %s', (_case, sign) => {
    const raw = JSON.stringify(message());
    expect(verifyYouzanPush(raw, sign(raw), creds)).toMatchObject({
      ok: false,
      reason: 'signature',
      field: 'Event-Sign',
    });
  });

  it("without Event-Sign, checks the body's sign over msg", () => {
    const body = message();
    const good = { ...body, sign: youzanBodySign(creds.clientId, body.msg, creds.clientSecret) };
    expect(verifyYouzanPush(JSON.stringify(good), undefined, creds).ok).toBe(true);
    const forged = { ...body, sign: youzanBodySign(creds.clientId, body.msg, 'guess') };
    expect(verifyYouzanPush(JSON.stringify(forged), undefined, creds)).toMatchObject({
      ok: false,
      field: 'sign',
    });
    expect(verifyYouzanPush(JSON.stringify(body), undefined, creds)).toMatchObject({
      ok: false,
      field: 'sign',
    });
  });

  it('a signed body that is not JSON is malformed, an unsigned one is refused', () => {
    const raw = 'not json';
    expect(
      verifyYouzanPush(raw, youzanEventSign(creds.clientId, raw, creds.clientSecret), creds),
    ).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyYouzanPush(raw, undefined, creds)).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });
});

describe('reading a push', () => {
  it('decodes a URL-encoded msg (spaces as + too) and takes an object msg as it is', () => {
    expect(decodePushMsg({ msg: encodeURIComponent('{"tid":"E1"}') })).toEqual({ tid: 'E1' });
    expect(decodePushMsg({ msg: '%7B%22a%22%3A%22x+y%22%7D' })).toEqual({ a: 'x y' });
    expect(decodePushMsg({ msg: { tid: 'E2' } })).toEqual({ tid: 'E2' });
    expect(decodePushMsg({ msg: '%7Bbroken' })).toBeUndefined();
  });

  it('finds the order number in msg.tid, full_order_info, or the body id', () => {
    expect(pushedTid({ id: 'E9' }, { tid: 'E1' })).toBe('E1');
    expect(pushedTid({}, { full_order_info: { order_info: { tid: 'E2' } } })).toBe('E2');
    expect(pushedTid({ id: 'E3' }, undefined)).toBe('E3');
    expect(pushedTid({ id: 'E3; DROP TABLE' }, undefined)).toBeUndefined();
  });

  it('acts on trade and refund messages only', () => {
    expect(isTradeMessage('trade_TradePaid')).toBe(true);
    expect(isTradeMessage('trade_refund_RefundSuccess')).toBe(true);
    expect(isTradeMessage('youzan_trade_RefundSuccess')).toBe(true);
    expect(isTradeMessage('SCRM_CUSTOMER_EVENT')).toBe(false);
    expect(isTradeMessage(undefined)).toBe(false);
  });
});
