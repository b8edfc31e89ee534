import { ApiError, createApiClient } from './api-client';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(status: number, body: unknown) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  };
  return { calls, fetch };
}

describe('api client', () => {
  it('POSTs JSON with the bearer token and unwraps data', async () => {
    const f = fakeFetch(200, { success: true, data: { runId: 5 } });
    const api = createApiClient({ token: () => 'tok', onUnauthorized: jest.fn(), fetch: f.fetch });
    await expect(api.trigger(3)).resolves.toEqual({ runId: 5 });
    expect(f.calls[0].url).toBe('/wechatpush/trigger');
    expect(f.calls[0].init.method).toBe('POST');
    expect(f.calls[0].init.headers).toMatchObject({
      Authorization: 'Bearer tok',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(f.calls[0].init.body as string)).toEqual({ id: 3 });
  });

  it('turns the error envelope into an ApiError with the field details', async () => {
    const details = [{ field: 'name', message: 'name is required' }];
    const f = fakeFetch(400, {
      success: false,
      error: { code: 'VALIDATION_FAILED', message: '请求参数不合法', details },
    });
    const api = createApiClient({ token: () => 't', onUnauthorized: jest.fn(), fetch: f.fetch });
    const err = await api.labels().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', details });
  });

  it('ends the session on 401', async () => {
    const onUnauthorized = jest.fn();
    const f = fakeFetch(401, {
      success: false,
      error: { code: 'UNAUTHORIZED', message: '未登录或令牌无效', details: [] },
    });
    const api = createApiClient({ token: () => 'old', onUnauthorized, fetch: f.fetch });
    await expect(api.labels()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('checks a login token without using the stored one', async () => {
    const f = fakeFetch(200, { success: true, data: { data: [], total: 0 } });
    const api = createApiClient({ token: () => null, onUnauthorized: jest.fn(), fetch: f.fetch });
    await api.checkToken('new-token');
    expect(f.calls[0].init.headers).toMatchObject({ Authorization: 'Bearer new-token' });
  });

  it('reports a network failure and a non-JSON answer readably', async () => {
    const api = createApiClient({
      token: () => 't',
      onUnauthorized: jest.fn(),
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(api.labels()).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    const html = fakeFetch(502, '<html>Bad Gateway</html>');
    const api2 = createApiClient({
      token: () => 't',
      onUnauthorized: jest.fn(),
      fetch: html.fetch,
    });
    await expect(api2.labels()).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });
});
