import { AddressInfo } from 'node:net';
import request from 'supertest';
import { youzanEventSign } from '@app/youzan';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { resetIngestTables, tableChecksums } from '../../../libs/ingest/test/ingest-harness';
import {
  startTestYouzanSimulator,
  YouzanSimulatorHarness,
} from '../../../test/utils/youzan-simulator';

/** Low, so that forged pushes spending the IP budget show, and verified ones not counting too. */
const THROTTLE_LIMIT = 12;

describe('Youzan push messages: /youzan/push (real api, MariaDB, Redis, Youzan simulator)', () => {
  let sim: YouzanSimulatorHarness;
  let api: ApiHarness;
  let http: ReturnType<typeof request>;

  const row = async (tid: string) =>
    (
      await api.db.query(
        'SELECT payment, refunded_fee, status FROM youzan_orders WHERE ingest_number = ?',
        [tid],
      )
    )[0] as { payment: string; refunded_fee: string | null; status: string } | undefined;

  beforeAll(async () => {
    sim = await startTestYouzanSimulator({ settings: { trades: 0 } });
    api = await startApiWith({ ...sim.env, THROTTLE_LIMIT: String(THROTTLE_LIMIT) });
    await api.app.listen(0, '127.0.0.1');
    const { port } = api.app.getHttpServer().address() as AddressInfo;
    await sim.setSettings({ pushUrl: `http://127.0.0.1:${port}/youzan/push` });
    http = request(api.app.getHttpServer());
    await resetIngestTables(api.db);
    await truncate(api.db, 'youzan_pull_state');
  });

  afterAll(async () => {
    await api?.close();
    await sim?.close();
  });

  it('a forged message (signed with another secret) is refused with 401 and writes nothing', async () => {
    const [tid] = await sim.create(1);
    const before = await tableChecksums(api.db);
    for (const signing of ['header', 'body'] as const) {
      const res = await sim.push({ tid, type: 'trade_TradePaid', signing, forge: true });
      expect(res.status).toBe(401);
      const answer = JSON.parse(res.answer);
      expect(answer.error.code).toBe('YOUZAN_SIGNATURE_INVALID');
      expect(answer.error.details[0].field).toBe(signing === 'header' ? 'Event-Sign' : 'sign');
    }
    expect(await tableChecksums(api.db)).toEqual(before);
    expect(await row(tid)).toBeUndefined();
    expect(await sim.requests('youzan.trade.get')).toBe(0);
  });

  it('an unsigned, a tampered and an unreadable body are refused, naming the field', async () => {
    const body = JSON.stringify({
      client_id: sim.env.YOUZAN_CLIENT_ID,
      type: 'trade_TradePaid',
      id: 'E1',
      msg: '%7B%7D',
    });
    const unsigned = await http
      .post('/youzan/push')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.details[0].field).toBe('sign');
    const sign = youzanEventSign(sim.env.YOUZAN_CLIENT_ID, body, sim.env.YOUZAN_CLIENT_SECRET);
    const tampered = await http
      .post('/youzan/push')
      .set('Content-Type', 'application/json')
      .set('Event-Sign', sign)
      .send(body.replace('E1', 'E2'));
    expect(tampered.status).toBe(401);
    expect(tampered.body.error.code).toBe('YOUZAN_SIGNATURE_INVALID');
    const garbage = 'not json at all';
    const unreadable = await http
      .post('/youzan/push')
      .set('Content-Type', 'text/plain')
      .set(
        'Event-Sign',
        youzanEventSign(sim.env.YOUZAN_CLIENT_ID, garbage, sim.env.YOUZAN_CLIENT_SECRET),
      )
      .send(garbage);
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.error).toMatchObject({
      code: 'YOUZAN_PUSH_MALFORMED',
      details: [{ field: 'body' }],
    });
  });

  it('a genuine message writes the order, answered {"code":0,"msg":"success"}; its re-send changes nothing', async () => {
    const [tid] = await sim.create(1);
    const res = await sim.push({ tid, type: 'trade_TradePaid' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.answer)).toEqual({ code: 0, msg: 'success' });
    const [view] = (await sim.orders()).filter((o) => o.tid === tid);
    const stored = await row(tid);
    expect(stored?.status).toBe('completed');
    expect(Number(stored?.payment).toFixed(2)).toBe(view.payment);
    const before = await tableChecksums(api.db);
    const again = await sim.push({ tid, type: 'trade_TradePaid', signing: 'body' });
    expect(JSON.parse(again.answer)).toEqual({ code: 0, msg: 'success' });
    expect(await tableChecksums(api.db)).toEqual(before);
  });

  it('a refund message makes the order refunded in full: it stops counting', async () => {
    const [tid] = await sim.create(1);
    await sim.push({ tid, type: 'trade_TradeBuyerPay' });
    expect((await row(tid))?.status).toBe('completed');
    await sim.change(tid, 'refund');
    for (const type of ['trade_refund_RefundSuccess', 'youzan_trade_RefundSuccess'] as const) {
      const res = await sim.push({ tid, type });
      expect(JSON.parse(res.answer)).toEqual({ code: 0, msg: 'success' });
    }
    const stored = await row(tid);
    expect(stored?.status).toBe('refunded');
    expect(Number(stored?.refunded_fee)).toBe(Number(stored?.payment));
  });

  it('a close message closes the order', async () => {
    const [tid] = await sim.create(1);
    await sim.push({ tid, type: 'trade_TradePaid' });
    await sim.change(tid, 'close');
    await sim.push({ tid, type: 'trade_TradeClose' });
    expect((await row(tid))?.status).toBe('closed');
  });

  it('messages that are not about trades are acknowledged and ignored', async () => {
    const body = JSON.stringify({
      client_id: sim.env.YOUZAN_CLIENT_ID,
      kdt_id: 1,
      type: 'SCRM_CUSTOMER_EVENT',
      msg: '%7B%7D',
    });
    const res = await http
      .post('/youzan/push')
      .set('Content-Type', 'application/json')
      .set(
        'Event-Sign',
        youzanEventSign(sim.env.YOUZAN_CLIENT_ID, body, sim.env.YOUZAN_CLIENT_SECRET),
      )
      .send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: 0, msg: 'success' });
  });

  it('verified pushes are not rate limited; forged ones spend the sender IP budget', async () => {
    const [tid] = await sim.create(1);
    const genuine = await Promise.all(
      Array.from({ length: THROTTLE_LIMIT + 5 }, () => sim.push({ tid, type: 'trade_TradePaid' })),
    );
    expect(genuine.map((r) => r.status)).toEqual(genuine.map(() => 200));
    const statuses: number[] = [];
    for (let i = 0; i < THROTTLE_LIMIT + 2; i++) {
      statuses.push((await sim.push({ tid, type: 'trade_TradePaid', forge: true })).status);
    }
    expect(statuses).toContain(429);
  });
});
