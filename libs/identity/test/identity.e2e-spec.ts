import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppConfigModule } from '@app/common';
import { DatabaseModule } from '@app/database';
import { IdentityModule, IdentityService } from '@app/identity';
import { truncate } from '../../../test/utils/db';

describe('identity: which customers.id is this buyer', () => {
  let ctx: INestApplicationContext;
  let db: DataSource;
  let identity: IdentityService;

  beforeAll(async () => {
    ctx = await (
      await Test.createTestingModule({
        imports: [AppConfigModule, DatabaseModule, IdentityModule],
      }).compile()
    ).init();
    db = ctx.get(DataSource);
    identity = ctx.get(IdentityService);
  });
  beforeEach(async () => {
    await truncate(db, 'customers', 'customer_shared_external_ids');
    await db.query(
      `INSERT INTO customers (id, name, nickname, mobile, unionid, youzan_buyer_id) VALUES
         (1, 'a', '小明', '13800000001', NULL, NULL),
         (2, 'b', 'b', NULL, 'union-b', NULL),
         (3, 'c', 'c', '13800000003', NULL, 'yz-c')`,
    );
  });
  afterAll(() => ctx.close());

  const customers = () =>
    db.query(
      'SELECT id, nickname, mobile, unionid, youzan_buyer_id AS yz FROM customers ORDER BY id',
    );

  it('matches by customer id, then unionid, then Youzan buyer id, then mobile', async () => {
    expect(
      await identity.resolveMany([
        { customerId: 3, unionid: 'union-b', mobile: '13800000001' },
        { customerId: 999_999, unionid: 'union-b', mobile: '13800000001' },
        { unionid: 'nobody', youzanBuyerId: 'yz-c', mobile: '13800000001' },
        { mobile: '+86 138-0000-0001' },
        { unionid: 'UNION-B' },
      ]),
    ).toEqual([3, 2, 3, 1, 2]);
    // Nothing new: every buyer matched, and c gained nothing (its identifiers are other
    // customers' or its own).
    expect((await customers()).length).toBe(3);
  });

  it('never matches by nickname: a buyer sharing only a nickname is a new customer', async () => {
    const id = await identity.resolve({ nickname: '小明', mobile: '13900000009' });
    expect(id).toBeGreaterThan(3);
    expect((await customers()).find((c: { id: number }) => c.id === id)).toEqual({
      id,
      nickname: '小明',
      mobile: '13900000009',
      unionid: null,
      yz: null,
    });
  });

  it('creates one customer per distinct buyer of a batch, with its customer id when given', async () => {
    const ids = await identity.resolveMany([
      { mobile: '13900000001', nickname: 'x' },
      { unionid: 'u-new', mobile: '13900000001' },
      { unionid: 'u-new' },
      { customerId: 50, mobile: '13900000050' },
    ]);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[1]).toBe(ids[2]);
    expect(ids[3]).toBe(50);
    expect((await customers()).slice(3)).toEqual([
      { id: ids[0], nickname: 'x', mobile: '13900000001', unionid: 'u-new', yz: null },
      { id: 50, nickname: null, mobile: '13900000050', unionid: null, yz: null },
    ]);
  });

  it('a matched customer gains the identifiers it lacked, unless another customer holds them', async () => {
    await identity.resolveMany([
      { customerId: 1, unionid: 'union-a', youzanBuyerId: 'yz-c' },
      { unionid: 'union-b', mobile: '13800000003' },
    ]);
    expect(await customers()).toEqual([
      { id: 1, nickname: '小明', mobile: '13800000001', unionid: 'union-a', yz: null },
      { id: 2, nickname: 'b', mobile: null, unionid: 'union-b', yz: null },
      { id: 3, nickname: 'c', mobile: '13800000003', unionid: null, yz: 'yz-c' },
    ]);
  });

  it('refuses a buyer without any identifier', async () => {
    await expect(identity.resolve({ nickname: '小明' })).rejects.toThrow(/no customer id/);
  });

  it('two concurrent resolutions of the same new buyers create each once', async () => {
    const buyers = Array.from({ length: 200 }, (_, i) => ({
      mobile: `1370000${String(i).padStart(4, '0')}`,
    }));
    const [a, b] = await Promise.all([
      identity.resolveMany(buyers),
      identity.resolveMany([...buyers].reverse()),
    ]);
    expect(a).toEqual([...b].reverse());
    expect((await customers()).length).toBe(203);
  });
});
