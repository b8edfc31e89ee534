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

  it('signed in with a session, sends its CSRF token instead of a bearer token', async () => {
    const f = fakeFetch(200, { success: true, data: true });
    const api = createApiClient({
      token: () => null,
      csrfToken: () => 'csrf-1',
      onUnauthorized: jest.fn(),
      fetch: f.fetch,
    });
    await api.signOut();
    expect(f.calls[0].url).toBe('/auth/logout');
    expect(f.calls[0].init.headers).toEqual({
      'X-CSRF-Token': 'csrf-1',
      'Content-Type': 'application/json',
    });
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

  it('sends force only when asked, so the seed request shape stays unchanged', async () => {
    const f = fakeFetch(200, { success: true, data: { runId: 5 } });
    const api = createApiClient({ token: () => 'tok', onUnauthorized: jest.fn(), fetch: f.fetch });
    await api.trigger(3);
    await api.trigger(3, true);
    expect(f.calls.map((c) => JSON.parse(c.init.body as string))).toEqual([
      { id: 3 },
      { id: 3, force: true },
    ]);
  });

  it('uploads a CSV as multipart with the bearer token and no JSON content type', async () => {
    const report = { rows: 1, added: 1, alreadySuppressed: 0, errors: [] };
    const f = fakeFetch(200, { success: true, data: report });
    const api = createApiClient({ token: () => 'tok', onUnauthorized: jest.fn(), fetch: f.fetch });
    const file = new Blob(['wm-1\n'], { type: 'text/csv' });
    await expect(api.importSuppressions(file, 'ids.csv', '投诉')).resolves.toEqual(report);
    const { url, init } = f.calls[0];
    expect(url).toBe('/suppression/import');
    expect(init.headers).toEqual({ Authorization: 'Bearer tok' });
    const form = init.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect((form.get('file') as File).name).toBe('ids.csv');
    expect(form.get('reason')).toBe('投诉');
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

  it('asks for the goods breakdown and the comparison with the query as given', async () => {
    const goods = { dimension: 'brand', totalOrders: 0, totalBuyers: 0, rows: [] };
    const f = fakeFetch(200, { success: true, data: goods });
    const api = createApiClient({ token: () => 't', onUnauthorized: jest.fn(), fetch: f.fetch });
    const q = { startTime: '2026-11-01', endTime: '2026-11-30' };
    await expect(
      api.effectGoods({ ...q, name: '猫砂', dimension: 'brand', limit: 5 }),
    ).resolves.toEqual(goods);
    await api.effectCompare({ ...q, ids: [3, 1] });
    expect(f.calls.map((c) => [c.url, JSON.parse(c.init.body as string)])).toEqual([
      ['/statistic/wechatpush/goods', { ...q, name: '猫砂', dimension: 'brand', limit: 5 }],
      ['/statistic/wechatpush/compare', { ...q, ids: [3, 1] }],
    ]);
  });

  it('asks for the report as JSON or as CSV', async () => {
    const f = fakeFetch(200, { success: true, data: [] });
    const api = createApiClient({ token: () => 't', onUnauthorized: jest.fn(), fetch: f.fetch });
    const q = { startTime: '2026-11-01', endTime: '2026-11-30', granularity: 'week' as const };
    await api.reportRows(q);
    expect(JSON.parse(f.calls[0].init.body as string)).toEqual({ ...q, format: 'json' });
  });

  it('downloads the CSV report with the token, byte for byte, named by Content-Disposition', async () => {
    const bytes = new TextEncoder().encode('\uFEFF周期,开始日期\r\n2026-W48,2026-11-23\r\n');
    const calls: Call[] = [];
    const api = createApiClient({
      token: () => 'tok',
      onUnauthorized: jest.fn(),
      fetch: async (url, init) => {
        calls.push({ url, init });
        return new Response(bytes, {
          status: 200,
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition':
              'attachment; filename="wechatpush-report-week-2026-11-01-2026-11-30.csv"',
          },
        });
      },
    });
    const file = await api.reportCsv({
      startTime: '2026-11-01',
      endTime: '2026-11-30',
      granularity: 'week',
      name: '猫砂',
    });
    expect(file.filename).toBe('wechatpush-report-week-2026-11-01-2026-11-30.csv');
    // The BOM stays: Excel needs it to read the file as UTF-8.
    expect(new Uint8Array(await file.blob.arrayBuffer())).toEqual(bytes);
    expect(calls[0].url).toBe('/statistic/wechatpush/report');
    expect(calls[0].init.headers).toMatchObject({ Authorization: 'Bearer tok' });
    expect(JSON.parse(calls[0].init.body as string)).toEqual({
      startTime: '2026-11-01',
      endTime: '2026-11-30',
      granularity: 'week',
      name: '猫砂',
      format: 'csv',
    });
  });

  it('names the CSV report itself when the answer has no Content-Disposition', async () => {
    const f = fakeFetch(200, 'a,b\r\n');
    const api = createApiClient({ token: () => 't', onUnauthorized: jest.fn(), fetch: f.fetch });
    const file = await api.reportCsv({
      startTime: '2026-10-01 00:00:00',
      endTime: '2026-12-31',
      granularity: 'month',
    });
    expect(file.filename).toBe('wechatpush-report-month-2026-10-01-2026-12-31.csv');
  });

  it('turns a refused report download into an ApiError and ends the session on 401', async () => {
    const details = [{ field: 'granularity', message: 'granularity must be week or month' }];
    const bad = fakeFetch(400, {
      success: false,
      error: { code: 'VALIDATION_FAILED', message: '请求参数不合法', details },
    });
    const onUnauthorized = jest.fn();
    const api = createApiClient({ token: () => 't', onUnauthorized, fetch: bad.fetch });
    const q = { startTime: '2026-11-01', endTime: '2026-11-30', granularity: 'week' as const };
    await expect(api.reportCsv(q)).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details,
    });
    expect(onUnauthorized).not.toHaveBeenCalled();
    const gone = fakeFetch(401, { success: false, error: { code: 'UNAUTHORIZED', message: 'x' } });
    const api2 = createApiClient({ token: () => 't', onUnauthorized, fetch: gone.fetch });
    await expect(api2.reportCsv(q)).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});
