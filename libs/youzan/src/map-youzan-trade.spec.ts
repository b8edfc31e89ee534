import { cityLabel, mapYouzanTrade, UnreadableTradeError } from './map-youzan-trade';
import type { YouzanTrade } from './youzan-trade.types';

const shop = { kdtId: '90001', name: '有赞店铺 90001' };

function trade(
  patch: {
    info?: Record<string, unknown>;
    pay?: Record<string, unknown>;
    refunds?: YouzanTrade['refund_order'];
    orders?: Record<string, unknown>[];
    buyer?: Record<string, unknown>;
  } = {},
): YouzanTrade {
  return {
    full_order_info: {
      order_info: {
        tid: 'E20241215120000001',
        status: 'TRADE_SUCCESS',
        created: '2024-12-15 12:00:00',
        update_time: '2024-12-16 08:30:00',
        refund_state: 0,
        node_kdt_id: 90001,
        offline_id: 7002,
        shop_name: '杭州西湖店',
        ...patch.info,
      } as never,
      buyer_info: {
        buyer_id: 500001,
        yz_open_id: 'yzoABC',
        buyer_phone: '13800001111',
        fans_nickname: '小王',
        union_id: 'oUnion1',
        ...patch.buyer,
      } as never,
      pay_info: { payment: '145.80', ...patch.pay } as never,
      address_info: { delivery_city: '杭州市' },
      orders: (patch.orders ?? [
        {
          outer_sku_id: 'YL-MILK-250x24',
          sku_id: 1000,
          title: '伊利纯牛奶 250ml×24',
          num: 2,
          price: '69.9',
          brand_name: '伊利',
          category_id: '201',
          category_name: '乳制品',
        },
        { sku_id: 1009, title: '海天生抽 500ml', num: '1', price: '6.00' },
      ]) as never,
    },
    refund_order: patch.refunds,
  };
}

describe('a Youzan trade as a normalised order', () => {
  it('maps every field the core takes', () => {
    expect(mapYouzanTrade(trade(), shop)).toEqual({
      orderNumber: 'E20241215120000001',
      buyer: {
        youzanBuyerId: 'yzoABC',
        mobile: '13800001111',
        unionid: 'oUnion1',
        nickname: '小王',
      },
      createdAt: new Date('2024-12-15T04:00:00Z'),
      updatedAt: new Date('2024-12-16T00:30:00Z'),
      status: 'completed',
      payment: '145.80',
      warehouse: { id: '7002', name: '杭州西湖店' },
      city: '杭州',
      items: [
        {
          skuId: 'YL-MILK-250x24',
          skuName: '伊利纯牛奶 250ml×24',
          brand: '伊利',
          category: { id: '201', name: '乳制品' },
          quantity: 2,
          price: '69.90',
        },
        { skuId: '1009', skuName: '海天生抽 500ml', quantity: 1, price: '6.00' },
      ],
    });
  });

  it.each([
    ['WAIT_SELLER_SEND_GOODS', 0, undefined, 'paid'],
    ['WAIT_BUYER_CONFIRM_GOODS', 0, undefined, 'paid'],
    ['TRADE_SUCCESS', 0, undefined, 'completed'],
    ['TRADE_CLOSED', 0, undefined, 'closed'],
    ['TRADE_CLOSED', 12, [{ refund_fee: '145.80', refund_state: 'SUCCESS' }], 'refunded'],
    ['TRADE_SUCCESS', 2, [{ refund_fee: '20.00', refund_state: 'SUCCESS' }], 'completed'],
  ] as const)('status %s, refund_state %s → %s', (status, refundState, refunds, expected) => {
    const o = mapYouzanTrade(
      trade({
        info: { status, refund_state: refundState },
        refunds: refunds?.map((r) => ({ ...r })),
      }),
      shop,
    );
    expect(o?.status).toBe(expected);
  });

  it('sums only refunds that succeeded, exactly in fen', () => {
    const o = mapYouzanTrade(
      trade({
        info: { refund_state: 2 },
        refunds: [
          { refund_fee: '0.1', refund_state: 'SUCCESS' },
          { refund_fee: '0.20', refund_state: 'SUCCESS' },
          { refund_fee: '50.00', refund_state: 'WAIT_SELLER_AGREE' },
        ],
      }),
      shop,
    );
    expect(o?.refundedFee).toBe('0.30');
    expect(o?.status).toBe('completed');
  });

  it('refunds reaching the payment make the order refunded even before refund_state says so', () => {
    const o = mapYouzanTrade(
      trade({
        info: { status: 'TRADE_CLOSED' },
        refunds: [{ refund_fee: '145.80', refund_state: 'SUCCESS' }],
      }),
      shop,
    );
    expect(o?.status).toBe('refunded');
  });

  it('an unpaid trade is no order yet', () => {
    expect(mapYouzanTrade(trade({ info: { status: 'WAIT_BUYER_PAY' } }), shop)).toBeNull();
  });

  it('without an offline store the warehouse is the selling shop, else the configured one', () => {
    expect(
      mapYouzanTrade(trade({ info: { offline_id: 0, shop_name: undefined } }), shop)?.warehouse,
    ).toEqual({
      id: '90001',
      name: '有赞店铺 90001',
    });
    expect(
      mapYouzanTrade(
        trade({ info: { offline_id: 0, node_kdt_id: 90002, shop_name: undefined } }),
        shop,
      )?.warehouse,
    ).toEqual({ id: '90002', name: '有赞门店 90002' });
  });

  it('the buyer id falls back to buyer_id; empty identifiers are left out', () => {
    const o = mapYouzanTrade(
      trade({ buyer: { yz_open_id: '', buyer_phone: ' ', union_id: undefined } }),
      shop,
    );
    expect(o?.buyer).toEqual({
      youzanBuyerId: '500001',
      mobile: undefined,
      unionid: undefined,
      nickname: '小王',
    });
  });

  it.each([
    ['pay_info.payment', { pay: { payment: '-1.00' } }],
    ['pay_info.payment', { pay: { payment: '1.234' } }],
    ['order_info.created', { info: { created: '2024-13-01 00:00:00' } }],
    ['orders[0].num', { orders: [{ sku_id: 1, num: 0, price: '1.00' }] }],
    ['orders[0].price', { orders: [{ sku_id: 1, num: 1, price: 'free' }] }],
    ['orders[0]', { orders: [{ num: 1, price: '1.00' }] }],
    ['order_info.status', { info: { status: 'SOMETHING_NEW' } }],
    ['full_order_info.order_info.tid', { info: { tid: '' } }],
  ])('names %s when it cannot be read', (field, patch) => {
    let error: unknown;
    try {
      mapYouzanTrade(trade(patch), shop);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnreadableTradeError);
    expect((error as UnreadableTradeError).field).toBe(field);
  });

  it('cities lose their 市 as the city labels name them', () => {
    expect(cityLabel('杭州市')).toBe('杭州');
    expect(cityLabel('上海')).toBe('上海');
    expect(cityLabel('沙市')).toBe('沙市');
    expect(cityLabel('')).toBeUndefined();
  });
});
