import { shanghaiInstant } from '@app/common';
import { fileStatus, mapHeader } from './order-file-columns';
import {
  Cell,
  GroupResult,
  OrderGrouper,
  parseOrderTime,
  parseRow,
  parseYuan,
} from './order-file-rows';

const EN = [
  'order_number',
  'order_time',
  'status',
  'payment',
  'customer_id',
  'mobile',
  'unionid',
  'nickname',
  'city',
  'warehouse_id',
  'warehouse_name',
  'sku_id',
  'sku_name',
  'brand',
  'category_id',
  'category_name',
  'quantity',
  'price',
];
const header = mapHeader(EN);
const row = (o: Partial<Record<string, string>> = {}): Cell[] => {
  const base: Record<string, string> = {
    order_number: 'E1',
    order_time: '2025-04-01 12:30:00',
    status: 'completed',
    payment: '139.14',
    customer_id: '7',
    mobile: '',
    unionid: '',
    nickname: '小明',
    city: '上海',
    warehouse_id: 'W1',
    warehouse_name: '华东一仓',
    sku_id: 'SKU1',
    sku_name: '纯牛奶',
    brand: '伊利',
    category_id: 'C1',
    category_name: '乳制品',
    quantity: '2',
    price: '69.57',
  };
  return EN.map((f) => (f in o ? o[f]! : base[f]));
};

describe('order file: column mapping', () => {
  it('reads the English headers', () => {
    expect(header.missing).toEqual([]);
    expect(header.columns).toMatchObject({ order_number: 0, price: 17, sku_id: 11 });
  });

  it('reads the Chinese headers of a Youzan order export, units and BOM ignored, other columns skipped', () => {
    const h = mapHeader([
      '\uFEFF订单号',
      '下单时间',
      '订单状态',
      '订单实付金额(元)',
      '买家手机号',
      '买家昵称',
      '收货人城市',
      '商品名称',
      '规格编码',
      '商品编码',
      '商品数量',
      '商品单价（元）',
      '退款金额',
      '运费',
    ]);
    expect(h.missing).toEqual([]);
    expect(h.columns).toEqual({
      order_number: 0,
      order_time: 1,
      status: 2,
      payment: 3,
      mobile: 4,
      nickname: 5,
      city: 6,
      sku_name: 7,
      sku_id: 8,
      item_code: 9,
      quantity: 10,
      price: 11,
      refunded_fee: 12,
    });
    expect(h.names.payment).toBe('订单实付金额(元)');
  });

  it('names the required columns a header lacks', () => {
    expect(mapHeader(['order_number', 'nickname', 'sku_name']).missing).toEqual([
      'order_time',
      'status',
      'payment',
      'quantity',
      'price',
      'sku_id',
      'customer_id | mobile | unionid',
    ]);
  });

  it.each([
    ['paid', 'paid'],
    ['PAID', 'paid'],
    ['待发货', 'paid'],
    ['已发货', 'paid'],
    ['completed', 'completed'],
    ['交易成功', 'completed'],
    ['closed', 'closed'],
    ['交易关闭', 'closed'],
    ['refunded', 'refunded'],
    ['退款成功', 'refunded'],
    ['待付款', null],
    ['shipped', undefined],
  ])('status %p is %p', (value, status) => {
    expect(fileStatus(value)).toBe(status);
  });
});

describe('order file: values', () => {
  it.each([
    ['2025-04-01 12:30:00', '2025-04-01', '12:30:00'],
    ['2025/4/1 12:30:00', '2025-04-01', '12:30:00'],
    ['2025-04-01 09:05', '2025-04-01', '09:05:00'],
    ['2024-02-29 23:59:59', '2024-02-29', '23:59:59'],
    // Before 1992 (daylight saving in some years) through the zone database.
    ['1990-07-01 12:00:00', '1990-07-01', '12:00:00'],
  ])('order time %p is Shanghai wall time', (text, date, time) => {
    expect(parseOrderTime(text)).toEqual(shanghaiInstant(date, time));
  });

  it('an XLSX date cell is wall time (exceljs hands it over in UTC fields)', () => {
    expect(parseOrderTime(new Date(Date.UTC(2025, 3, 1, 12, 30, 0)))).toEqual(
      shanghaiInstant('2025-04-01', '12:30:00'),
    );
  });

  it.each([
    '2025-02-30 10:00:00',
    '2023-02-29 10:00:00',
    '2025-13-01 10:00:00',
    '2025-04-01',
    'yesterday',
    '2025-04-01 24:00:00',
    '2025-04-01 12:60:00',
    '2025-04-01 12:30:60',
    '1990-02-30 10:00:00',
  ])('order time %p is not one', (text) => {
    expect(parseOrderTime(text)).toBeUndefined();
  });

  it.each([
    ['139.14', '139.14'],
    ['139.1', '139.10'],
    ['139', '139.00'],
    ['¥1,234.5', '1234.50'],
    ['0.01', '0.01'],
    ['0', '0.00'],
  ])('amount %p is %p yuan (decimal text, never a float)', (text, yuan) => {
    expect(parseYuan(text)).toEqual({ yuan, negative: false });
  });

  it('amounts with 3 decimals or letters are not amounts; a minus sign is a negative amount', () => {
    expect(parseYuan('1.005').yuan).toBeUndefined();
    expect(parseYuan('12元').yuan).toBeUndefined();
    expect(parseYuan('-3.00')).toEqual({ negative: true });
  });
});

describe('order file: row rejections (line, column, reason)', () => {
  const problems = (o: Partial<Record<string, string>>) => {
    const r = parseRow(5, row(o), header);
    return Array.isArray(r) ? r.map((p) => [p.line, p.column, p.reason]) : [];
  };

  it('a good row is an order line', () => {
    const r = parseRow(2, row(), header);
    expect(Array.isArray(r)).toBe(false);
    expect(r).toMatchObject({
      order: {
        orderNumber: 'E1',
        buyer: { customerId: 7, nickname: '小明' },
        status: 'completed',
        payment: '139.14',
        city: '上海',
        warehouse: { id: 'W1', name: '华东一仓' },
      },
      item: { skuId: 'SKU1', skuName: '纯牛奶', brand: '伊利', quantity: 2, price: '69.57' },
    });
  });

  it.each([
    [{ order_number: '' }, 'order_number', 'missing'],
    [{ order_number: 'x'.repeat(65) }, 'order_number', 'too_long'],
    [{ order_time: '' }, 'order_time', 'missing'],
    [{ order_time: '2025-13-01 00:00:00' }, 'order_time', 'bad_date'],
    [{ status: 'shipped' }, 'status', 'unknown_status'],
    [{ status: '待付款' }, 'status', 'not_a_sale'],
    [{ payment: '-1' }, 'payment', 'negative_amount'],
    [{ payment: 'abc' }, 'payment', 'bad_amount'],
    [{ payment: '' }, 'payment', 'missing'],
    [{ price: '-0.5' }, 'price', 'negative_amount'],
    [{ quantity: '0' }, 'quantity', 'bad_quantity'],
    [{ quantity: '1.5' }, 'quantity', 'bad_quantity'],
    [{ customer_id: 'abc' }, 'customer_id', 'bad_customer_id'],
    [{ customer_id: '' }, 'customer_id', 'no_buyer'],
    [{ sku_id: '' }, 'sku_id', 'missing'],
  ])('%p is rejected at its column: %p %p', (o, column, reason) => {
    expect(problems(o)).toEqual([[5, column, reason]]);
  });

  it('a buyer with only a mobile or only a unionid is enough', () => {
    expect(problems({ customer_id: '', mobile: '13800000001' })).toEqual([]);
    expect(problems({ customer_id: '', unionid: 'u1' })).toEqual([]);
  });
});

describe('order file: rows grouped into orders', () => {
  const run = (rows: [number, Cell[]][]) => {
    const g = new OrderGrouper(header);
    const out: GroupResult[] = [];
    for (const [line, cells] of rows) out.push(...g.add(line, cells));
    out.push(...g.end());
    return out.map((r) =>
      r.kind === 'order'
        ? `order ${r.order.orderNumber} ${r.order.items.map((i) => i.skuId).join('+')} lines ${r.lines.join(',')}`
        : `rejected ${r.problems.map((p) => `${p.line}:${p.reason}`).join(' ')}`,
    );
  };

  it('adjacent rows of one number are one order with one item each', () => {
    expect(
      run([
        [2, row({ sku_id: 'A' })],
        [3, row({ sku_id: 'B' })],
        [4, row({ order_number: 'E2', sku_id: 'C' })],
      ]),
    ).toEqual(['order E1 A+B lines 2,3', 'order E2 C lines 4']);
  });

  it('one bad row rejects its whole order; the other rows are reported as order_rejected', () => {
    expect(
      run([
        [2, row({ sku_id: 'A' })],
        [3, row({ sku_id: 'B', quantity: '-1' })],
        [4, row({ sku_id: 'C' })],
        [5, row({ order_number: 'E2' })],
      ]),
    ).toEqual([
      'rejected 2:order_rejected 3:bad_quantity 4:order_rejected',
      'order E2 SKU1 lines 5',
    ]);
  });

  it('rows of one order must agree on the order-level columns', () => {
    expect(
      run([
        [2, row()],
        [3, row({ payment: '10.00' })],
      ]),
    ).toEqual(['rejected 2:order_rejected 3:inconsistent']);
  });

  it('a row without order number is rejected alone; an order number that comes back later is a split order', () => {
    expect(
      run([
        [2, row({ sku_id: 'A' })],
        [3, row({ order_number: '' })],
        [4, row({ sku_id: 'B' })],
        [5, row({ order_number: 'E2' })],
        [6, row({ sku_id: 'C' })],
      ]),
    ).toEqual([
      'rejected 3:missing',
      'order E1 A+B lines 2,4',
      'order E2 SKU1 lines 5',
      'rejected 6:split_order',
    ]);
  });
});
