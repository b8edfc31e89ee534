import { shanghaiInstant } from '@app/common';
import {
  IngestHarness,
  order,
  resetIngestTables,
  startIngest,
  tableChecksums,
} from './ingest-harness';

const at = (s: string) => shanghaiInstant(s.slice(0, 10), s.slice(11));

describe('ingestion core: orders upserted idempotently by order number', () => {
  let h: IngestHarness;

  const orders = async () =>
    (await h.db.query(
      `SELECT order_number AS n, user_ids AS u, fans_nickname AS nick,
              DATE_FORMAT(order_creation_time, '%Y-%m-%d %H:%i:%s') AS t, payment AS p,
              refunded_fee AS r, status AS s, ingest_number AS k
         FROM youzan_orders ORDER BY order_number`,
    )) as Record<string, string | null>[];
  const links = async () =>
    (
      (await h.db.query(
        `SELECT o.order_number AS n, l.customer_id AS c, w.type AS t,
                IF(w.type IN (0, 3), w.name, w.bind_id) AS k
           FROM wechat_customers_labels l
           JOIN youzan_orders o ON o.id = l.order_id JOIN wechat_labels w ON w.id = l.label_id
          ORDER BY o.order_number, w.type, k`,
      )) as { n: string; c: number; t: number; k: string }[]
    ).map((r) => `${r.n}:${r.c}:${r.t}:${r.k}`);

  beforeAll(async () => {
    h = await startIngest();
  });
  beforeEach(() => resetIngestTables(h.db));
  afterAll(() => h.close());

  it('writes the order, its buyer, its labels (city / brand by name, warehouse / category / SKU by bind_id) and one link per order × label', async () => {
    await h.db.query(
      `INSERT INTO customers (id, name, external_userid) VALUES (1, 'a', 'wm-a'), (2, 'b', 'wm-b')`,
    );
    // An existing brand label is reused; a second SKU of the same brand makes no second link.
    await h.db.query(
      `INSERT INTO wechat_labels (id, bind_id, name, type) VALUES (7, 'B9', '伊利', 3)`,
    );
    const r = await h.ingest.upsert([
      order('N1', {
        createdAt: at('2025-04-01 12:00:00'),
        payment: '139.1',
        items: [
          {
            skuId: 'SKU1',
            skuName: '纯牛奶',
            brand: '伊利',
            category: { id: 'C1', name: '乳制品' },
            quantity: 2,
            price: '50',
          },
          {
            skuId: 'SKU2',
            skuName: '酸奶',
            brand: '伊利',
            category: { id: 'C1', name: '乳制品' },
            quantity: 1,
            price: '39.10',
          },
        ],
      }),
      order('N2', {
        buyer: { customerId: 2, nickname: '小明' },
        status: 'paid',
        payment: '10',
        refundedFee: '2.5',
        city: undefined,
        warehouse: undefined,
      }),
    ]);
    expect(r).toEqual({ inserted: 2, updated: 0, unchanged: 0, stale: 0, rejected: [] });
    expect(await orders()).toEqual([
      {
        n: 'N1',
        u: '1',
        nick: null,
        t: '2025-04-01 12:00:00',
        p: '139.10',
        r: null,
        s: 'completed',
        k: 'N1',
      },
      {
        n: 'N2',
        u: '2',
        nick: '小明',
        t: '2025-04-01 12:00:00',
        p: '10.00',
        r: '2.50',
        s: 'paid',
        k: 'N2',
      },
    ]);
    expect(await links()).toEqual([
      'N1:1:0:上海',
      'N1:1:1:W1',
      'N1:1:2:C1',
      'N1:1:3:伊利',
      'N1:1:4:SKU1',
      'N1:1:4:SKU2',
      'N2:2:2:C1',
      'N2:2:3:伊利',
      'N2:2:4:SKU1',
    ]);
    expect(
      await h.db.query('SELECT type, bind_id, name FROM wechat_labels ORDER BY type, id'),
    ).toEqual([
      { type: 0, bind_id: null, name: '上海' },
      { type: 1, bind_id: 'W1', name: '华东一仓' },
      { type: 2, bind_id: 'C1', name: '乳制品' },
      { type: 3, bind_id: 'B9', name: '伊利' },
      { type: 4, bind_id: 'SKU1', name: '纯牛奶' },
      { type: 4, bind_id: 'SKU2', name: '酸奶' },
    ]);
    // The audience's projections follow through the triggers.
    expect(
      await h.db.query(
        `SELECT customer_id AS c, DATE_FORMAT(last_order_at, '%Y-%m-%d %H:%i:%s') AS t
           FROM customer_last_order ORDER BY customer_id`,
      ),
    ).toEqual([
      { c: 1, t: '2025-04-01 12:00:00' },
      { c: 2, t: '2025-04-01 12:00:00' },
    ]);
    const [{ n }] = await h.db.query('SELECT COUNT(*) AS n FROM customer_label_orders');
    expect(Number(n)).toBe(9);
  });

  it('a re-sent identical order writes nothing: counts and table checksums stay equal', async () => {
    const batch = [
      order('N1', { buyer: { mobile: '138 0000 0001' } }),
      order('N2', { buyer: { unionid: 'u-2' } }),
    ];
    await h.ingest.upsert(batch);
    const before = await tableChecksums(h.db);
    const [{ maxId }] = await h.db.query('SELECT MAX(id) AS maxId FROM youzan_orders');
    const r = await h.ingest.upsert(batch);
    expect(r).toEqual({ inserted: 0, updated: 0, unchanged: 2, stale: 0, rejected: [] });
    expect(await tableChecksums(h.db)).toEqual(before);
    expect(await h.db.query('SELECT MAX(id) AS maxId FROM youzan_orders')).toEqual([{ maxId }]);
  });

  it('a status or amount change updates the order in place; a changed item set moves its links', async () => {
    await h.ingest.upsert([order('N1', { updatedAt: at('2025-04-01 12:00:00') })]);
    const [{ id }] = await h.db.query(`SELECT id FROM youzan_orders WHERE order_number = 'N1'`);
    const r = await h.ingest.upsert([
      order('N1', {
        status: 'refunded',
        refundedFee: '100',
        updatedAt: at('2025-04-02 09:00:00'),
        items: [{ skuId: 'SKU9', skuName: '蒙牛', brand: '蒙牛', quantity: 1, price: '100' }],
      }),
    ]);
    expect(r).toMatchObject({ inserted: 0, updated: 1 });
    expect(await h.db.query(`SELECT id, status, refunded_fee FROM youzan_orders`)).toEqual([
      { id, status: 'refunded', refunded_fee: '100.00' },
    ]);
    expect(await links()).toEqual(['N1:1:0:上海', 'N1:1:1:W1', 'N1:1:3:蒙牛', 'N1:1:4:SKU9']);
  });

  it('an update older than the stored one is ignored; a newer identical one only moves updated_at', async () => {
    await h.ingest.upsert([
      order('N1', { status: 'refunded', refundedFee: '100', updatedAt: at('2025-04-02 09:00:00') }),
    ]);
    const older = await h.ingest.upsert([order('N1', { updatedAt: at('2025-04-01 12:00:00') })]);
    expect(older).toMatchObject({ stale: 1, updated: 0 });
    const newer = await h.ingest.upsert([
      order('N1', { status: 'refunded', refundedFee: '100', updatedAt: at('2025-04-03 09:00:00') }),
    ]);
    expect(newer).toMatchObject({ unchanged: 1, updated: 0 });
    expect(
      await h.db.query(
        `SELECT status, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s') AS u FROM youzan_orders`,
      ),
    ).toEqual([{ status: 'refunded', u: '2025-04-03 09:00:00' }]);
  });

  it('adopts an order another loader wrote with the same number instead of adding a second row', async () => {
    await h.db.query(`INSERT INTO customers (id, name) VALUES (1, 'a'), (5, 'e')`);
    await h.db.query(
      `INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time, payment)
       VALUES (40, 'N1', '1,5', '2025-03-01 10:00:00', '5.00')`,
    );
    await h.db.query(
      `INSERT INTO wechat_labels (id, bind_id, name, type) VALUES (3, 'SKU1', '牛奶', 4), (4, 'X', '旧', 4)`,
    );
    await h.db.query(
      `INSERT INTO wechat_customers_labels (customer_id, label_id, order_id)
       VALUES (1, 3, 40), (5, 4, 40), (1, 3, 40)`,
    );
    await h.ingest.upsert([order('N1', { city: undefined, warehouse: undefined })]);
    expect(await orders()).toEqual([
      expect.objectContaining({ n: 'N1', u: '1', p: '100.00', k: 'N1' }),
    ]);
    expect(await h.db.query('SELECT id FROM youzan_orders')).toEqual([{ id: 40 }]);
    // The buyer's own link kept once, the other buyer's and the duplicate removed.
    expect(await links()).toEqual(['N1:1:2:C1', 'N1:1:3:伊利', 'N1:1:4:SKU1']);
  });

  it('rejects what it cannot store and writes the rest of the call', async () => {
    const r = await h.ingest.upsert([
      order(''),
      order('N2', { buyer: { nickname: '只有昵称' } }),
      order('N3', { payment: '-1' }),
      order('N4', { status: 'shipped' as never }),
      order('N5', { createdAt: new Date('nonsense') }),
      order('N6'),
    ]);
    expect(r.inserted).toBe(1);
    expect(r.rejected).toEqual([
      { orderNumber: '', problems: ['orderNumber: missing'] },
      {
        orderNumber: 'N2',
        problems: ['buyer: no customer id, unionid, Youzan buyer id or mobile'],
      },
      { orderNumber: 'N3', problems: ['payment: not a yuan amount ≥ 0'] },
      { orderNumber: 'N4', problems: ['status: unknown shipped'] },
      { orderNumber: 'N5', problems: ['createdAt: not a time'] },
    ]);
    expect((await orders()).map((o) => o.n)).toEqual(['N6']);
  });

  it('one order number twice in a call: the last one wins', async () => {
    const r = await h.ingest.upsert([order('N1', { payment: '1' }), order('N1', { payment: '2' })]);
    expect(r.inserted).toBe(1);
    expect((await orders()).map((o) => o.p)).toEqual(['2.00']);
  });

  it('concurrent upserts of the same new orders and buyers end with one row each', async () => {
    const batch = Array.from({ length: 50 }, (_, i) =>
      order(`C${i}`, { buyer: { mobile: `1390000${String(i % 10).padStart(4, '0')}` } }),
    );
    const results = await Promise.all([
      h.ingest.upsert(batch),
      h.ingest.upsert([...batch].reverse()),
    ]);
    expect(results.reduce((s, r) => s + r.inserted, 0)).toBe(50);
    const [{ o, c, l }] = await h.db.query(
      `SELECT (SELECT COUNT(*) FROM youzan_orders) AS o, (SELECT COUNT(*) FROM customers) AS c,
              (SELECT COUNT(DISTINCT type, COALESCE(bind_id, name)) - COUNT(*) FROM wechat_labels) AS l`,
    );
    expect([Number(o), Number(c), Number(l)]).toEqual([50, 10, 0]);
    expect((await links()).length).toBe(50 * 5);
  });

  it('concurrent upserts of different orders whose new buyers are the same create each buyer once (a file import beside a Youzan pull)', async () => {
    const buyer = (i: number) => ({ mobile: `1380000${String(i % 40).padStart(4, '0')}` });
    const batch = (from: number) =>
      Array.from({ length: 200 }, (_, i) => order(`D${from + i}`, { buyer: buyer(i) }));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        h.ingest.upsert(batch(round * 1000)),
        h.ingest.upsert(batch(round * 1000 + 500)),
      ]);
      expect(results.map((r) => r.inserted)).toEqual([200, 200]);
    }
    const [{ o, c }] = await h.db.query(
      'SELECT (SELECT COUNT(*) FROM youzan_orders) AS o, (SELECT COUNT(*) FROM customers) AS c',
    );
    expect([Number(o), Number(c)]).toEqual([1200, 40]);
  });

  it('records each feed’s last success and last failure; no row means no feed configured', async () => {
    expect(await h.feeds.freshness()).toEqual([]);
    await h.feeds.recordSuccess('file', at('2025-04-01 10:00:00'));
    await h.feeds.recordSuccess('file', at('2025-04-01 09:00:00'));
    await h.feeds.recordFailure('youzan', 'HTTP 500', at('2025-04-01 11:00:00'));
    expect(await h.feeds.freshness()).toEqual([
      {
        feed: 'youzan',
        lastSuccessAt: null,
        lastAttemptAt: at('2025-04-01 11:00:00'),
        lastError: 'HTTP 500',
        lastErrorAt: at('2025-04-01 11:00:00'),
      },
      {
        feed: 'file',
        lastSuccessAt: at('2025-04-01 10:00:00'),
        lastAttemptAt: at('2025-04-01 10:00:00'),
        lastError: null,
        lastErrorAt: null,
      },
    ]);
  });
});
