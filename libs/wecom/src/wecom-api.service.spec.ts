import { ENDPOINTS } from './wecom-endpoints';
import { WecomApi } from './wecom-api.service';
import { WecomAmbiguousError, WecomConfigError, WecomRetryableError } from './wecom-errors';
import { WecomTokenService } from './wecom-token.service';
import { WecomTransport } from './wecom-transport.service';

describe('WecomApi: a failure to get the access token', () => {
  const setup = (tokens: Partial<WecomTokenService>, answers: { errcode: number }[] = []) => {
    const send = jest.fn(async () => answers.shift() ?? { errcode: 0, errmsg: 'ok' });
    const api = new WecomApi(tokens as WecomTokenService, { send } as unknown as WecomTransport);
    return { api, send };
  };
  const call = (api: WecomApi) => api.call(ENDPOINTS.addMsgTemplate, () => ({ data: {} }));

  it('from Redis (unreachable in a failover): retryable, and nothing was sent', async () => {
    const { api, send } = setup({
      getAccessToken: () => Promise.reject(new Error('Reached the max retries per request limit')),
    });
    const e = await call(api).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WecomRetryableError);
    expect((e as Error).message).toMatch(/the request was not sent/);
    expect(send).not.toHaveBeenCalled();
  });

  it('while replacing a refused token: retryable, the refused call only was sent', async () => {
    const { api, send } = setup(
      {
        getAccessToken: () => Promise.resolve('t1'),
        invalidate: () => Promise.reject(new Error('connect ECONNREFUSED')),
      },
      [{ errcode: 42001 }],
    );
    await expect(call(api)).rejects.toBeInstanceOf(WecomRetryableError);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('a gettoken that timed out: retryable for this call, whose request never left', async () => {
    const { api, send } = setup({
      getAccessToken: () =>
        Promise.reject(new WecomAmbiguousError('gettoken', null, 'timeout of 10000ms exceeded')),
    });
    const e = await call(api).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WecomRetryableError);
    expect((e as Error).message).toMatch(/timeout of 10000ms exceeded.*the request was not sent/);
    expect(send).not.toHaveBeenCalled();
  });

  it("WeCom's own answer to gettoken keeps its class (a wrong secret is not retried)", async () => {
    const refused = new WecomConfigError('gettoken', 40001, 'invalid credential');
    const { api } = setup({ getAccessToken: () => Promise.reject(refused) });
    await expect(call(api)).rejects.toBe(refused);
  });
});
