import request from 'supertest';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';
import { ruleBody } from '../../../test/utils/rule-factory';

/** The run routes' contract at the HTTP edge (the pipeline behind them: libs/pipeline/test). */
describe('run routes and Bull Board', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  beforeEach(() => resetPipelineTables(api.db));
  afterAll(() => api.close());

  it.each([
    ['/wechatpush/trigger', { id: 0 }, 'id'],
    ['/wechatpush/trigger', {}, 'id'],
    ['/wechatpush/runs', { id: 'x' }, 'id'],
    ['/wechatpush/runs', { id: 1, pagesize: 101 }, 'pagesize'],
    ['/wechatpush/batch/resend', {}, 'batchId'],
    ['/wechatpush/run/cancel', { runId: -1 }, 'runId'],
  ])('%s rejects %j naming %s', async (path, body, field) => {
    const res = await api.post(path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it.each([
    ['/wechatpush/trigger', { id: 4242 }],
    ['/wechatpush/batch/resend', { batchId: 4242 }],
    ['/wechatpush/run/cancel', { runId: 4242 }],
  ])('%s answers 404 for an unknown id', async (path, body) => {
    const res = await api.post(path, body);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('records a manual run at once and lists it', async () => {
    expect((await api.post('/wechatpush/create', ruleBody({ name: '手动' }))).status).toBe(200);
    const [{ id }] = await api.db.query("SELECT id FROM wechat_push WHERE name = '手动'");
    const a = await api.post('/wechatpush/trigger', { id: Number(id) });
    expect(a.body).toEqual({ success: true, data: { runId: expect.any(Number) } });
    const runs = await api.post('/wechatpush/runs', { id: Number(id) });
    expect(runs.body.data).toMatchObject({
      total: 1,
      page: 1,
      pagesize: 10,
      pages: 1,
      data: [
        { id: a.body.data.runId, kind: 'manual', state: 'pending', ruleName: '手动', batches: [] },
      ],
    });
  });

  it('refuses to cancel a run twice', async () => {
    expect((await api.post('/wechatpush/create', ruleBody({ name: '取消两次' }))).status).toBe(200);
    const [{ id }] = await api.db.query("SELECT id FROM wechat_push WHERE name = '取消两次'");
    const { runId } = (await api.post('/wechatpush/trigger', { id: Number(id) })).body.data;
    const first = await api.post('/wechatpush/run/cancel', { runId });
    expect(first.body.data).toMatchObject({ runId, cancelledBatches: 0, cancelledTasks: [] });
    const second = await api.post('/wechatpush/run/cancel', { runId });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('INVALID_STATE');
  });

  it('serves Bull Board at /queues behind operator auth, listing every queue', async () => {
    const server = api.app.getHttpServer();
    const anonymous = await request(server).get('/queues/api/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/Basic/);
    const page = await request(server).get('/queues').auth('ops', 'test-token-operator-1');
    expect(page.status).toBe(200);
    const res = await request(server)
      .get('/queues/api/queues')
      .set('Authorization', 'Bearer test-token-operator-1');
    expect(res.status).toBe(200);
    const names = (res.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(expect.arrayContaining(['push-batch', 'push-schedule', 'push-slot']));
  });
});
