import { PushRuleRepository, RuleReadCache } from '@app/push-config';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { ruleBody } from '../../../test/utils/rule-factory';
import { OPERATOR_2_TOKEN } from '../../../test/test-env';

/** What a rule that sets none of issue 22's targeting fields reads back. */
const TARGETING_DEFAULTS = {
  windowBasis: 'lastOrder',
  labelMatch: 'any',
  excludeCityLabels: '',
  excludeStoreLabels: '',
  excludeBrandLabels: '',
  excludeCateLabels: '',
  excludeSkuLabels: '',
  minOrders: null,
  minSpend: null,
  valueLookbackDays: 180,
  rfmTiers: [],
};

describe('push rule API (/wechatpush/*) against real MariaDB and Redis', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
  });
  // Tests write some fixtures with SQL behind the api's back, so they drop its read cache too.
  const invalidateCache = () => api.app.get(RuleReadCache).invalidate();
  beforeEach(async () => {
    await truncate(api.db, 'wechat_push_time', 'wechat_push', 'wechat_labels');
    await invalidateCache();
  });
  afterAll(() => api.close());

  const idOf = async (name: string): Promise<number> => {
    const rows: { id: number }[] = await api.db.query(
      'SELECT id FROM wechat_push WHERE name = ? AND is_deleted = 0',
      [name],
    );
    expect(rows).toHaveLength(1);
    return Number(rows[0].id);
  };
  const create = async (overrides: Record<string, unknown> = {}) => {
    const body = ruleBody(overrides);
    const res = await api.post('/wechatpush/create', body);
    expect(res.status).toBe(200);
    return idOf(String(body.name).trim());
  };
  const expectError = (
    res: { status: number; body: unknown },
    status: number,
    code: string,
    field?: string,
  ) => {
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({
      success: false,
      error: { code, message: expect.any(String) },
    });
    if (field) {
      expect((res.body as { error: { details: { field: string }[] } }).error.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field })]),
      );
    }
  };

  describe('create + info', () => {
    it('creates a rule and its slots, returning the seed response; info returns the request shape', async () => {
      const body = ruleBody();
      const res = await api.post('/wechatpush/create', body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, data: true });

      const id = await idOf('45天未购买用户召回');
      const info = await api.post('/wechatpush/info', { id });
      expect(info.status).toBe(200);
      // The seed's shape; the contact policy's rule fields come back with their defaults.
      expect(info.body).toEqual({
        success: true,
        data: {
          id,
          ...body,
          cooldownDays: 7,
          priority: 5,
          capExempt: false,
          holdoutPercent: 0,
          ignoreGlobalControl: false,
          variants: [],
          contentWeight: 1,
          ...TARGETING_DEFAULTS,
          senderMode: 'wecom',
          senderFallback: 'wecom',
          executionDeadlineHours: null,
          // RULE_APPROVAL=off in the suites: version 1, approved at once by its author.
          version: 1,
          approvedVersion: 1,
          pendingVersion: null,
        },
      });

      const [row] = await api.db.query(
        'SELECT created_by, updated_by, created_at, updated_at FROM wechat_push WHERE id = ?',
        [id],
      );
      expect(Number(row.created_by)).toBe(1);
      expect(Number(row.updated_by)).toBe(1);
      expect(row.created_at).toBeInstanceOf(Date);
      const slots = await api.db.query(
        'SELECT push_id, name, week_day, push_time FROM wechat_push_time ORDER BY week_day',
      );
      expect(
        slots.map((s: { week_day: number; push_time: string }) => `${s.week_day}@${s.push_time}`),
      ).toEqual(['1@10:00', '3@14:00', '5@16:00']);
      expect(
        slots.every(
          (s: { push_id: number; name: string }) =>
            Number(s.push_id) === id && s.name === body.name,
        ),
      ).toBe(true);
    });

    it('round-trips Chinese, emoji and 4-byte characters unchanged (utf8mb4)', async () => {
      const name = '🐱猫砂告急 — 𠮷野家 ✨';
      const content = '喵～主人🐾，猫砂告急！😺 點擊領取 𝒳 \u{1F600}';
      const id = await create({ name, content });
      const info = await api.post('/wechatpush/info', { id });
      expect(info.body.data.name).toBe(name);
      expect(info.body.data.content).toBe(content);
    });

    it('trims the name and defaults status to active, optional fields to empty', async () => {
      const id = await create({
        name: '  召回  ',
        status: undefined,
        img: undefined,
        miniProgramTitle: undefined,
        miniProgramImg: undefined,
        miniProgramUrl: undefined,
        cityLabels: undefined,
      });
      const info = await api.post('/wechatpush/info', { id });
      expect(info.body.data).toMatchObject({
        name: '召回',
        status: 0,
        img: '',
        miniProgramTitle: '',
        miniProgramImg: '',
        miniProgramUrl: '',
        cityLabels: '',
      });
    });

    it('answers 404 NOT_FOUND for an unknown id', async () => {
      expectError(await api.post('/wechatpush/info', { id: 987654 }), 404, 'NOT_FOUND', 'id');
    });
  });

  describe('validation: each rule is a 400 VALIDATION_FAILED naming the field', () => {
    const long = (n: number) => 'x'.repeat(n);
    const cases: [string, Record<string, unknown>, string][] = [
      ['name missing', { name: undefined }, 'name'],
      ['name blank after trim', { name: '   ' }, 'name'],
      ['name not a string', { name: 42 }, 'name'],
      ['name over 255 characters', { name: long(256) }, 'name'],
      ['status not 0/1', { status: 2 }, 'status'],
      ['status as a string', { status: '0' }, 'status'],
      ['startDate missing', { startDate: undefined }, 'startDate'],
      ['startDate malformed', { startDate: '2024/01/01' }, 'startDate'],
      ['startDate not a real date', { startDate: '2024-02-30' }, 'startDate'],
      ['endDate not a real date', { endDate: '2023-02-29' }, 'endDate'],
      ['endDate before startDate', { startDate: '2024-06-02', endDate: '2024-06-01' }, 'endDate'],
      ['no slot', { weekDayPushTime: [] }, 'weekDayPushTime'],
      ['slots not an array', { weekDayPushTime: 'monday' }, 'weekDayPushTime'],
      ['a slot that is an array', { weekDayPushTime: [[]] }, 'weekDayPushTime'],
      ['a variant that is an array', { variants: [[]] }, 'variants'],
      ['week 0', { weekDayPushTime: [{ week: 0, time: '10:00' }] }, 'weekDayPushTime[0].week'],
      ['week 8', { weekDayPushTime: [{ week: 8, time: '10:00' }] }, 'weekDayPushTime[0].week'],
      ['time 24:00', { weekDayPushTime: [{ week: 1, time: '24:00' }] }, 'weekDayPushTime[0].time'],
      [
        'time 9:00 (no padding)',
        { weekDayPushTime: [{ week: 1, time: '9:00' }] },
        'weekDayPushTime[0].time',
      ],
      ['time 10:60', { weekDayPushTime: [{ week: 1, time: '10:60' }] }, 'weekDayPushTime[0].time'],
      [
        'unknown field inside a slot',
        { weekDayPushTime: [{ week: 1, time: '10:00', x: 1 }] },
        'weekDayPushTime[0].x',
      ],
      [
        'duplicate slot',
        {
          weekDayPushTime: [
            { week: 1, time: '10:00' },
            { week: 1, time: '10:00' },
          ],
        },
        'weekDayPushTime[1]',
      ],
      ['lastOrderDay negative', { lastOrderDay: -1 }, 'lastOrderDay'],
      ['lastOrderDay fractional', { lastOrderDay: 1.5 }, 'lastOrderDay'],
      ['lastOrderDayLimit over 3650', { lastOrderDayLimit: 3651 }, 'lastOrderDayLimit'],
      [
        'lastOrderDay > lastOrderDayLimit',
        { lastOrderDay: 50, lastOrderDayLimit: 45 },
        'lastOrderDayLimit',
      ],
      [
        'no content, image or mini-program',
        { content: '', img: '', miniProgramTitle: '', miniProgramImg: '', miniProgramUrl: '' },
        'content',
      ],
      ['content over 4000 UTF-8 bytes', { content: '猫'.repeat(1334) }, 'content'],
      ['image URL not http(s)', { img: 'file:///etc/passwd' }, 'img'],
      ['image URL on a private address', { img: 'http://10.0.0.8/a.jpg' }, 'img'],
      ['image URL on the metadata address', { img: 'http://169.254.169.254/latest' }, 'img'],
      ['mini-program fields not all given', { miniProgramImg: '' }, 'miniProgramImg'],
      [
        'mini-program title over 64 bytes',
        { miniProgramTitle: '优'.repeat(22) },
        'miniProgramTitle',
      ],
      ['label field not a string', { cityLabels: ['上海'] }, 'cityLabels'],
      ['unknown top-level field', { hacker: true }, 'hacker'],
    ];

    it.each(cases)('%s', async (_name, patch, field) => {
      const res = await api.post('/wechatpush/create', ruleBody(patch));
      expectError(res, 400, 'VALIDATION_FAILED', field);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|SELECT|INSERT/);
      const [{ n }] = await api.db.query('SELECT COUNT(*) AS n FROM wechat_push');
      expect(Number(n)).toBe(0);
    });

    it('reports every problem of a body at once', async () => {
      const res = await api.post(
        '/wechatpush/create',
        ruleBody({ name: '', lastOrderDay: -3, startDate: 'x' }),
      );
      const fields = res.body.error.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'lastOrderDay', 'startDate']));
    });
  });

  describe('names are unique among live rules', () => {
    it('refuses a taken name with 409 NAME_TAKEN, also on edit', async () => {
      await create({ name: '规则A' });
      const idB = await create({ name: '规则B' });
      expectError(
        await api.post('/wechatpush/create', ruleBody({ name: '规则A' })),
        409,
        'NAME_TAKEN',
        'name',
      );
      expectError(
        await api.post('/wechatpush/create', ruleBody({ name: ' 规则A ' })),
        409,
        'NAME_TAKEN',
        'name',
      );
      expectError(
        await api.post('/wechatpush/edit', { ...ruleBody({ name: '规则A' }), id: idB }),
        409,
        'NAME_TAKEN',
      );
    });

    it('lets exactly one of concurrent creates with the same name win', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          api.post('/wechatpush/create', ruleBody({ name: '并发规则' })),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
      const [{ n }] = await api.db.query(
        "SELECT COUNT(*) AS n FROM wechat_push WHERE name = '并发规则'",
      );
      expect(Number(n)).toBe(1);
    });

    it('frees the name of a deleted rule', async () => {
      const id = await create({ name: '可复用' });
      expect((await api.post('/wechatpush/delete', { id })).status).toBe(200);
      expect((await api.post('/wechatpush/create', ruleBody({ name: '可复用' }))).status).toBe(200);
    });
  });

  describe('transactions', () => {
    it('leaves nothing behind when writing the slots fails after the rule insert', async () => {
      const repo = api.app.get(PushRuleRepository);
      const spy = jest
        .spyOn(repo, 'insertSlots')
        .mockRejectedValueOnce(new Error('disk full (simulated)'));
      try {
        const res = await api.post('/wechatpush/create', ruleBody({ name: '事务回滚' }));
        expect(res.status).toBe(500);
        expect(res.body).toEqual({
          success: false,
          error: {
            code: 'INTERNAL_ERROR',
            message: expect.any(String),
            details: [],
            errorId: expect.any(String),
          },
        });
        expect(JSON.stringify(res.body)).not.toContain('disk full');
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
      const [{ n }] = await api.db.query('SELECT COUNT(*) AS n FROM wechat_push');
      const [{ m }] = await api.db.query('SELECT COUNT(*) AS m FROM wechat_push_time');
      expect([Number(n), Number(m)]).toEqual([0, 0]);
      // The name is still free: nothing half-written holds it.
      expect((await api.post('/wechatpush/create', ruleBody({ name: '事务回滚' }))).status).toBe(
        200,
      );
    });

    it('keeps the old rule and slots when an edit fails half-way', async () => {
      const id = await create({ name: '编辑回滚' });
      const repo = api.app.get(PushRuleRepository);
      const spy = jest.spyOn(repo, 'insertSlots').mockRejectedValueOnce(new Error('boom'));
      try {
        const res = await api.post('/wechatpush/edit', {
          ...ruleBody({ name: '编辑回滚-新', weekDayPushTime: [{ week: 7, time: '00:00' }] }),
          id,
        });
        expect(res.status).toBe(500);
      } finally {
        spy.mockRestore();
      }
      const info = await api.post('/wechatpush/info', { id });
      expect(info.body.data.name).toBe('编辑回滚');
      expect(info.body.data.weekDayPushTime).toHaveLength(3);
    });
  });

  describe('targeting fields (issue 22)', () => {
    it('stores them normalised and keeps them when an edit omits them; an edit that empties the goods of a labelledGoods rule is refused on windowBasis', async () => {
      const targeting = {
        windowBasis: 'labelledGoods',
        labelMatch: 'all',
        cateLabels: '2001',
        cityLabels: '上海',
        excludeBrandLabels: ' 皇家 ，蓝氏,皇家',
        minOrders: 3,
        minSpend: 299.5,
        valueLookbackDays: 90,
        rfmTiers: ['important_keep', 'important_value'],
      };
      const id = await create({ name: '定向-猫砂', ...targeting });
      const stored = {
        ...targeting,
        excludeBrandLabels: '皇家,蓝氏',
        rfmTiers: ['important_value', 'important_keep'],
      };
      expect((await api.post('/wechatpush/info', { id })).body.data).toMatchObject(stored);
      const body = ruleBody({ name: '定向-猫砂', cateLabels: '2001', cityLabels: '上海' });
      expect((await api.post('/wechatpush/edit', { ...body, id })).status).toBe(200);
      expect((await api.post('/wechatpush/info', { id })).body.data).toMatchObject(stored);
      const bad = await api.post('/wechatpush/edit', {
        ...body,
        id,
        cateLabels: '',
        brandLabels: '',
        skuLabels: '',
      });
      expectError(bad, 400, 'VALIDATION_FAILED', 'windowBasis');
      const cleared = await api.post('/wechatpush/edit', {
        ...body,
        id,
        windowBasis: 'lastOrder',
        minOrders: null,
        rfmTiers: [],
      });
      expect(cleared.status).toBe(200);
      expect((await api.post('/wechatpush/info', { id })).body.data).toMatchObject({
        windowBasis: 'lastOrder',
        minOrders: null,
        minSpend: 299.5,
        rfmTiers: [],
      });
    });
  });

  describe('experiment fields', () => {
    it('stores holdoutPercent (two decimals) and keeps it when an edit omits it; refuses 50.01 naming the field', async () => {
      const id = await create({ name: '实验-对照组', holdoutPercent: 12.25 });
      expect((await api.post('/wechatpush/info', { id })).body.data).toMatchObject({
        holdoutPercent: 12.25,
        ignoreGlobalControl: false,
      });
      const body = ruleBody({ name: '实验-对照组' });
      expect((await api.post('/wechatpush/edit', { ...body, id })).status).toBe(200);
      expect((await api.post('/wechatpush/info', { id })).body.data.holdoutPercent).toBe(12.25);
      const bad = await api.post('/wechatpush/edit', { ...body, id, holdoutPercent: 50.01 });
      expectError(bad, 400, 'VALIDATION_FAILED', 'holdoutPercent');
    });
  });

  it('info returns every one of 200 slots in week and time order (no GROUP_CONCAT a MySQL 8 default would cut at 1,024 bytes)', async () => {
    const weekDayPushTime = Array.from({ length: 200 }, (_, i) => ({
      week: 7 - (i % 7),
      time: `${String(Math.floor(i / 7) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
    }));
    const id = await create({ name: '二百个时间点', weekDayPushTime });
    const slots = (await api.post('/wechatpush/info', { id })).body.data.weekDayPushTime as {
      week: number;
      time: string;
    }[];
    expect(slots).toHaveLength(200);
    const key = (x: { week: number; time: string }) => `${x.week}@${x.time}`;
    expect(slots.map(key)).toEqual(weekDayPushTime.map(key).sort());
  });

  describe('content variants', () => {
    it('stores variants B, C… with their weights, keeps them when an edit omits them, clears them with []; a bad weight is named', async () => {
      const variants = [
        { content: '变体 B', weight: 2 },
        {
          img: 'https://oss.example.com/c.jpg',
          miniProgramTitle: '变体 C',
          miniProgramImg: 'https://oss.example.com/c-mini.jpg',
          miniProgramUrl: 'pages/home/index?v=C',
          weight: 1,
        },
      ];
      const id = await create({ name: '实验-变体', variants, contentWeight: 3 });
      const info = async () => (await api.post('/wechatpush/info', { id })).body.data;
      expect(await info()).toMatchObject({ variants, contentWeight: 3 });
      const body = ruleBody({ name: '实验-变体' });
      expect((await api.post('/wechatpush/edit', { ...body, id })).status).toBe(200);
      expect((await info()).variants).toEqual(variants);
      expect((await api.post('/wechatpush/edit', { ...body, id, variants: [] })).status).toBe(200);
      expect((await info()).variants).toEqual([]);
      const bad = await api.post('/wechatpush/edit', {
        ...body,
        id,
        variants: [{ content: 'x', weight: 0 }],
      });
      expectError(bad, 400, 'VALIDATION_FAILED', 'variants[0].weight');
    });

    it('an operator promotes the winner: its message becomes the rule content, the variants are retired, the change is recorded', async () => {
      const variants = [
        { content: '变体 B', weight: 1 },
        { img: 'https://oss.example.com/c.jpg', weight: 1 },
      ];
      const id = await create({ name: '实验-推广', content: '原文案', variants });
      expectError(
        await api.post('/wechatpush/variant/promote', { id, variant: 'D' }),
        400,
        'VALIDATION_FAILED',
        'variant',
      );
      expectError(
        await api.post('/wechatpush/variant/promote', { id, variant: 'Z' }),
        400,
        'VALIDATION_FAILED',
        'variant',
      );
      expectError(
        await api.post('/wechatpush/variant/promote', { id: 999_999, variant: 'B' }),
        404,
        'NOT_FOUND',
      );
      const res = await api.post('/wechatpush/variant/promote', { id, variant: 'C' });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        content: '',
        img: 'https://oss.example.com/c.jpg',
        variants: [],
        contentWeight: 1,
      });
      expect((await api.post('/wechatpush/info', { id })).body.data).toMatchObject({
        img: 'https://oss.example.com/c.jpg',
        variants: [],
      });
      const [row] = await api.db.query(
        'SELECT variant, before_json, after_json, promoted_by FROM wechat_push_variant_promotions WHERE push_id = ?',
        [id],
      );
      expect(row.variant).toBe('C');
      expect(Number(row.promoted_by)).toBe(1);
      expect(JSON.parse(row.before_json)).toMatchObject({ content: '原文案', variants });
      expect(JSON.parse(row.after_json)).toMatchObject({ img: 'https://oss.example.com/c.jpg' });
    });
  });

  describe('edit, editstatus, delete', () => {
    it('edits every field and replaces the slots; updated_by is the editing operator', async () => {
      const id = await create({ name: '原名' });
      const edited = ruleBody({
        name: '新名',
        status: 1,
        startDate: '2025-02-01',
        endDate: '2025-02-28',
        weekDayPushTime: [{ week: 7, time: '00:00' }],
        cityLabels: '杭州',
        lastOrderDay: 0,
        lastOrderDayLimit: 7,
        content: '新内容',
        img: '',
        miniProgramTitle: '',
        miniProgramImg: '',
        miniProgramUrl: '',
      });
      const res = await api.post('/wechatpush/edit', { ...edited, id }, OPERATOR_2_TOKEN);
      expect(res.body).toEqual({ success: true, data: true });
      const info = await api.post('/wechatpush/info', { id });
      expect(info.body.data).toEqual({
        ...edited,
        id,
        cooldownDays: 7,
        priority: 5,
        capExempt: false,
        holdoutPercent: 0,
        ignoreGlobalControl: false,
        variants: [],
        contentWeight: 1,
        ...TARGETING_DEFAULTS,
        senderMode: 'wecom',
        senderFallback: 'wecom',
        executionDeadlineHours: null,
        version: 2,
        approvedVersion: 2,
        pendingVersion: null,
      });
      const slots = await api.db.query(
        'SELECT name, week_day, push_time FROM wechat_push_time WHERE push_id = ?',
        [id],
      );
      expect(slots).toEqual([{ name: '新名', week_day: 7, push_time: '00:00' }]);
      const [row] = await api.db.query(
        'SELECT created_by, updated_by FROM wechat_push WHERE id = ?',
        [id],
      );
      expect([Number(row.created_by), Number(row.updated_by)]).toEqual([1, 2]);
    });

    it('serves cached reads but never a stale one after a write', async () => {
      const id = await create({ name: '缓存' });
      const statusInList = async () =>
        (await api.post('/wechatpush/lists', { searchText: '缓存' })).body.data.data[0].status;
      expect(await statusInList()).toBe(0);
      expect(await statusInList()).toBe(0); // now served from the cache
      await api.post('/wechatpush/editstatus', { id, status: 1 });
      expect(await statusInList()).toBe(1);
      expect((await api.post('/wechatpush/info', { id })).body.data.status).toBe(1);
      await api.post('/wechatpush/edit', { ...ruleBody({ name: '缓存', content: '新的' }), id });
      expect((await api.post('/wechatpush/info', { id })).body.data.content).toBe('新的');
    });

    it('keeps its own name on edit without a conflict', async () => {
      const id = await create({ name: '自己' });
      expect(
        (await api.post('/wechatpush/edit', { ...ruleBody({ name: '自己', content: '改' }), id }))
          .status,
      ).toBe(200);
    });

    it('answers 404 for editing an unknown or deleted rule and 400 for a missing id', async () => {
      expectError(
        await api.post('/wechatpush/edit', { ...ruleBody(), id: 99999 }),
        404,
        'NOT_FOUND',
      );
      expectError(await api.post('/wechatpush/edit', ruleBody()), 400, 'VALIDATION_FAILED', 'id');
      const id = await create({ name: '已删' });
      await api.post('/wechatpush/delete', { id });
      expectError(
        await api.post('/wechatpush/edit', { ...ruleBody({ name: '已删' }), id }),
        404,
        'NOT_FOUND',
      );
    });

    it('pauses and resumes', async () => {
      const id = await create({ name: '暂停我' });
      expect((await api.post('/wechatpush/editstatus', { id, status: 1 })).body).toEqual({
        success: true,
        data: true,
      });
      expect((await api.post('/wechatpush/info', { id })).body.data.status).toBe(1);
      await api.post('/wechatpush/editstatus', { id, status: 0 });
      expect((await api.post('/wechatpush/info', { id })).body.data.status).toBe(0);
      expectError(
        await api.post('/wechatpush/editstatus', { id, status: 3 }),
        400,
        'VALIDATION_FAILED',
        'status',
      );
      expectError(
        await api.post('/wechatpush/editstatus', { id: 424242, status: 1 }),
        404,
        'NOT_FOUND',
      );
    });

    it('soft-deletes: the row stays, lists and info no longer show it, a second delete is 404', async () => {
      const id = await create({ name: '删除我' });
      await create({ name: '留下' });
      expect((await api.post('/wechatpush/delete', { id })).body).toEqual({
        success: true,
        data: true,
      });
      const [row] = await api.db.query('SELECT is_deleted FROM wechat_push WHERE id = ?', [id]);
      expect(Number(row.is_deleted)).toBe(1);
      expectError(await api.post('/wechatpush/info', { id }), 404, 'NOT_FOUND');
      const list = await api.post('/wechatpush/lists', {});
      expect(list.body.data.data.map((r: { name: string }) => r.name)).toEqual(['留下']);
      expect(list.body.data.total).toBe(1);
      expect((await api.post('/wechatpush/lists', { searchText: '删除' })).body.data.total).toBe(0);
      expectError(await api.post('/wechatpush/delete', { id }), 404, 'NOT_FOUND');
      expectError(await api.post('/wechatpush/editstatus', { id, status: 1 }), 404, 'NOT_FOUND');
    });
  });

  describe('lists', () => {
    const seedRules = async (n: number) => {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let i = 1; i <= n; i++) {
        values.push(
          "(?, 0, '2024-01-01', '2024-12-31', '', '', '', '', '', 30, 45, 'c', 1, 1, ?, ?)",
        );
        const created = new Date(Date.UTC(2024, 0, i, 2, 0, 0)); // 10:00 Shanghai on 2024-01-i
        params.push(`rule-${String(i).padStart(3, '0')}`, created, created);
      }
      await api.db.query(
        `INSERT INTO wechat_push (name, status, start_date, end_date, city_labels, store_labels, brand_labels,
           cate_labels, sku_labels, last_order_day, last_order_day_limit, content, created_by, updated_by,
           created_at, updated_at) VALUES ${values.join(',')}`,
        params,
      );
      await invalidateCache();
    };

    it('returns the seed shape, newest first, with createTime and usefulTime', async () => {
      await seedRules(3);
      const res = await api.post('/wechatpush/lists', { page: 1, pagesize: 10 });
      expect(res.body.data).toEqual({
        data: [
          {
            id: expect.any(Number),
            name: 'rule-003',
            createTime: '2024-01-03 10:00:00',
            status: 0,
            usefulTime: '2024-01-01~2024-12-31',
            // Inserted behind the service's back: no versions.
            approvedVersion: null,
            pendingVersion: null,
          },
          {
            id: expect.any(Number),
            name: 'rule-002',
            createTime: '2024-01-02 10:00:00',
            status: 0,
            usefulTime: '2024-01-01~2024-12-31',
            // Inserted behind the service's back: no versions.
            approvedVersion: null,
            pendingVersion: null,
          },
          {
            id: expect.any(Number),
            name: 'rule-001',
            createTime: '2024-01-01 10:00:00',
            status: 0,
            usefulTime: '2024-01-01~2024-12-31',
            // Inserted behind the service's back: no versions.
            approvedVersion: null,
            pendingVersion: null,
          },
        ],
        total: 3,
        page: 1,
        pagesize: 10,
        pages: 1,
      });
    });

    it.each([
      [{ page: 1, pagesize: 10 }, 10, 'rule-025', 3],
      [{ page: 3, pagesize: 10 }, 5, 'rule-005', 3],
      [{ page: 4, pagesize: 10 }, 0, undefined, 3],
      [{ page: 1, pagesize: 25 }, 25, 'rule-025', 1],
      [{ page: 2, pagesize: 24 }, 1, 'rule-001', 2],
      [{}, 10, 'rule-025', 3],
      [{ pagesize: 1000 }, 25, 'rule-025', 1],
    ])('paginates %j', async (q, count, first, pages) => {
      await seedRules(25);
      const res = await api.post('/wechatpush/lists', q);
      expect(res.status).toBe(200);
      expect(res.body.data.data).toHaveLength(count);
      expect(res.body.data.data[0]?.name).toBe(first);
      expect(res.body.data.total).toBe(25);
      expect(res.body.data.pages).toBe(pages);
    });

    it('caps the page size at 100', async () => {
      const res = await api.post('/wechatpush/lists', { pagesize: 500 });
      expect(res.body.data.pagesize).toBe(100);
    });

    it.each([
      [{ page: 0 }, 'page'],
      [{ page: -1 }, 'page'],
      [{ pagesize: 0 }, 'pagesize'],
      [{ page: '1' }, 'page'],
      [{ startTime: '2024-02-30' }, 'startTime'],
      [{ endTime: 'yesterday' }, 'endTime'],
      [{ startTime: '2024-02-01', endTime: '2024-01-01' }, 'endTime'],
      [{ searchText: 5 }, 'searchText'],
      [{ sort: 'name' }, 'sort'],
    ])('rejects %j', async (q, field) => {
      expectError(await api.post('/wechatpush/lists', q), 400, 'VALIDATION_FAILED', field);
    });

    it('filters by creation date, whole days inclusive, and by datetime', async () => {
      await seedRules(10);
      const names = async (q: object) =>
        (await api.post('/wechatpush/lists', q)).body.data.data.map(
          (r: { name: string }) => r.name,
        );
      expect(await names({ startTime: '2024-01-03', endTime: '2024-01-05' })).toEqual([
        'rule-005',
        'rule-004',
        'rule-003',
      ]);
      expect(await names({ startTime: '2024-01-09' })).toEqual(['rule-010', 'rule-009']);
      expect(await names({ endTime: '2024-01-01' })).toEqual(['rule-001']);
      expect(
        await names({ startTime: '2024-01-02 10:00:01', endTime: '2024-01-04 10:00:00' }),
      ).toEqual(['rule-004', 'rule-003']);
      expect(await names({ startTime: '', endTime: '', searchText: '' })).toHaveLength(10);
    });

    it('matches searchText literally: % and _ are not wildcards', async () => {
      for (const name of ['50%off', '50_off', '500off', 'a\\b', 'ab']) await create({ name });
      const names = async (searchText: string) =>
        (await api.post('/wechatpush/lists', { searchText })).body.data.data
          .map((r: { name: string }) => r.name)
          .sort();
      expect(await names('%')).toEqual(['50%off']);
      expect(await names('_')).toEqual(['50_off']);
      expect(await names('50%')).toEqual(['50%off']);
      expect(await names('0o')).toEqual(['500off']);
      expect(await names('\\')).toEqual(['a\\b']);
      expect(await names('off')).toEqual(['500off', '50%off', '50_off'].sort());
    });

    it('searches Chinese substrings', async () => {
      await create({ name: '45天未购买用户召回' });
      await create({ name: '新客首单' });
      const res = await api.post('/wechatpush/lists', { searchText: '召回' });
      expect(res.body.data.data.map((r: { name: string }) => r.name)).toEqual([
        '45天未购买用户召回',
      ]);
    });
  });

  describe('labels', () => {
    it('returns the four lists of the seed from wechat_labels', async () => {
      await api.db.query(
        `INSERT INTO wechat_labels (bind_id, name, type) VALUES
          (NULL, '上海', 0), (NULL, '北京', 0), (NULL, '上海', 0),
          ('1001', '上海仓', 1), ('1002', '北京仓', 1),
          ('2001', '猫粮', 2), ('2002', '猫砂', 2),
          (NULL, '蓝氏', 3), (NULL, '皇家', 3),
          ('SKU001', '某猫粮 2kg', 4)`,
      );
      const res = await api.post('/wechatpush/labels', {});
      expect(res.body).toEqual({
        success: true,
        data: {
          cityLabels: ['上海', '北京'],
          storeLabels: [
            { id: '1001', name: '上海仓' },
            { id: '1002', name: '北京仓' },
          ],
          cateLabels: [
            { id: '2001', name: '猫粮' },
            { id: '2002', name: '猫砂' },
          ],
          brandLabels: ['蓝氏', '皇家'],
        },
      });
    });
  });

  describe('auth', () => {
    const routes = ['create', 'edit', 'editstatus', 'delete', 'lists', 'info', 'labels'];
    it.each(routes)(
      '/wechatpush/%s refuses without a token, with a wrong one and with a malformed header',
      async (route) => {
        expectError(await api.post(`/wechatpush/${route}`, {}, null), 401, 'UNAUTHORIZED');
        expectError(
          await api.post(`/wechatpush/${route}`, {}, 'wrong-token-xyz'),
          401,
          'UNAUTHORIZED',
        );
        const res = await api
          .post(`/wechatpush/${route}`, {}, null)
          .set('Authorization', 'Basic dGVzdA==');
        expectError(res, 401, 'UNAUTHORIZED');
      },
    );

    it('serves /health without a token, reporting MySQL and Redis', async () => {
      const request = (await import('supertest')).default;
      const res = await request(api.app.getHttpServer()).get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        info: { mysql: { status: 'up' }, redis: { status: 'up' } },
      });
    });

    it('turns /health unhealthy when the last scan is older than SCHEDULER_STALE_MINUTES (70), and healthy again after a scan', async () => {
      const request = (await import('supertest')).default;
      const health = () => request(api.app.getHttpServer()).get('/health');
      const scannedAgo = (minutes: number) =>
        api.db.query(
          `INSERT INTO scheduler_heartbeats (name, last_at) VALUES ('scan', ?)
           ON DUPLICATE KEY UPDATE last_at = VALUES(last_at)`,
          [new Date(Date.now() - minutes * 60_000)],
        );
      try {
        await api.db.query('DELETE FROM scheduler_heartbeats');
        expect((await health()).status).toBe(200); // never scanned yet: not an alarm
        await scannedAgo(71);
        const stale = await health();
        expect(stale.status).toBe(503);
        expect(stale.body.error.details).toEqual([
          {
            field: 'scheduler',
            message: expect.stringMatching(/^last scan 71 min ago \(limit 70\)$/),
          },
        ]);
        await scannedAgo(1);
        const fresh = await health();
        expect(fresh.status).toBe(200);
        expect(fresh.body.info.scheduler).toEqual({ status: 'up', lastScanMinutesAgo: 1 });
      } finally {
        await api.db.query('DELETE FROM scheduler_heartbeats');
      }
    });
  });

  describe('HTTP edges', () => {
    it('answers 400 MALFORMED_JSON for a broken body', async () => {
      expectError(
        await api.post('/wechatpush/create', '{"name": "x",'),
        400,
        'MALFORMED_JSON',
        'body',
      );
    });

    it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
      const res = await api.post(
        '/wechatpush/create',
        ruleBody({ content: 'x'.repeat(300 * 1024) }),
      );
      expectError(res, 413, 'PAYLOAD_TOO_LARGE', 'body');
    });

    it('answers 415 for a non-JSON body', async () => {
      const request = (await import('supertest')).default;
      const res = await request(api.app.getHttpServer())
        .post('/wechatpush/lists')
        .set('Authorization', 'Bearer test-token-operator-1')
        .set('Content-Type', 'text/plain')
        .send('name=x');
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 404 ROUTE_NOT_FOUND with the envelope for an unknown route', async () => {
      expectError(await api.post('/wechatpush/nope', {}), 404, 'ROUTE_NOT_FOUND');
    });

    it('answers 400 for a JSON body that is not an object', async () => {
      expectError(await api.post('/wechatpush/info', '[1,2]'), 400, 'VALIDATION_FAILED');
      expectError(await api.post('/wechatpush/info', '"x"'), 400, 'MALFORMED_JSON');
    });

    it('echoes a request id', async () => {
      const res = await api.post('/wechatpush/lists', {}).set('x-request-id', 'abc-123');
      expect(res.headers['x-request-id']).toBe('abc-123');
    });
  });

  describe('OpenAPI', () => {
    it('is behind auth and documents every route with its schema', async () => {
      const request = (await import('supertest')).default;
      const server = api.app.getHttpServer();
      expect((await request(server).get('/docs-json')).status).toBe(401);
      const res = await request(server).get('/docs-json').auth('operator', 'test-token-operator-1');
      expect(res.status).toBe(200);
      for (const route of ['create', 'edit', 'editstatus', 'delete', 'lists', 'info', 'labels']) {
        expect(res.body.paths[`/wechatpush/${route}`]?.post).toBeDefined();
      }
      expect(res.body.components.schemas.PushRuleDto.required).toEqual(
        expect.arrayContaining([
          'name',
          'startDate',
          'endDate',
          'weekDayPushTime',
          'lastOrderDay',
          'lastOrderDayLimit',
        ]),
      );
      const ui = await request(server).get('/docs/').auth('operator', 'test-token-operator-1');
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger');
    });
  });
});
