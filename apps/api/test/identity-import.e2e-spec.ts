import request from 'supertest';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { truncate } from '../../../test/utils/db';
import { OPERATOR_1_TOKEN } from '../../../test/test-env';

type Res = { status: number; body: { error?: { code: string; details: { field: string }[] } } };

const expectError = (res: Res, status: number, code: string, field: string) => {
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
  expect(res.body.error?.details.map((d) => d.field)).toContain(field);
};

const TABLES = [
  'customers',
  'youzan_orders',
  'order_buyers',
  'customer_last_order',
  'wecom_follow_relations',
  'wecom_contact_identities',
];

/** `/import/identities`: an operator's mapping of WeCom contacts to shop buyers (real api, MariaDB). */
describe('identity mapping import (/import/identities)', () => {
  let api: ApiHarness;
  const upload = (file: Buffer | string | null, field = 'file') => {
    const req = request(api.app.getHttpServer())
      .post('/import/identities')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
    if (file !== null)
      req.attach(field, Buffer.isBuffer(file) ? file : Buffer.from(file, 'utf8'), {
        filename: 'mapping.csv',
        contentType: 'text/csv',
      });
    return req;
  };
  const customer = async (id: number) =>
    (
      (await api.db.query(
        'SELECT external_userid, unionid, owner_userid, owner_named FROM customers WHERE id = ?',
        [id],
      )) as {
        external_userid: string | null;
        unionid: string | null;
        owner_userid: string | null;
        owner_named: number;
      }[]
    )[0];

  beforeAll(async () => {
    api = await startApi();
  });
  beforeEach(async () => {
    await truncate(api.db, ...TABLES);
    // Buyers (with orders): 101, 102 (mobile), 103 (already linked to wmC), 105 (holds wmE), 106.
    // 104: the customer a sync created for the unmatched contact wm1; 107: a customer without orders.
    await api.db.query(
      `INSERT INTO customers (id, name, external_userid, unionid, mobile, owner_userid, created_at) VALUES
        (101, '买家甲', NULL, NULL, '13800000001', NULL, NOW()),
        (102, '买家乙', NULL, NULL, '13800000002', NULL, NOW()),
        (103, '买家丙', 'wmC', 'uC', NULL, 'm1', NOW()),
        (104, '微信昵称', 'wm1', 'u1', NULL, 'm1', NOW()),
        (105, '买家戊', 'wmE', NULL, NULL, 'm1', NOW()),
        (106, '买家己', NULL, NULL, NULL, NULL, NOW()),
        (107, NULL, NULL, NULL, NULL, NULL, NOW())`,
    );
    await api.db.query(
      `INSERT INTO youzan_orders (order_number, user_ids, order_creation_time, payment) VALUES
        ('E1', '101', '2026-11-01 10:00:00', 10), ('E2', '102', '2026-11-01 10:00:00', 10),
        ('E3', '103', '2026-11-01 10:00:00', 10), ('E5', '105', '2026-11-01 10:00:00', 10),
        ('E6', '106', '2026-11-01 10:00:00', 10)`,
    );
    await api.db.query(
      `INSERT INTO wecom_follow_relations (external_userid, userid, added_at, changed_at) VALUES
        ('wm1', 'm1', '2026-01-01', NOW(3)), ('wm1', 'm2', '2026-02-01', NOW(3)),
        ('wm2', 'm2', '2026-01-01', NOW(3)), ('wmC', 'm1', '2026-01-01', NOW(3)),
        ('wmE', 'm1', '2026-01-01', NOW(3)), ('wm7', 'm1', '2026-01-01', NOW(3))`,
    );
    await api.db.query(
      `INSERT INTO wecom_contact_identities (external_userid, customer_id, method, matched_at) VALUES
        ('wm1', 104, 'created', NOW(3)), ('wmC', 103, 'unionid', NOW(3)), ('wmE', 105, 'existing', NOW(3))`,
    );
  });
  afterAll(async () => {
    await truncate(api.db, ...TABLES);
    await api.close();
  });

  const FILE = [
    '\ufeffexternal_userid,customer_id,mobile,owner_userid', // 1
    'wm1,101,,m2', // 2: moves wm1 off the row a sync created, owner named
    'wm2,,+86 138-0000-0002,', // 3: by mobile
    'wmC,103,,', // 4: already so
    'wmX,abc,,', // 5
    'wm3,999,,', // 6
    'wm4,,13900000000,', // 7
    'wm5,105,,', // 8: 105 is wmE's
    'wmE,106,,', // 9: wmE is 105's, who has orders
    'wm1,102,,', // 10
    'wm6,,,', // 11
    '', // 12
    '"wm7",107,,m9', // 13: m9 does not follow wm7
    ',101,,', // 14
    'wm8,,"13800000001",', // 15: 101 again (by mobile)
  ].join('\r\n');

  it('links each contact to the buyer named, by customer id or mobile, and reports every other row with line, column and reason', async () => {
    const res = await upload(FILE);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      rows: 13,
      linked: 2,
      unchanged: 1,
      ownersNamed: 1,
      rejected: 10,
      report: [
        {
          line: 5,
          column: 'customer_id',
          value: 'abc',
          reason: 'bad_customer_id',
          message: expect.any(String),
        },
        {
          line: 6,
          column: 'customer_id',
          value: '999',
          reason: 'unknown_customer',
          message: expect.any(String),
        },
        {
          line: 7,
          column: 'mobile',
          value: '13900000000',
          reason: 'unknown_mobile',
          message: expect.any(String),
        },
        {
          line: 8,
          column: 'customer_id',
          value: '105',
          reason: 'customer_taken',
          message: expect.any(String),
        },
        {
          line: 9,
          column: 'external_userid',
          value: 'wmE',
          reason: 'contact_taken',
          message: expect.any(String),
        },
        {
          line: 10,
          column: 'external_userid',
          value: 'wm1',
          reason: 'duplicate',
          message: 'external_userid already on line 2',
        },
        {
          line: 11,
          column: 'customer_id',
          value: '',
          reason: 'missing',
          message: expect.any(String),
        },
        {
          line: 13,
          column: 'owner_userid',
          value: 'm9',
          reason: 'owner_not_following',
          message: expect.any(String),
        },
        {
          line: 14,
          column: 'external_userid',
          value: '',
          reason: 'missing',
          message: expect.any(String),
        },
        {
          line: 15,
          column: 'mobile',
          value: '13800000001',
          reason: 'duplicate',
          message: 'the customer is already named on line 2',
        },
      ],
    });

    // The buyer's row holds the contact; the row the sync created keeps only its name.
    expect(await customer(101)).toEqual({
      external_userid: 'wm1',
      unionid: 'u1',
      owner_userid: 'm2',
      owner_named: 1,
    });
    expect(await customer(104)).toEqual({
      external_userid: null,
      unionid: null,
      owner_userid: null,
      owner_named: 0,
    });
    const holders = (await api.db.query(
      `SELECT external_userid AS e, COUNT(*) AS n FROM customers
        WHERE external_userid IN ('wm1', 'wm2', 'wmC', 'wmE') GROUP BY external_userid ORDER BY e`,
    )) as { e: string; n: number }[];
    expect(holders.map((h) => [h.e, Number(h.n)])).toEqual([
      ['wm1', 1],
      ['wm2', 1],
      ['wmC', 1],
      ['wmE', 1],
    ]);
    expect((await customer(102)).external_userid).toBe('wm2');
    // Rejected rows changed nothing: 105 keeps wmE, 106 and 107 stay unlinked.
    expect((await customer(105)).external_userid).toBe('wmE');
    expect((await customer(106)).external_userid).toBeNull();
    expect((await customer(107)).external_userid).toBeNull();
    const methods = (await api.db.query(
      'SELECT external_userid AS e, customer_id AS c, method FROM wecom_contact_identities ORDER BY e',
    )) as { e: string; c: number; method: string }[];
    expect(methods.map((m) => [m.e, Number(m.c), m.method])).toEqual([
      ['wm1', 101, 'mapping'],
      ['wm2', 102, 'mapping'],
      ['wmC', 103, 'unionid'],
      ['wmE', 105, 'existing'],
    ]);

    // The match rates count them "by mapping file"; every buyer but 106 is reachable now.
    const match = await request(api.app.getHttpServer())
      .get('/wecom/contacts/match')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
    expect(match.body.data).toMatchObject({
      contacts: 5,
      byMethod: { existing: 1, unionid: 1, mobile: 0, mapping: 2, created: 1 },
      buyers: 5,
      buyersMatched: 4,
      buyersUnmatched: 1,
    });

    // The same file again changes nothing.
    const again = await upload(FILE);
    expect(again.body.data).toMatchObject({ rows: 13, linked: 0, unchanged: 3, rejected: 10 });
    expect(await customer(101)).toMatchObject({ external_userid: 'wm1', owner_userid: 'm2' });
  });

  it('reads a file without BOM naming only external_userid and mobile; naming an owner of a linked contact keeps it named', async () => {
    const res = await upload('external_userid,mobile,owner_userid\nwm2,13800000002,m2\n');
    expect(res.body.data).toMatchObject({ rows: 1, linked: 1, ownersNamed: 1, rejected: 0 });
    expect(await customer(102)).toMatchObject({
      external_userid: 'wm2',
      owner_userid: 'm2',
      owner_named: 1,
    });
  });

  it.each([
    ['no file', null, 'file'],
    ['a file under another field', 'external_userid,customer_id\nwm1,101\n', 'upload'],
    ['an empty file', '\ufeff\r\n', 'file'],
    ['a header without a buyer column', 'external_userid,owner_userid\nwm1,m1\n', 'file'],
    ['an unknown column', 'external_userid,customer_id,nickname\nwm1,101,甲\n', 'file'],
    ['a file that is not UTF-8', Buffer.from([0x65, 0x78, 0x2c, 0xc4, 0xe3, 0x0a]), 'file'],
    ['an xlsx (binary)', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), 'file'],
    ['a broken quote', 'external_userid,customer_id\n"wm1,101\n', 'file'],
  ])(
    'refuses %s with 400 VALIDATION_FAILED naming file, changing nothing',
    async (_what, file, field) => {
      const res = await upload(file as Buffer | string | null, field);
      expectError(res, 400, 'VALIDATION_FAILED', 'file');
      expect((await customer(101)).external_userid).toBeNull();
    },
  );

  it('refuses a file over 20 MiB with 413 naming file', async () => {
    expectError(
      await upload(Buffer.alloc(20 * 1024 * 1024 + 1, 'a')),
      413,
      'PAYLOAD_TOO_LARGE',
      'file',
    );
  });
});
