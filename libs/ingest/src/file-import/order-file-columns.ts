import type { OrderStatus } from '@app/database';

/** The fields of an order file's row (one row per line item; docs/INGEST.md "File format"). */
export const ORDER_FILE_FIELDS = [
  'order_number',
  'order_time',
  'status',
  'payment',
  'refunded_fee',
  'customer_id',
  'mobile',
  'unionid',
  'youzan_buyer_id',
  'nickname',
  'city',
  'warehouse_id',
  'warehouse_name',
  'sku_id',
  'item_code',
  'sku_name',
  'brand',
  'category_id',
  'category_name',
  'quantity',
  'price',
] as const;
export type OrderFileField = (typeof ORDER_FILE_FIELDS)[number];

/**
 * Header → field: the English names, and the Chinese headers of a Youzan order export
 * (订单商品明细) and of spreadsheets written by hand. Compared trimmed, case-insensitively,
 * without a unit suffix such as "(元)".
 */
const HEADER_ALIASES: Record<OrderFileField, string[]> = {
  order_number: ['订单号', '订单编号'],
  order_time: ['下单时间', '订单创建时间', '创建时间'],
  status: ['订单状态'],
  payment: ['实付金额', '订单实付金额', '订单实付款', '实付款'],
  refunded_fee: ['退款金额', '已退款金额'],
  customer_id: ['客户id', '客户编号'],
  mobile: ['买家手机号', '收货人手机号', '收货人手机号/电话', '手机号'],
  unionid: [],
  youzan_buyer_id: ['买家id', '有赞买家id'],
  nickname: ['买家昵称', '粉丝昵称'],
  city: ['收货人城市', '城市'],
  warehouse_id: ['门店id', '网点id', '发货仓编码', '仓库编码'],
  warehouse_name: ['门店名称', '网点名称', '发货仓', '仓库名称'],
  sku_id: ['规格编码', '商品规格编码', 'sku编码'],
  item_code: ['商品编码'],
  sku_name: ['商品名称'],
  brand: ['品牌', '商品品牌'],
  category_id: ['类目id', '商品类目id', '分类id'],
  category_name: ['商品类目', '类目', '分类'],
  quantity: ['商品数量', '数量', '购买数量'],
  price: ['商品单价', '单价'],
};

const BY_HEADER = new Map<string, OrderFileField>(
  ORDER_FILE_FIELDS.flatMap((f) => [f, ...HEADER_ALIASES[f]].map((h) => [h.toLowerCase(), f])),
);

/** `订单实付金额(元)` → `订单实付金额`; `\uFEFForder_number ` → `order_number`. */
function headerKey(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/[（(][^）)]*[）)]$/, '')
    .trim()
    .toLowerCase();
}

export interface HeaderMap {
  /** Column index of each field the file has (the first column when a field repeats). */
  columns: Partial<Record<OrderFileField, number>>;
  /** The header each field was read from, to name it in the report. */
  names: Partial<Record<OrderFileField, string>>;
  /** Required fields the header lacks; the file cannot be imported. */
  missing: string[];
}

/** Reads a header row; unknown headers are ignored (exports carry many more columns). */
export function mapHeader(header: string[]): HeaderMap {
  const columns: HeaderMap['columns'] = {};
  const names: HeaderMap['names'] = {};
  header.forEach((h, i) => {
    const f = BY_HEADER.get(headerKey(h ?? ''));
    if (f && columns[f] === undefined) {
      columns[f] = i;
      names[f] = h.replace(/^\uFEFF/, '').trim();
    }
  });
  const missing: string[] = [];
  for (const f of [
    'order_number',
    'order_time',
    'status',
    'payment',
    'quantity',
    'price',
  ] as const) {
    if (columns[f] === undefined) missing.push(f);
  }
  if (columns.sku_id === undefined && columns.item_code === undefined) missing.push('sku_id');
  if (
    columns.customer_id === undefined &&
    columns.mobile === undefined &&
    columns.unionid === undefined &&
    columns.youzan_buyer_id === undefined
  ) {
    missing.push('customer_id | mobile | unionid');
  }
  return { columns, names, missing };
}

/** A file's status value → the stored status; `null`: not a sale yet (unpaid). */
const STATUS_VALUES = new Map<string, OrderStatus | null>([
  ...['paid', '已付款', '买家已付款', '待发货', '等待卖家发货', '已发货', '等待买家确认收货'].map(
    (s) => [s, 'paid'] as const,
  ),
  ...['completed', '已完成', '交易成功', '交易完成'].map((s) => [s, 'completed'] as const),
  ...['closed', '已关闭', '交易关闭'].map((s) => [s, 'closed'] as const),
  ...['refunded', '已退款', '退款成功', '全额退款'].map((s) => [s, 'refunded'] as const),
  ...['待付款', '等待买家付款', '待支付'].map((s) => [s, null] as const),
]);

/** The stored status of a file's value; undefined when unknown. */
export function fileStatus(value: string): OrderStatus | null | undefined {
  return STATUS_VALUES.get(value.trim().toLowerCase());
}
