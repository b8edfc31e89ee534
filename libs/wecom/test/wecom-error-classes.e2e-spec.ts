import { createServer } from 'node:net';
import { WecomAmbiguousError, WecomError, WecomFatalError, WecomRetryableError } from '@app/wecom';
import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { startWecomContext, WecomContext } from './wecom-test-context';

const SEND = 'externalcontact/add_msg_template';

async function failure(p: Promise<unknown>): Promise<WecomError> {
  try {
    await p;
  } catch (e) {
    return e as WecomError;
  }
  throw new Error('expected the call to fail');
}

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Each error class the pipeline decides on, produced by the matching injected fault. */
describe('WeCom error classes (faults injected by the simulator)', () => {
  let sim: SimulatorHarness;
  let ctx: WecomContext;
  let n = 0;

  const send = () =>
    ctx.client.addMsgTemplate({ externalUserIds: [`wm-err-${n++}`], text: 'hello' });

  beforeAll(async () => {
    sim = await startTestSimulator();
    ctx = await startWecomContext({ ...sim.env, WECOM_TIMEOUT_MS: '300' });
    await send(); // token in cache, so faults hit the call under test
  });

  afterEach(() => sim.setFaults({}));

  afterAll(async () => {
    await ctx?.close();
    await sim?.close();
  });

  it.each([
    ['an HTTP 5xx without a body', { http5xxRate: 1 }, null, 1_000],
    ['-1 system busy', { busyRate: 1 }, -1, 1_000],
    ['45009 frequency limit', { rateLimitRate: 1 }, 45009, 60_000],
  ])('%s is retryable with its back-off, and nothing was sent', async (_, fault, errcode, wait) => {
    const ledger = (await sim.messages()).length;
    await sim.setFaults({ ...fault, endpoints: [SEND] });
    const e = await failure(send());
    expect(e).toBeInstanceOf(WecomRetryableError);
    expect(e.errcode).toBe(errcode);
    expect(e.endpoint).toBe(SEND);
    expect((e as WecomRetryableError).retryAfterMs).toBe(wait);
    expect(await sim.messages()).toHaveLength(ledger);
  });

  it.each([
    ['a timeout after WeCom accepted the message', { timeoutAfterAcceptRate: 1, holdMs: 3000 }],
    ['a connection reset after WeCom accepted it', { resetAfterAcceptRate: 1 }],
  ])('%s is ambiguous: WeCom did create the task', async (_, fault) => {
    const ledger = (await sim.messages()).length;
    await sim.setFaults({ ...fault, endpoints: [SEND] });
    const e = await failure(send());
    expect(e).toBeInstanceOf(WecomAmbiguousError);
    expect(e.errcode).toBeNull();
    expect(await sim.messages()).toHaveLength(ledger + 1);
  });

  it('the same timeout on a read-only call is retryable (repeating it is harmless)', async () => {
    const { msgid } = await send();
    await sim.setFaults({ timeoutAfterAcceptRate: 1, holdMs: 3000 });
    const e = await failure(ctx.client.getGroupMsgTask(msgid).next());
    expect(e).toBeInstanceOf(WecomRetryableError);
    expect(e.endpoint).toBe('externalcontact/get_groupmsg_task');
  });

  it('an invalid media id is fatal, with WeCom’s errcode', async () => {
    const e = await failure(
      ctx.client.addMsgTemplate({
        externalUserIds: ['wm-1'],
        attachments: [{ msgtype: 'image', image: { media_id: 'no-such-media' } }],
      }),
    );
    expect(e).toBeInstanceOf(WecomFatalError);
    expect(e.errcode).toBe(40007);
  });

  it.each([
    [
      '10,001 recipients',
      { externalUserIds: Array.from({ length: 10001 }, (_, i) => `wm${i}`), text: 'x' },
      40058,
    ],
    ['4001 bytes of text', { externalUserIds: ['wm'], text: '好'.repeat(1333) + 'ab' }, 40058],
    [
      '10 attachments',
      {
        externalUserIds: ['wm'],
        attachments: Array.from({ length: 10 }, () => ({
          msgtype: 'image' as const,
          image: { media_id: 'm' },
        })),
      },
      41064,
    ],
  ])('%s are refused before calling WeCom', async (_, input, errcode) => {
    const before = await sim.requests(SEND);
    const e = await failure(ctx.client.addMsgTemplate(input));
    expect(e).toBeInstanceOf(WecomFatalError);
    expect(e.errcode).toBe(errcode);
    expect(await sim.requests(SEND)).toBe(before);
  });

  it('no error carries the access token', async () => {
    const token = await ctx.redis.get(ctx.tokens.cacheKey);
    expect(token).toBeTruthy();
    const errors: WecomError[] = [];
    for (const fault of [{ busyRate: 1 }, { http5xxRate: 1 }, { resetAfterAcceptRate: 1 }]) {
      await sim.setFaults({ ...fault, endpoints: [SEND] });
      errors.push(await failure(send()));
    }
    await sim.setFaults({});
    errors.push(await failure(ctx.client.getGroupMsgTask('unknown-msgid').next()));
    for (const e of errors) {
      expect(`${e.message} ${JSON.stringify(e)} ${String(e.stack)}`).not.toContain(token as string);
    }
  });
});

describe('WeCom unreachable', () => {
  let refused: WecomContext;
  let unresolvable: WecomContext;
  let sim: SimulatorHarness;

  beforeAll(async () => {
    sim = await startTestSimulator();
    const port = await closedPort();
    refused = await startWecomContext({ ...sim.env, WECOM_API_BASE: `http://127.0.0.1:${port}` });
    unresolvable = await startWecomContext({
      ...sim.env,
      WECOM_API_BASE: 'http://qyapi.wecom-test.invalid',
    });
  });

  afterAll(async () => {
    await refused?.close();
    await unresolvable?.close();
    await sim?.close();
  });

  it.each([
    ['connection refused', () => refused, 'ECONNREFUSED'],
    ['a DNS failure', () => unresolvable, 'ENOTFOUND'],
  ])('%s before the request left is retryable', async (_, ctx, code) => {
    const e = await failure(
      ctx().client.addMsgTemplate({ externalUserIds: ['wm-1'], text: 'hello' }),
    );
    expect(e).toBeInstanceOf(WecomRetryableError);
    expect(e.endpoint).toBe('gettoken');
    expect(e.errmsg).toContain(code);
    expect(e.errmsg).not.toContain(sim.env.WECOM_CORP_SECRET);
  });
});
