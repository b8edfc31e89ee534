import request from 'supertest';
import { formatClockTime } from '@app/common';
import { RuleReadCache } from '@app/push-config';
import { ApiHarness, startApiWith } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { resetPipelineTables } from '../../../test/utils/pipeline';
import { ruleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_1_TOKEN, OPERATOR_2_TOKEN } from '../../../test/test-env';

type Res = { status: number; body: { error?: { code: string; details: { field: string }[] } } };

const expectError = (res: Res, status: number, code: string, field: string) => {
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
  expect(res.body.error?.details.map((d) => d.field)).toContain(field);
};

/** The contact policy and the suppression list at the HTTP edge (real api, MariaDB, Redis). */
describe('contact policy and suppression API', () => {
  let api: ApiHarness;

  // Operator 1 may change the policy; operator 2 may use the API but not change the policy.
  beforeAll(async () => {
    api = await startApiWith({ POLICY_OPERATOR_IDS: '1' });
  });
  /** Back to the migration's defaults, for the next test and the next suite of this worker. */
  const resetPolicy = async () => {
    await api.db.query(
      `UPDATE contact_policy
          SET max_per_day = 1, max_per_week = 3, min_gap_hours = 48, wecom_cap_period = 'month',
              wecom_cap_limit = NULL, quiet_start = NULL, quiet_end = NULL, blackout_dates = '[]',
              updated_by = NULL
        WHERE id = 1`,
    );
    await truncate(api.db, 'contact_policy_changes', 'contact_suppressions');
  };
  beforeEach(resetPolicy);
  afterAll(async () => {
    await resetPolicy();
    await api.close();
  });

  describe('/policy/get and /policy/update', () => {
    it('answers the defaults, editable by an operator in POLICY_OPERATOR_IDS only', async () => {
      const res = await api.post('/policy/get');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        maxPerDay: 1,
        maxPerWeek: 3,
        minGapHours: 48,
        wecomCap: { period: 'month', limit: null },
        quietHours: null,
        blackoutDates: [],
        globalControlPercent: 0,
        updatedBy: null,
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        canEdit: true,
      });
      const other = await api.post('/policy/get', {}, OPERATOR_2_TOKEN);
      expect(other.body.data.canEdit).toBe(false);
    });

    it('changes a subset, keeps the rest, and records who changed what', async () => {
      const res = await api.post('/policy/update', {
        maxPerDay: 2,
        quietHours: { start: '21:00', end: '09:00' },
        blackoutDates: ['2027-02-07', '2027-02-06', '2027-02-07'],
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        maxPerDay: 2,
        maxPerWeek: 3,
        minGapHours: 48,
        wecomCap: { period: 'month', limit: null },
        quietHours: { start: '21:00', end: '09:00' },
        blackoutDates: ['2027-02-06', '2027-02-07'],
        updatedBy: 1,
      });
      expect((await api.post('/policy/get')).body.data).toEqual(res.body.data);

      const second = await api.post('/policy/update', {
        wecomCap: { period: 'week', limit: 5 },
        quietHours: null,
        globalControlPercent: 2.5,
      });
      expect(second.body.data).toMatchObject({
        maxPerDay: 2,
        wecomCap: { period: 'week', limit: 5 },
        quietHours: null,
        blackoutDates: ['2027-02-06', '2027-02-07'],
        globalControlPercent: 2.5,
      });

      const changes: { changed_by: string; before_json: string; after_json: string }[] =
        await api.db.query('SELECT * FROM contact_policy_changes ORDER BY id');
      expect(changes).toHaveLength(2);
      expect(Number(changes[0].changed_by)).toBe(1);
      expect(JSON.parse(changes[0].before_json)).toMatchObject({ maxPerDay: 1, quietHours: null });
      expect(JSON.parse(changes[0].after_json)).toMatchObject({
        maxPerDay: 2,
        quietHours: { start: '21:00', end: '09:00' },
      });
      expect(JSON.parse(changes[1].after_json)).toMatchObject({
        wecomCap: { period: 'week', limit: 5 },
        quietHours: null,
      });
    });

    it.each([
      [{ maxPerDay: 0 }, 'maxPerDay'],
      [{ maxPerDay: 1.5 }, 'maxPerDay'],
      [{ maxPerDay: 'x' }, 'maxPerDay'],
      [{ maxPerWeek: 351 }, 'maxPerWeek'],
      [{ minGapHours: -1 }, 'minGapHours'],
      [{ globalControlPercent: 10.01 }, 'globalControlPercent'],
      [{ globalControlPercent: 2.555 }, 'globalControlPercent'],
      [{ globalControlPercent: '5' }, 'globalControlPercent'],
      [{ wecomCap: { period: 'year' } }, 'wecomCap.period'],
      [{ wecomCap: { period: 'week', limit: 8 } }, 'wecomCap.limit'],
      [{ quietHours: { start: '25:00', end: '09:00' } }, 'quietHours.start'],
      [{ quietHours: { start: '21:00', end: '21:00' } }, 'quietHours.end'],
      [{ blackoutDates: ['2026-02-30'] }, 'blackoutDates[0]'],
      [{ blackoutDates: '2026-02-01' }, 'blackoutDates'],
    ])('refuses %j naming %s and changes nothing', async (body, field) => {
      expectError(await api.post('/policy/update', body), 400, 'VALIDATION_FAILED', field);
      const [{ n }] = await api.db.query('SELECT COUNT(*) AS n FROM contact_policy_changes');
      expect(Number(n)).toBe(0);
    });

    it('refuses an operator not in POLICY_OPERATOR_IDS with 403', async () => {
      const res = await api.post('/policy/update', { maxPerDay: 2 }, OPERATOR_2_TOKEN);
      expectError(res, 403, 'FORBIDDEN', 'policy');
      expect((await api.post('/policy/get')).body.data.maxPerDay).toBe(1);
    });
  });

  describe('rule fields and quiet hours', () => {
    beforeEach(async () => {
      await resetPipelineTables(api.db);
      await api.app.get(RuleReadCache).invalidate();
    });
    const create = async (overrides: Record<string, unknown>, token = OPERATOR_1_TOKEN) => {
      const res = await api.post('/wechatpush/create', ruleBody(overrides), token);
      if (res.status !== 200) return { res, id: 0 };
      const [{ id }] = await api.db.query('SELECT id FROM wechat_push WHERE name = ?', [
        overrides.name,
      ]);
      return { res, id: Number(id) };
    };
    const info = async (id: number) => (await api.post('/wechatpush/info', { id })).body.data;

    it('stores cooldownDays, priority and capExempt, with defaults and kept on edit', async () => {
      const set = await create({ name: '有策略', cooldownDays: 0, priority: 1, capExempt: true });
      expect(set.res.status).toBe(200);
      expect(await info(set.id)).toMatchObject({ cooldownDays: 0, priority: 1, capExempt: true });

      const dflt = await create({ name: '默认策略' });
      expect(await info(dflt.id)).toMatchObject({ cooldownDays: 7, priority: 5, capExempt: false });

      const edit = await api.post('/wechatpush/edit', {
        ...ruleBody({ name: '有策略', content: '改了文案' }),
        id: set.id,
      });
      expect(edit.status).toBe(200);
      expect(await info(set.id)).toMatchObject({
        content: '改了文案',
        cooldownDays: 0,
        priority: 1,
        capExempt: true,
      });
    });

    it.each([
      [{ cooldownDays: 366 }, 'cooldownDays'],
      [{ cooldownDays: -1 }, 'cooldownDays'],
      [{ priority: 0 }, 'priority'],
      [{ priority: 11 }, 'priority'],
      [{ priority: 2.5 }, 'priority'],
      [{ capExempt: 'yes' }, 'capExempt'],
    ])('refuses %j naming %s', async (fields, field) => {
      const { res } = await create({ name: '越界', ...fields });
      expectError(res, 400, 'VALIDATION_FAILED', field);
    });

    it('lets only an operator in POLICY_OPERATOR_IDS make a rule cap-exempt', async () => {
      const { res } = await create({ name: '服务通知', capExempt: true }, OPERATOR_2_TOKEN);
      expectError(res, 403, 'FORBIDDEN', 'capExempt');
      const plain = await create({ name: '普通', capExempt: false }, OPERATOR_2_TOKEN);
      expect(plain.res.status).toBe(200);
    });

    it('refuses a slot inside the quiet hours on create and on edit', async () => {
      const { id } = await create({ name: '白天' });
      await api.post('/policy/update', { quietHours: { start: '21:00', end: '09:00' } });
      const slots = [
        { week: 1, time: '10:00' },
        { week: 2, time: '22:30' },
      ];
      const created = await create({ name: '夜里', weekDayPushTime: slots });
      expectError(created.res, 400, 'VALIDATION_FAILED', 'weekDayPushTime[1].time');
      const edited = await api.post('/wechatpush/edit', {
        ...ruleBody({ name: '白天', weekDayPushTime: slots }),
        id,
      });
      expectError(edited, 400, 'VALIDATION_FAILED', 'weekDayPushTime[1].time');
      // 09:00 is the (exclusive) end of the quiet hours.
      const atEnd = await create({ name: '九点', weekDayPushTime: [{ week: 1, time: '09:00' }] });
      expect(atEnd.res.status).toBe(200);
    });

    it('refuses a manual trigger inside the quiet hours unless forced, and records force', async () => {
      const { id } = await create({ name: '手动' });
      const hour = 3_600_000;
      const quietHours = {
        start: formatClockTime(new Date(Date.now() - hour)),
        end: formatClockTime(new Date(Date.now() + hour)),
      };
      expect((await api.post('/policy/update', { quietHours })).status).toBe(200);
      expectError(await api.post('/wechatpush/trigger', { id }), 409, 'QUIET_HOURS', 'force');
      expect((await api.post('/wechatpush/runs', { id })).body.data.total).toBe(0);

      const forced = await api.post('/wechatpush/trigger', { id, force: true });
      expect(forced.status).toBe(200);
      const runs = await api.post('/wechatpush/runs', { id });
      expect(runs.body.data.data).toEqual([
        expect.objectContaining({ id: forced.body.data.runId, kind: 'manual', forced: true }),
      ]);
    });
  });

  describe('/suppression/*', () => {
    const list = async (body: Record<string, unknown>) => {
      const res = await api.post('/suppression/list', { page: 1, pagesize: 10, ...body });
      expect(res.status).toBe(200);
      return res.body.data;
    };
    const ids = (page: { data: { externalUserId: string }[] }) =>
      page.data.map((r) => r.externalUserId);

    it('adds ids once (de-duplicated, a listed id keeps its record) and removes them', async () => {
      const first = await api.post('/suppression/add', {
        externalUserIds: ['wmA', ' wmB ', 'wmA'],
        reason: '客户投诉',
        source: 'complaint',
      });
      expect(first.body).toEqual({ success: true, data: { changed: 2, unchanged: 0 } });
      const again = await api.post(
        '/suppression/add',
        { externalUserIds: ['wmB', 'wmC'], reason: '其他' },
        OPERATOR_2_TOKEN,
      );
      expect(again.body.data).toEqual({ changed: 1, unchanged: 1 });
      const page = await list({});
      expect(page).toMatchObject({ total: 3, page: 1, pagesize: 10, pages: 1 });
      const byId = Object.fromEntries(
        page.data.map((r: { externalUserId: string }) => [r.externalUserId, r]),
      );
      expect(byId.wmB).toEqual({
        externalUserId: 'wmB',
        source: 'complaint',
        reason: '客户投诉',
        createdBy: 1,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      });
      expect(byId.wmC).toMatchObject({ source: 'manual', reason: '其他', createdBy: 2 });

      const removed = await api.post('/suppression/remove', {
        externalUserIds: ['wmA', 'wmA', 'wmX'],
      });
      expect(removed.body.data).toEqual({ changed: 1, unchanged: 1 });
      expect(ids(await list({})).sort()).toEqual(['wmB', 'wmC']);
    });

    it('lists newest first, pages, searches id or reason literally, filters by source', async () => {
      await api.db.query(
        `INSERT INTO contact_suppressions (external_userid, source, reason, created_by, created_at)
         VALUES ('wm1', 'manual', '100% 投诉', 1, '2026-01-01 10:00:00'),
                ('wm2', 'import', '导入', 1, '2026-01-03 10:00:00'),
                ('wm_3', 'complaint', NULL, NULL, '2026-01-02 10:00:00'),
                ('wm4', 'manual', '1000 投诉', 1, '2026-01-02 10:00:00')`,
      );
      const first = await list({ pagesize: 3 });
      expect(first).toMatchObject({ total: 4, page: 1, pagesize: 3, pages: 2 });
      // Same time: by id (in the table's collation, '_' before digits).
      expect(ids(first)).toEqual(['wm2', 'wm_3', 'wm4']);
      expect(first.data[1]).toEqual({
        externalUserId: 'wm_3',
        source: 'complaint',
        reason: null,
        createdBy: null,
        createdAt: '2026-01-02 10:00:00',
      });
      expect(ids(await list({ pagesize: 3, page: 2 }))).toEqual(['wm1']);
      expect(ids(await list({ searchText: '_' }))).toEqual(['wm_3']);
      expect(ids(await list({ searchText: '0%' }))).toEqual(['wm1']);
      expect(ids(await list({ searchText: '投诉' }))).toEqual(['wm4', 'wm1']);
      expect(ids(await list({ searchText: 'WM2' }))).toEqual(['wm2']);
      expect(ids(await list({ source: 'manual' }))).toEqual(['wm4', 'wm1']);
      expect(await list({ source: 'import', searchText: '投诉' })).toMatchObject({
        total: 0,
        pages: 0,
        data: [],
      });
    });

    it.each([
      ['/suppression/add', { externalUserIds: [] }, 'externalUserIds'],
      ['/suppression/add', {}, 'externalUserIds'],
      ['/suppression/add', { externalUserIds: ['wm1', '  '] }, 'externalUserIds'],
      ['/suppression/add', { externalUserIds: ['x'.repeat(129)] }, 'externalUserIds'],
      ['/suppression/add', { externalUserIds: ['wm1'], source: 'import' }, 'source'],
      ['/suppression/add', { externalUserIds: ['wm1'], reason: 'x'.repeat(256) }, 'reason'],
      ['/suppression/remove', { externalUserIds: [] }, 'externalUserIds'],
      ['/suppression/list', { page: 0, pagesize: 10 }, 'page'],
      ['/suppression/list', { page: 1, pagesize: 101 }, 'pagesize'],
      ['/suppression/list', { page: 1, pagesize: 10, source: 'x' }, 'source'],
    ])('%s refuses %j naming %s', async (path, body, field) => {
      expectError(await api.post(path, body), 400, 'VALIDATION_FAILED', field);
    });

    it('refuses more than 10,000 ids in one call', async () => {
      const many = Array.from({ length: 10_001 }, (_, i) => `wm${i}`);
      for (const path of ['/suppression/add', '/suppression/remove']) {
        expectError(
          await api.post(path, { externalUserIds: many }),
          400,
          'VALIDATION_FAILED',
          'externalUserIds',
        );
      }
      expect((await list({})).total).toBe(0);
      const most = await api.post('/suppression/add', { externalUserIds: many.slice(1) });
      expect(most.body.data).toEqual({ changed: 10_000, unchanged: 0 });
    });

    describe('/suppression/import', () => {
      const upload = (file: Buffer | null, fields: Record<string, string> = {}) => {
        const req = request(api.app.getHttpServer())
          .post('/suppression/import')
          .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
        for (const [k, v] of Object.entries(fields)) req.field(k, v);
        if (file) req.attach('file', file, { filename: 'list.csv', contentType: 'text/csv' });
        return req;
      };

      it('imports a CSV and reports every bad row with its line', async () => {
        await api.post('/suppression/add', { externalUserIds: ['wmOld'], reason: '早先' });
        const long = 'x'.repeat(129);
        const csv = [
          '\ufeffexternal_userid,原因', // 1
          'wm1,"投诉, 电话"', // 2
          '', // 3
          '"wm2"', // 4
          ',没有 ID', // 5
          long, // 6
          'wmOld,再次', // 7
          'wm1,重复', // 8
          'wm3,"两行', // 9
          '原因"', // 10
        ].join('\r\n');
        const res = await upload(Buffer.from(csv, 'utf8'), { reason: '批量导入' });
        expect(res.status).toBe(200);
        expect(res.body.data).toEqual({
          rows: 7,
          added: 3,
          alreadySuppressed: 1,
          errors: [
            { row: 5, value: '', code: 'EMPTY_ID', message: expect.any(String) },
            { row: 6, value: long, code: 'ID_TOO_LONG', message: expect.any(String) },
            {
              row: 8,
              value: 'wm1',
              code: 'DUPLICATE_IN_FILE',
              message: 'external_userid already on row 2',
            },
          ],
        });
        const page = await list({ pagesize: 100 });
        const byId = Object.fromEntries(
          page.data.map((r: { externalUserId: string }) => [r.externalUserId, r]),
        );
        expect(byId).toEqual({
          wm1: expect.objectContaining({ source: 'import', reason: '投诉, 电话', createdBy: 1 }),
          wm2: expect.objectContaining({ source: 'import', reason: '批量导入' }),
          wm3: expect.objectContaining({ source: 'import', reason: '两行\r\n原因' }),
          wmOld: expect.objectContaining({ source: 'manual', reason: '早先' }),
        });
      });

      it('imports in chunks: 12,000 rows without a header', async () => {
        const csv = Array.from({ length: 12_000 }, (_, i) => `wm${i}`).join('\n');
        const res = await upload(Buffer.from(csv));
        expect(res.body.data).toEqual({
          rows: 12_000,
          added: 12_000,
          alreadySuppressed: 0,
          errors: [],
        });
        expect((await list({ source: 'import' })).total).toBe(12_000);
      });

      it.each([
        ['no file', null, 'file'],
        ['an unclosed quote', Buffer.from('wm1,"open\n'), 'file'],
        ['a GBK file', Buffer.from([0xbf, 0xcd, 0xbb, 0xa7, 0x49, 0x44, 0x0a]), 'file'],
      ])('refuses %s with 400 naming %s', async (_what, file, field) => {
        expectError(await upload(file), 400, 'VALIDATION_FAILED', field);
      });

      it('refuses a form reason over 255 characters', async () => {
        const res = await upload(Buffer.from('wm1\n'), { reason: '因'.repeat(256) });
        expectError(res, 400, 'VALIDATION_FAILED', 'reason');
        expect((await list({})).total).toBe(0);
      });

      it('refuses a file under another field name, naming file', async () => {
        const res = await request(api.app.getHttpServer())
          .post('/suppression/import')
          .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`)
          .attach('upload', Buffer.from('wm1\n'), 'list.csv');
        expectError(res, 400, 'VALIDATION_FAILED', 'file');
      });

      it('refuses a file over 20 MiB with 413 naming file', async () => {
        const big = Buffer.alloc(20 * 1024 * 1024 + 1, 'a');
        expectError(await upload(big), 413, 'PAYLOAD_TOO_LARGE', 'file');
      });
    });
  });
});
