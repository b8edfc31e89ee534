import { WecomConfigError } from '@app/wecom';
import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { startWecomContext, WecomContext } from './wecom-test-context';

/** Access token (SPEC §6): one token per deployment, one refresh at a time, one replay. */
describe('WeCom access token (two client instances, real Redis, simulator over HTTP)', () => {
  let sim: SimulatorHarness;
  let a: WecomContext;
  let b: WecomContext;

  const send = (ctx: WecomContext, i: number) =>
    ctx.client.addMsgTemplate({ externalUserIds: [`wm-token-${i}`], text: `hello ${i}` });

  /** 50 calls, alternating between the two instances, all at once. */
  const fifty = () => Promise.all(Array.from({ length: 50 }, (_, i) => send(i % 2 ? a : b, i)));

  beforeAll(async () => {
    sim = await startTestSimulator({ behaviour: { tokenTtlSeconds: 7200 } });
    const env = { ...sim.env, WECOM_TOKEN_MARGIN_SECONDS: '300' };
    a = await startWecomContext(env);
    b = await startWecomContext(env);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sim?.close();
  });

  it('50 concurrent calls from two instances fetch one token', async () => {
    const answers = await fifty();
    expect(answers.every((x) => x.errcode === 0 && x.msgid.startsWith('msg'))).toBe(true);
    expect(await sim.requests('gettoken')).toBe(1);
    expect(await sim.messages()).toHaveLength(50);
  });

  it('caches the token for WeCom’s lifetime minus the margin', async () => {
    const ttl = await a.redis.pttl(a.tokens.cacheKey);
    expect(ttl).toBeGreaterThan((7200 - 300) * 1000 - 60_000);
    expect(ttl).toBeLessThanOrEqual((7200 - 300) * 1000);
    expect(a.tokens.cacheKey.startsWith(`${a.config.REDIS_KEY_PREFIX}:wecom:token:`)).toBe(true);
    expect(a.tokens.cacheKey).not.toContain(sim.env.WECOM_CORP_SECRET);
  });

  it('when the cached token expires, the next 50 calls refresh it exactly once', async () => {
    await sim.revokeTokens(42001); // WeCom stops accepting the token...
    await a.redis.del(a.tokens.cacheKey); // ...and our cached copy ran out at the same time
    const before = await sim.requests('gettoken');
    await fifty();
    expect((await sim.requests('gettoken')) - before).toBe(1);
    const stats = await sim.stats();
    expect(stats.outcomes['externalcontact/add_msg_template']['42001']).toBeUndefined();
  });

  it('a token WeCom expired early (42001) is refreshed once and each call replayed once', async () => {
    const before = await sim.stats();
    const ledgerBefore = (await sim.messages()).length;
    await sim.revokeTokens(42001);
    const answers = await fifty();
    expect(answers.every((x) => x.errcode === 0)).toBe(true);
    const after = await sim.stats();
    expect(after.requests.gettoken - before.requests.gettoken).toBe(1);
    // Every call was refused once, then accepted once: 100 requests, 50 messages.
    const sent = 'externalcontact/add_msg_template';
    expect(after.requests[sent] - before.requests[sent]).toBe(100);
    expect(after.outcomes[sent]['42001']).toBe(50);
    expect((await sim.messages()).length - ledgerBefore).toBe(50);
  });

  it('a 40014 in the middle of a run recovers with one replay', async () => {
    const before = await sim.stats();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      if (i === 5) await sim.revokeTokens(40014);
      ids.push((await send(i % 2 ? a : b, 1000 + i)).msgid);
    }
    const after = await sim.stats();
    const sent = 'externalcontact/add_msg_template';
    expect(after.outcomes[sent]['40014'] ?? 0).toBe(1);
    expect(after.requests[sent] - before.requests[sent]).toBe(11);
    expect(after.requests.gettoken - before.requests.gettoken).toBe(1);
    expect(new Set(ids).size).toBe(10);
  });
});

describe('WeCom access token with a wrong secret', () => {
  let sim: SimulatorHarness;
  let ctx: WecomContext;

  beforeAll(async () => {
    sim = await startTestSimulator();
    ctx = await startWecomContext({ ...sim.env, WECOM_CORP_SECRET: 'not-the-secret-42' });
  });

  afterAll(async () => {
    await ctx?.close();
    await sim?.close();
  });

  it('is a configuration error: logged clearly, not retried, the secret in no error or log', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        ctx.client.addMsgTemplate({ externalUserIds: [`wm-${i}`], text: 'x' }),
      ),
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as WecomConfigError;
      expect(e).toBeInstanceOf(WecomConfigError);
      expect(e.errcode).toBe(40001);
      expect(e.endpoint).toBe('gettoken');
      expect(`${e.message} ${JSON.stringify(e)}`).not.toContain('not-the-secret-42');
    }
    // A second attempt a moment later does not ask WeCom again either (IP-ban protection).
    await expect(
      ctx.client.addMsgTemplate({ externalUserIds: ['wm-x'], text: 'x' }),
    ).rejects.toBeInstanceOf(WecomConfigError);
    expect(await sim.requests('gettoken')).toBe(1);
    expect(await sim.messages()).toHaveLength(0);
    const errors = ctx.logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/errcode 40001.*WECOM_CORP_SECRET/);
    expect(ctx.logger.lines.some((l) => l.message.includes('not-the-secret-42'))).toBe(false);
  });
});
