import { ApiHarness, startApi } from '../../../test/utils/api-app';

describe('smoke', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('lists', async () => {
    const res = await api.post('/wechatpush/lists', {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: { data: [], total: 0, page: 1, pagesize: 10, pages: 0 },
    });
  });
});
