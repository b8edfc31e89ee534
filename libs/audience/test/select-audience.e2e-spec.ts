import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { shanghaiInstant } from '@app/common';
import { LabelType } from '@app/database';
import { AudienceRule, AudienceStrategy, LABEL_DRIVEN_MAX_ROWS } from '@app/audience';
import {
  AudienceHarness,
  collect,
  Fixture,
  insertFixture,
  resetCompanyTables,
  startAudience,
} from './audience-fixtures';

const execFileAsync = promisify(execFile);

/** "Now" for every case: Saturday 2025-03-15 10:00 in Shanghai. */
const AT = shanghaiInstant('2025-03-15', '10:00:00');
/** d = 30, L = 45: last order between 2025-01-29 00:00:00 and 2025-02-13 23:59:59. */
const WINDOW = { lastOrderDay: 30, lastOrderDayLimit: 45 };
const IN = '2025-02-05 12:00:00';
const BEFORE = '2025-01-10 12:00:00';
const AFTER = '2025-03-01 12:00:00';

const L = {
  cityShanghai: { id: 1, type: LabelType.CITY, bindId: 'SH', name: '上海' },
  city1001: { id: 2, type: LabelType.CITY, bindId: null, name: '1001' },
  warehouse: { id: 3, type: LabelType.WAREHOUSE, bindId: '1001', name: '上海仓' },
  category: { id: 4, type: LabelType.CATEGORY, bindId: '2001', name: '猫砂' },
  brand: { id: 5, type: LabelType.BRAND, bindId: 'B7', name: '蓝氏' },
  sku: { id: 6, type: LabelType.SKU, bindId: 'SKU001', name: '豆腐猫砂 6L' },
  injection: { id: 7, type: LabelType.CITY, bindId: null, name: "x') OR 1=1 -- " },
};
const LABELS = Object.values(L);

/** Customer n has external id `wm<n>` and one order `n` at `at` carrying `labels`. */
function buyer(n: number, at: string, labels: { id: number }[] = []): Fixture {
  return {
    customers: [{ id: n, ext: `wm${n}` }],
    orders: [{ id: n, userIds: String(n), at }],
    links: labels.map((l) => [n, l.id, n] as [number, number, number]),
  };
}

function merge(...parts: Fixture[]): Fixture {
  return {
    labels: LABELS,
    customers: parts.flatMap((p) => p.customers ?? []),
    orders: parts.flatMap((p) => p.orders ?? []),
    links: parts.flatMap((p) => p.links ?? []),
  };
}

interface Case {
  rule: string;
  labels?: Partial<AudienceRule>;
  fixture: Fixture;
  expected: string[];
}

const cases: Case[] = [
  {
    rule: 'window start: 00:00:00 of today − L is in, the second before is out',
    fixture: merge(buyer(1, '2025-01-29 00:00:00'), buyer(2, '2025-01-28 23:59:59')),
    expected: ['wm1'],
  },
  {
    rule: 'window end: 23:59:59 of today − d is in, the next second is out',
    fixture: merge(buyer(1, '2025-02-13 23:59:59'), buyer(2, '2025-02-14 00:00:00')),
    expected: ['wm1'],
  },
  {
    rule: 'a purchase after the window excludes an otherwise matching customer',
    labels: { cityLabels: '上海' },
    fixture: merge(buyer(1, IN, [L.cityShanghai]), buyer(2, IN, [L.cityShanghai]), {
      orders: [{ id: 100, userIds: '2', at: AFTER }],
    }),
    expected: ['wm1'],
  },
  {
    rule: 'an earlier purchase does not exclude (only the last order counts)',
    fixture: merge(buyer(1, IN), { orders: [{ id: 100, userIds: '1', at: BEFORE }] }),
    expected: ['wm1'],
  },
  {
    rule: 'city matches by label name, not by bind_id',
    labels: { cityLabels: '上海,SH' },
    fixture: merge(buyer(1, IN, [L.cityShanghai]), buyer(2, IN)),
    expected: ['wm1'],
  },
  {
    rule: 'city by bind_id alone matches nothing',
    labels: { cityLabels: 'SH' },
    fixture: merge(buyer(1, IN, [L.cityShanghai])),
    expected: [],
  },
  {
    rule: 'warehouse matches by bind_id; a city named like that bind_id does not',
    labels: { storeLabels: '1001' },
    fixture: merge(buyer(1, IN, [L.warehouse]), buyer(2, IN, [L.city1001])),
    expected: ['wm1'],
  },
  {
    rule: 'a city named "1001" matches as a city, not the warehouse with bind_id 1001',
    labels: { cityLabels: '1001' },
    fixture: merge(buyer(1, IN, [L.warehouse]), buyer(2, IN, [L.city1001])),
    expected: ['wm2'],
  },
  {
    rule: 'warehouse by its name matches nothing',
    labels: { storeLabels: '上海仓' },
    fixture: merge(buyer(1, IN, [L.warehouse])),
    expected: [],
  },
  {
    rule: 'category matches by bind_id, not by name',
    labels: { cateLabels: '2001' },
    fixture: merge(buyer(1, IN, [L.category]), buyer(2, IN, [L.brand])),
    expected: ['wm1'],
  },
  {
    rule: 'category by name matches nothing',
    labels: { cateLabels: '猫砂' },
    fixture: merge(buyer(1, IN, [L.category])),
    expected: [],
  },
  {
    rule: 'brand matches by name, not by bind_id',
    labels: { brandLabels: '蓝氏' },
    fixture: merge(buyer(1, IN, [L.brand]), buyer(2, IN, [L.category])),
    expected: ['wm1'],
  },
  {
    rule: 'brand by bind_id matches nothing',
    labels: { brandLabels: 'B7' },
    fixture: merge(buyer(1, IN, [L.brand])),
    expected: [],
  },
  {
    rule: 'SKU matches by bind_id, not by name',
    labels: { skuLabels: 'SKU001,豆腐猫砂 6L' },
    fixture: merge(buyer(1, IN, [L.sku]), buyer(2, IN, [L.brand])),
    expected: ['wm1'],
  },
  {
    rule: 'a label reached only through an out-of-window order does not match',
    labels: { cityLabels: '上海' },
    fixture: merge(buyer(1, IN), {
      orders: [{ id: 100, userIds: '1', at: BEFORE }],
      links: [[1, L.cityShanghai.id, 100]],
    }),
    expected: [],
  },
  {
    rule: 'labels are OR-ed across all five types',
    labels: {
      cityLabels: '上海',
      storeLabels: '1001',
      cateLabels: '2001',
      brandLabels: '蓝氏',
      skuLabels: 'SKU001',
    },
    fixture: merge(
      buyer(1, IN, [L.cityShanghai]),
      buyer(2, IN, [L.warehouse]),
      buyer(3, IN, [L.category]),
      buyer(4, IN, [L.brand]),
      buyer(5, IN, [L.sku]),
      buyer(6, IN, [L.city1001]),
      buyer(7, IN),
    ),
    expected: ['wm1', 'wm2', 'wm3', 'wm4', 'wm5'],
  },
  {
    rule: 'labels that exist nowhere in the library match nobody (not everyone)',
    labels: { skuLabels: 'NO-SUCH-SKU' },
    fixture: merge(buyer(1, IN, [L.sku]), buyer(2, IN)),
    expected: [],
  },
  {
    rule: 'no labels: everyone whose last order is in the window',
    labels: { cityLabels: ' , ，', skuLabels: '' },
    fixture: merge(buyer(1, IN, [L.cityShanghai]), buyer(2, IN), buyer(3, BEFORE), buyer(4, AFTER)),
    expected: ['wm1', 'wm2'],
  },
  {
    rule: 'every buyer of a multi-buyer order counts; junk items are ignored',
    fixture: merge({
      customers: [11, 12, 13, 14].map((id) => ({ id, ext: `wm${id}` })),
      orders: [
        { id: 1, userIds: '11, 12,,x', at: IN },
        { id: 2, userIds: '13,14', at: IN },
        { id: 3, userIds: '14', at: AFTER },
      ],
    }),
    expected: ['wm11', 'wm12', 'wm13'],
  },
  {
    rule: 'multi-buyer order: the label row of each buyer decides for that buyer',
    labels: { brandLabels: '蓝氏' },
    fixture: merge({
      customers: [11, 12].map((id) => ({ id, ext: `wm${id}` })),
      orders: [{ id: 1, userIds: '11,12', at: IN }],
      links: [
        [11, L.brand.id, 1],
        [12, L.sku.id, 1],
      ],
    }),
    expected: ['wm11'],
  },
  {
    rule: 'NULL, empty and blank external ids are skipped; unknown customer ids too',
    fixture: merge(
      buyer(1, IN),
      { customers: [{ id: 2, ext: null }], orders: [{ id: 2, userIds: '2', at: IN }] },
      { customers: [{ id: 3, ext: '' }], orders: [{ id: 3, userIds: '3', at: IN }] },
      { customers: [{ id: 4, ext: '   ' }], orders: [{ id: 4, userIds: '4', at: IN }] },
      { orders: [{ id: 5, userIds: '999', at: IN }] },
    ),
    expected: ['wm1'],
  },
  {
    rule: 'one id per customer however many orders and labels match',
    labels: { cityLabels: '上海', brandLabels: '蓝氏' },
    fixture: merge(buyer(1, IN, [L.cityShanghai, L.brand]), {
      orders: [{ id: 100, userIds: '1,1', at: '2025-02-01 08:00:00' }],
      links: [
        [1, L.cityShanghai.id, 100],
        [1, L.brand.id, 100],
      ],
    }),
    expected: ['wm1'],
  },
  {
    rule: 'two customers sharing an external id give it once; ids differing in case are distinct',
    fixture: merge(buyer(1, IN), buyer(2, '2025-02-06 00:00:00'), buyer(3, IN), {
      customers: [
        { id: 4, ext: 'wm1' },
        { id: 5, ext: 'WM1' },
      ],
      orders: [{ id: 4, userIds: '4,5', at: '2025-01-30 00:00:00' }],
    }),
    expected: ['wm1', 'WM1', 'wm2', 'wm3'],
  },
  {
    rule: 'a shared external id is kept when only the higher customer id qualifies',
    labels: { brandLabels: '蓝氏' },
    fixture: merge(buyer(1, IN), buyer(2, IN), {
      customers: [{ id: 3, ext: 'wm2' }],
      orders: [{ id: 3, userIds: '3', at: IN }],
      links: [[3, L.brand.id, 3]],
    }),
    expected: ['wm2'],
  },
  {
    rule: 'an SQL-injection string is a plain label value',
    labels: { cityLabels: "x') OR 1=1 -- ,' OR '1'='1" },
    fixture: merge(buyer(1, IN, [L.injection]), buyer(2, IN, [L.cityShanghai])),
    expected: ['wm1'],
  },
];

describe('audience selection (SPEC §6)', () => {
  let h: AudienceHarness;

  beforeAll(async () => {
    h = await startAudience();
  });
  afterAll(() => h.close());

  describe.each(cases)('$rule', ({ labels, fixture, expected }) => {
    const rule: AudienceRule = { ...WINDOW, ...labels };
    // A rule with labels is checked under both plans (same rows, same order expected).
    const hasLabels = Object.values(labels ?? {}).some((v) => String(v).replace(/[\s,，]/g, ''));
    const strategies: AudienceStrategy[] = hasLabels ? ['labels', 'probe'] : ['window'];

    beforeAll(async () => {
      await resetCompanyTables(h.db);
      await insertFixture(h.db, fixture);
    });
    afterEach(() => {
      h.audience.labelDrivenMaxRows = LABEL_DRIVEN_MAX_ROWS;
    });

    const use = async (strategy: AudienceStrategy) => {
      h.audience.labelDrivenMaxRows = strategy === 'probe' ? -1 : LABEL_DRIVEN_MAX_ROWS;
      const labelsExist = expected.length > 0 || strategy !== 'probe';
      if (labelsExist) expect(await h.audience.strategy(rule, AT)).toBe(strategy);
    };

    it.each(strategies)(
      '%s: select yields exactly the expected external ids, each once',
      async (strategy) => {
        await use(strategy);
        const batches = await collect(h.audience.select(rule, AT));
        const ids = batches.flat();
        expect([...ids].sort()).toEqual([...expected].sort());
        expect(new Set(ids).size).toBe(ids.length);
        expect(batches.every((b) => b.length > 0)).toBe(true);
      },
    );

    it.each(strategies)('%s: count and sample agree with select', async (strategy) => {
      await use(strategy);
      expect(await h.audience.count(rule, AT)).toBe(expected.length);
      const sample = await h.audience.sample(rule, AT, 2);
      expect(sample).toEqual((await collect(h.audience.select(rule, AT))).flat().slice(0, 2));
    });
  });

  it('leaves the tables intact after an injection attempt', async () => {
    await resetCompanyTables(h.db);
    await insertFixture(h.db, merge(buyer(1, IN)));
    await h.audience.count(
      { ...WINDOW, brandLabels: "'; DROP TABLE customers; --", skuLabels: "\\' OR 1=1 #" },
      AT,
    );
    const [row] = await h.db.query('SELECT COUNT(*) AS n FROM customers');
    expect(Number(row.n)).toBe(1);
  });

  describe('paging', () => {
    beforeAll(async () => {
      await resetCompanyTables(h.db);
      // Equal last-order times force the keyset's tie-break on customer_id.
      const ids = Array.from({ length: 10 }, (_, i) => i + 1);
      await insertFixture(
        h.db,
        merge(
          ...ids.map((n) => buyer(n, n <= 6 ? IN : '2025-02-01 00:00:00', n % 2 ? [] : [L.brand])),
        ),
      );
    });
    afterEach(() => {
      h.audience.labelDrivenMaxRows = LABEL_DRIVEN_MAX_ROWS;
    });

    it.each([
      ['labels', LABEL_DRIVEN_MAX_ROWS],
      ['probe', -1],
    ])('with labels, the %s plan pages in the same order', async (strategy, maxRows) => {
      h.audience.labelDrivenMaxRows = maxRows;
      const rule = { ...WINDOW, brandLabels: '蓝氏' };
      expect(await h.audience.strategy(rule, AT)).toBe(strategy);
      const batches = await collect(h.audience.select(rule, AT, 2));
      expect(batches).toEqual([['wm8', 'wm10'], ['wm2', 'wm4'], ['wm6']]);
    });

    it('a selection may switch plans between pages', async () => {
      const rule = { ...WINDOW, brandLabels: '蓝氏' };
      const first = await h.audience.page(rule, AT, null, 3);
      h.audience.labelDrivenMaxRows = -1;
      const rest = await h.audience.page(rule, AT, first.next, 10);
      expect([...first.externalUserids, ...rest.externalUserids]).toEqual([
        'wm8',
        'wm10',
        'wm2',
        'wm4',
        'wm6',
      ]);
    });

    it('pages in (last order, customer id) order without gaps or repeats', async () => {
      const batches = await collect(h.audience.select(WINDOW, AT, 3));
      expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
      expect(batches.flat()).toEqual(
        ['wm7', 'wm8', 'wm9', 'wm10', 'wm1', 'wm2'].concat(['wm3', 'wm4', 'wm5', 'wm6']),
      );
    });

    it('page() returns a cursor that resumes the run', async () => {
      const first = await h.audience.page(WINDOW, AT, null, 4);
      expect(first.next).toEqual({ lastOrderAt: '2025-02-01 00:00:00', customerId: '10' });
      const second = await h.audience.page(WINDOW, AT, first.next, 100);
      expect(second).toEqual({
        externalUserids: ['wm1', 'wm2', 'wm3', 'wm4', 'wm5', 'wm6'],
        next: null,
      });
    });
  });

  describe('batch boundary at PUSH_BATCH_SIZE (10,000)', () => {
    const N = 10_001;
    beforeAll(async () => {
      await resetCompanyTables(h.db);
      const ids = Array.from({ length: N }, (_, i) => i + 1);
      await insertFixture(h.db, {
        customers: ids.map((id) => ({ id, ext: `wm${id}` })),
        orders: ids.map((id) => ({ id, userIds: String(id), at: IN })),
      });
    });

    it('10,001 recipients make a full batch and a batch of one', async () => {
      expect(h.audience.batchSize).toBe(10_000);
      const batches = await collect(h.audience.select(WINDOW, AT));
      expect(batches.map((b) => b.length)).toEqual([10_000, 1]);
      expect(new Set(batches.flat()).size).toBe(N);
      expect(await h.audience.count(WINDOW, AT)).toBe(N);
    });

    it('with labels, the label plan pages 10,001 recipients the same way', async () => {
      await insertFixture(h.db, {
        labels: [L.brand],
        links: Array.from({ length: N }, (_, i) => [i + 1, L.brand.id, i + 1]),
      });
      const rule = { ...WINDOW, brandLabels: '蓝氏' };
      expect(await h.audience.strategy(rule, AT)).toBe('labels');
      const batches = await collect(h.audience.select(rule, AT));
      expect(batches.map((b) => b.length)).toEqual([10_000, 1]);
      expect(batches.flat()).toEqual((await collect(h.audience.select(WINDOW, AT))).flat());
      expect(await h.audience.count(rule, AT)).toBe(N);
    });

    it('10,000 recipients make exactly one batch', async () => {
      await h.db.query(`UPDATE customers SET external_userid = NULL WHERE id = 5000`);
      const batches = await collect(h.audience.select(WINDOW, AT));
      expect(batches.map((b) => b.length)).toEqual([10_000]);
      expect(batches[0]).not.toContain('wm5000');
    });
  });

  describe('server time zone', () => {
    // 00:30 in Shanghai is still the previous day in UTC: a UTC "today" would shift the window.
    const nearMidnight = shanghaiInstant('2025-03-15', '00:30:00');

    beforeAll(async () => {
      await resetCompanyTables(h.db);
      await insertFixture(
        h.db,
        merge(
          buyer(1, '2025-01-29 00:00:00'),
          buyer(2, '2025-01-28 23:59:59'),
          buyer(3, '2025-02-13 23:59:59'),
          buyer(4, '2025-02-14 00:00:00'),
        ),
      );
    });

    // A process's zone is fixed at start (and Jest sandboxes process.env): use child processes.
    it.each([
      ['UTC', 0],
      ['Asia/Shanghai', -480],
      ['America/Los_Angeles', 480],
    ])('TZ=%s selects the same audience', async (tz, offsetMinutes) => {
      const { stdout } = await execFileAsync(
        process.execPath,
        [
          '-r',
          'ts-node/register/transpile-only',
          '-r',
          'tsconfig-paths/register',
          join(__dirname, 'print-audience.ts'),
          JSON.stringify(WINDOW),
          nearMidnight.toISOString(),
        ],
        { env: { ...process.env, TZ: tz }, cwd: join(__dirname, '../../..') },
      );
      const out = JSON.parse(stdout) as { offsetMinutes: number; ids: string[] };
      expect(out.offsetMinutes).toBe(offsetMinutes);
      expect(out.ids).toEqual(['wm1', 'wm3']);
    });
  });
});
