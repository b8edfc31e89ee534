import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { OrderImportRunner } from '@app/ingest';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';

const FILE = [
  'order_number,order_time,status,payment,customer_id,sku_id,sku_name,brand,quantity,price',
  'A1,2025-04-01 10:00:00,paid,10,1,S1,奶,伊利,1,10',
  'A2,2025-04-31 10:00:00,paid,10,2,S1,奶,伊利,1,10',
  'A3,2025-04-01 10:00:00,paid,-1,2,S1,奶,伊利,1,10',
].join('\n');

describe('/import: order files in through the api', () => {
  let api: ApiHarness;
  let dir: string;

  const upload = (
    file: Buffer | null,
    fields: Record<string, string> = {},
    name = 'orders.csv',
  ) => {
    const req = request(api.app.getHttpServer())
      .post('/import/orders')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
    for (const [k, v] of Object.entries(fields)) req.field(k, v);
    if (file) req.attach('file', file, { filename: name, contentType: 'text/csv' });
    return req;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wpp-import-api-'));
    api = await startApiWith({ IMPORT_DIR: dir, IMPORT_MAX_MB: '1' });
    await resetPipelineTables(api.db);
    await api.db.query('TRUNCATE TABLE order_imports');
  });
  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an upload is recorded and queued; its status gives the counts and the report, paged; the report downloads as CSV', async () => {
    const res = await upload(Buffer.from(FILE), { dryRun: 'false' });
    expect(res.status).toBe(200);
    const imp = res.body.data;
    expect(imp).toMatchObject({
      state: 'queued',
      createdBy: 'operator:1',
      fileName: 'orders.csv',
      format: 'csv',
      dryRun: false,
      fileSize: Buffer.byteLength(FILE),
    });
    expect(imp.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    // The worker's job, run here.
    await api.app.get(OrderImportRunner, { strict: false }).run(imp.id);
    const status = await api.post('/import/status', { id: imp.id, offset: 1, limit: 5 });
    expect(status.status).toBe(200);
    expect(status.body.data).toMatchObject({
      state: 'done',
      rowsRead: 3,
      rowsRejected: 2,
      ordersWritten: 1,
      report: [{ line: 4, orderNumber: 'A3', column: 'payment', reason: 'negative_amount' }],
    });
    const get = await request(api.app.getHttpServer())
      .get(`/import/report?id=${imp.id}`)
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
    expect(get.status).toBe(200);
    expect(get.headers['content-type']).toMatch(/text\/csv/);
    expect(
      get.text
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[3]),
    ).toEqual(['bad_date', 'negative_amount']);
    const post = await api.post('/import/report', { id: imp.id });
    expect(post.text).toBe(get.text);
    const list = await api.post('/import/list', {});
    expect(list.body.data.map((i: { id: number }) => i.id)).toContain(imp.id);
    // Finished: no cancel.
    const cancel = await api.post('/import/cancel', { id: imp.id });
    expect([cancel.status, cancel.body.error.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('a queued import is cancelled at once', async () => {
    const imp = (await upload(Buffer.from(FILE), { dryRun: 'true' })).body.data;
    const res = await api.post('/import/cancel', { id: imp.id });
    expect(res.body.data).toMatchObject({ state: 'cancelled', dryRun: true });
  });

  it.each([
    ['no file', null, {}, 400, 'VALIDATION_FAILED', 'file'],
    ['an empty file', Buffer.alloc(0), {}, 400, 'VALIDATION_FAILED', 'file'],
    [
      'a PDF',
      Buffer.from('%PDF-1.4\n\u0000\u0001binary'),
      {},
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'file',
    ],
    [
      'dryRun not a boolean',
      Buffer.from(FILE),
      { dryRun: 'maybe' },
      400,
      'VALIDATION_FAILED',
      'dryRun',
    ],
    [
      'a file over IMPORT_MAX_MB',
      Buffer.alloc(1024 * 1024 + 1, 'a'),
      {},
      413,
      'PAYLOAD_TOO_LARGE',
      'file',
    ],
  ])(
    '%s is refused with its status, code and field',
    async (_what, file, fields, status, code, field) => {
      const res = await upload(file, fields);
      expect([res.status, res.body.error?.code, res.body.error?.details?.[0]?.field]).toEqual([
        status,
        code,
        field,
      ]);
    },
  );

  it('an unknown import is 404 naming id; a bad id 400', async () => {
    const res = await api.post('/import/status', { id: 999999 });
    expect([res.status, res.body.error.code, res.body.error.details[0].field]).toEqual([
      404,
      'NOT_FOUND',
      'id',
    ]);
    const bad = await api.post('/import/status', { id: 'x' });
    expect([bad.status, bad.body.error.details[0].field]).toEqual([400, 'id']);
  });
});
