import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { toCallbackXml, WecomCallbackCrypto } from '@app/wecom';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { eventually } from '../../../test/utils/pipeline';
import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { deleteRedisKeys } from '../../admin/test/utils/browser';
import { WorkerModule } from '../../worker/src/worker.module';

const TOKEN = 'cbT0ken4Test';
const AES_KEY = 'Zx81qLmN0pQrStUvWxYz23456789abcdefghijKLMNO';
/** Low, so that counting 2,000 callbacks (or a few forged ones) against it would show. */
const THROTTLE_LIMIT = 25;

interface EventRow {
  id: number;
  event: string;
  change_type: string;
  payload: string | Record<string, string>;
  processed_at: Date | null;
  kind: string | null;
  error: string | null;
}

describe('WeCom change callbacks: /wecom/callback (real api and worker, MariaDB, Redis, simulator)', () => {
  const prefix = `${process.env.REDIS_KEY_PREFIX}_cb`;
  let sim: SimulatorHarness;
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let http: ReturnType<typeof request>;
  let wecom: WecomCallbackCrypto;
  let corpId: string;

  const rows = async (): Promise<EventRow[]> =>
    api.db.query(
      'SELECT id, event, change_type, payload, processed_at, kind, error FROM wecom_callback_events ORDER BY id',
    );
  const payloadOf = (r: EventRow) =>
    typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, string>) : r.payload;
  const now = () => String(Math.floor(Date.now() / 1000));

  /** A POST as WeCom would send it, sealed with `crypto` (default: the corp's settings). */
  function post(
    fields: Record<string, string | number>,
    opts: {
      crypto?: WecomCallbackCrypto;
      timestamp?: string;
      tamper?: (q: URLSearchParams) => void;
    } = {},
  ) {
    const sealed = (opts.crypto ?? wecom).seal(toCallbackXml(fields), {
      timestamp: opts.timestamp ?? now(),
      nonce: String(Math.floor(Math.random() * 1e9)),
    });
    const q = new URLSearchParams({
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
    });
    opts.tamper?.(q);
    return http
      .post(`/wecom/callback?${q}`)
      .set('Content-Type', 'text/xml')
      .send(toCallbackXml({ ToUserName: corpId, Encrypt: sealed.encrypted, AgentID: '' }));
  }

  const delFollowUser = (externalUserId: string) => ({
    ToUserName: corpId,
    FromUserName: 'sys',
    CreateTime: Number(now()),
    MsgType: 'event',
    Event: 'change_external_contact',
    ChangeType: 'del_follow_user',
    UserID: 'zhangsan',
    ExternalUserID: externalUserId,
  });

  beforeAll(async () => {
    sim = await startTestSimulator({
      behaviour: { callbackToken: TOKEN, callbackAesKey: AES_KEY },
    });
    corpId = sim.behaviour.corpId;
    wecom = new WecomCallbackCrypto(TOKEN, AES_KEY, corpId);
    const env = {
      ...sim.env,
      REDIS_KEY_PREFIX: prefix,
      WECOM_CALLBACK_TOKEN: TOKEN,
      WECOM_CALLBACK_AES_KEY: AES_KEY,
      THROTTLE_LIMIT: String(THROTTLE_LIMIT),
      SCHEDULER_ENABLED: 'false',
    };
    api = await startApiWith(env);
    await api.app.listen(0, '127.0.0.1');
    http = request(api.app.getHttpServer());
    const port = (api.app.getHttpServer().address() as { port: number }).port;
    await sim.setBehaviour({ callbackUrl: `http://127.0.0.1:${port}/wecom/callback` });
    await truncate(api.db, 'wecom_callback_events');
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const ref = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
      ref.useLogger(false);
      worker = await ref.init();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sim?.close();
    await deleteRedisKeys(prefix);
  });

  it("answers WeCom's URL check with the decrypted echostr as text", async () => {
    const sealed = wecom.seal('1288432023552776189', { timestamp: now(), nonce: '47744683' });
    const res = await http.get('/wecom/callback').query({
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      echostr: sealed.encrypted,
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('1288432023552776189');
  });

  it('stores a valid event once, answers success, and the worker processes it', async () => {
    const res = await post(delFollowUser('wmOnce'));
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
    const [row] = await eventually(
      async () => {
        const all = (await rows()).filter((r) => payloadOf(r).ExternalUserID === 'wmOnce');
        return all.length === 1 && all[0].processed_at !== null ? all : undefined;
      },
      20_000,
      'the event processed',
    );
    expect(row).toMatchObject({
      event: 'change_external_contact',
      change_type: 'del_follow_user',
      kind: 'contact.del_follow_user',
      error: null,
    });
    expect(payloadOf(row)).toEqual(
      expect.objectContaining({ UserID: 'zhangsan', ExternalUserID: 'wmOnce', MsgType: 'event' }),
    );
  });

  it("acknowledges WeCom's retry of an event and stores it once, changing nothing", async () => {
    const event = delFollowUser('wmRetried');
    expect((await post(event)).text).toBe('success');
    const first = await eventually(
      async () => {
        const r = (await rows()).find((x) => payloadOf(x).ExternalUserID === 'wmRetried');
        return r?.processed_at ? r : undefined;
      },
      20_000,
      'the first delivery processed',
    );
    // The retry: the same event, encrypted again under a new nonce and timestamp.
    const retry = await post(event);
    expect(retry.status).toBe(200);
    expect(retry.text).toBe('success');
    const after = (await rows()).filter((x) => payloadOf(x).ExternalUserID === 'wmRetried');
    expect(after).toEqual([first]);
  });

  it('records an event it cannot use (unknown change) as processed with the reason', async () => {
    expect((await post({ ...delFollowUser('wmOdd'), ChangeType: 'upgrade_contact' })).text).toBe(
      'success',
    );
    const row = await eventually(
      async () => {
        const r = (await rows()).find((x) => payloadOf(x).ExternalUserID === 'wmOdd');
        return r?.processed_at ? r : undefined;
      },
      20_000,
      'the odd event processed',
    );
    expect(row).toMatchObject({
      kind: null,
      error: expect.stringMatching(/unsupported ChangeType/),
    });
  });

  describe('refuses what WeCom did not send, stores nothing, and names the problem', () => {
    const forgedCorp = () => new WecomCallbackCrypto(TOKEN, AES_KEY, 'ww-someone-else');
    const forgedToken = () => new WecomCallbackCrypto('notTheToken', AES_KEY, corpId);

    it.each<[string, () => request.Test, number, string, string]>([
      [
        'a forged signature',
        () =>
          post(delFollowUser('wmF1'), { tamper: (q) => q.set('msg_signature', 'f'.repeat(40)) }),
        401,
        'CALLBACK_SIGNATURE_INVALID',
        'msg_signature',
      ],
      [
        'a signature made with another token',
        () => post(delFollowUser('wmF2'), { crypto: forgedToken() }),
        401,
        'CALLBACK_SIGNATURE_INVALID',
        'msg_signature',
      ],
      [
        'a timestamp 6 minutes old',
        () => post(delFollowUser('wmF3'), { timestamp: String(Number(now()) - 360) }),
        400,
        'CALLBACK_TIMESTAMP_STALE',
        'timestamp',
      ],
      [
        'a timestamp 6 minutes ahead',
        () => post(delFollowUser('wmF4'), { timestamp: String(Number(now()) + 360) }),
        400,
        'CALLBACK_TIMESTAMP_STALE',
        'timestamp',
      ],
      [
        'an event encrypted for another corp',
        () => post(delFollowUser('wmF5'), { crypto: forgedCorp() }),
        403,
        'CALLBACK_WRONG_CORP',
        'receiveid',
      ],
      [
        'a body that is not XML',
        () =>
          http
            .post(`/wecom/callback?msg_signature=${'a'.repeat(40)}&timestamp=${now()}&nonce=1`)
            .set('Content-Type', 'text/xml')
            .send('Encrypt=abc'),
        400,
        'CALLBACK_MALFORMED',
        'body',
      ],
      [
        'a JSON body',
        () =>
          http
            .post(`/wecom/callback?msg_signature=${'a'.repeat(40)}&timestamp=${now()}&nonce=1`)
            .set('Content-Type', 'application/json')
            .send('{"Encrypt":"abc"}'),
        400,
        'CALLBACK_MALFORMED',
        'body',
      ],
      [
        'XML without Encrypt',
        () =>
          http
            .post(`/wecom/callback?msg_signature=${'a'.repeat(40)}&timestamp=${now()}&nonce=1`)
            .set('Content-Type', 'text/xml')
            .send('<xml><ToUserName>x</ToUserName></xml>'),
        400,
        'CALLBACK_MALFORMED',
        'Encrypt',
      ],
      [
        'no msg_signature',
        () => post(delFollowUser('wmF6'), { tamper: (q) => q.delete('msg_signature') }),
        400,
        'CALLBACK_MALFORMED',
        'msg_signature',
      ],
      [
        'a validly signed message that is not XML',
        () => {
          const sealed = wecom.seal('not xml at all', { timestamp: now(), nonce: '7' });
          return http
            .post(
              `/wecom/callback?msg_signature=${sealed.msgSignature}&timestamp=${sealed.timestamp}&nonce=7`,
            )
            .set('Content-Type', 'text/xml')
            .send(toCallbackXml({ ToUserName: corpId, Encrypt: sealed.encrypted }));
        },
        400,
        'CALLBACK_MALFORMED',
        'Encrypt',
      ],
      [
        'a URL check with a forged signature',
        () =>
          http.get('/wecom/callback').query({
            msg_signature: 'b'.repeat(40),
            timestamp: now(),
            nonce: '1',
            echostr: wecom.encrypt('x'),
          }),
        401,
        'CALLBACK_SIGNATURE_INVALID',
        'msg_signature',
      ],
    ])('%s', async (_what, send, status, code, field) => {
      const before = await rows();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({
        success: false,
        error: { code, details: [expect.objectContaining({ field })] },
      });
      expect(await rows()).toEqual(before);
    });

    it('keeps the JSON-only rule on every other route (XML → 415)', async () => {
      const res = await http
        .post('/wechatpush/lists')
        .set('Content-Type', 'application/xml')
        .send('<a/>');
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  it('lets a burst of 2,000 signed events from the simulator through (not rate-limited), with retries and shuffled, each stored once and processed', async () => {
    const before = (await rows()).length;
    const report = await sim.sendCallbacks({
      count: 2000,
      duplicates: 300,
      shuffle: true,
      concurrency: 50,
    });
    expect(report.statuses).toEqual({ '200': 2300 });
    expect(report.success).toBe(2300);
    const sent = new Set(report.events.map((e) => String(e.ExternalUserID ?? e.Id)));
    const stored = await eventually(
      async () => {
        const all = (await rows()).slice(before);
        return all.length === 2000 && all.every((r) => r.processed_at !== null) ? all : undefined;
      },
      170_000,
      '2,000 events stored and processed',
    );
    expect(new Set(stored.map((r) => payloadOf(r).ExternalUserID ?? payloadOf(r).Id))).toEqual(
      sent,
    );
    expect(stored.filter((r) => r.error !== null)).toEqual([]);
    const kinds = stored.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [String(r.kind)]: (acc[String(r.kind)] ?? 0) + 1 }),
      {},
    );
    expect(kinds).toEqual({
      'contact.add_external_contact': 667,
      'contact.del_follow_user': 667,
      'tag.update': 666,
    });
    // Each event is applied (customers, follow relations, tags) since the contact sync: a
    // loaded machine needs more than the default minute; the speed is bench:contacts' concern.
  }, 180_000);

  it('counts unverified requests against the per-IP budget: 429 once it is spent, while signed callbacks still pass', async () => {
    let limited: request.Response | undefined;
    for (let i = 0; i < THROTTLE_LIMIT + 5 && !limited; i++) {
      const res = await post(delFollowUser(`wmFlood${i}`), {
        tamper: (q) => q.set('msg_signature', '0'.repeat(40)),
      });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(401);
    }
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    const signed = await post(delFollowUser('wmAfterFlood'));
    expect(signed.status).toBe(200);
    expect(signed.text).toBe('success');
  });
});

describe('/wecom/callback without WECOM_CALLBACK_TOKEN / WECOM_CALLBACK_AES_KEY', () => {
  it('answers 503 CALLBACK_NOT_CONFIGURED and stores nothing', async () => {
    const api = await startApiWith({ WECOM_CALLBACK_TOKEN: '', WECOM_CALLBACK_AES_KEY: '' });
    try {
      const before = await api.db.query('SELECT COUNT(*) AS n FROM wecom_callback_events');
      const http = request(api.app.getHttpServer());
      for (const res of [
        await http
          .get('/wecom/callback')
          .query({ msg_signature: 'a'.repeat(40), timestamp: '1', nonce: '1', echostr: 'abcd' }),
        await http
          .post('/wecom/callback?msg_signature=x&timestamp=1&nonce=1')
          .set('Content-Type', 'text/xml')
          .send('<xml><Encrypt>abcd</Encrypt></xml>'),
      ]) {
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('CALLBACK_NOT_CONFIGURED');
      }
      expect(await api.db.query('SELECT COUNT(*) AS n FROM wecom_callback_events')).toEqual(before);
    } finally {
      await api.close();
    }
  });
});
