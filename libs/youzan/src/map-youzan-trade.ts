import { parseBusinessDateTime } from '@app/common';
import { deriveOrderStatus } from '@app/database';
import type { NormalisedLineItem, NormalisedOrder } from '@app/ingest';
import type { YouzanLineItem, YouzanTrade } from './youzan-trade.types';

/** The shop the connector is authorised for: the warehouse of orders that name no store. */
export interface YouzanShop {
  kdtId: string;
  name: string;
}

/** A trade the mapping cannot read (a field missing or malformed), named for the log. */
export class UnreadableTradeError extends Error {
  constructor(
    readonly tid: string | undefined,
    readonly field: string,
    problem: string,
  ) {
    super(`Youzan trade ${tid ?? '(no tid)'}: ${field} ${problem}`);
  }
}

const YUAN = /^\d{1,10}(\.\d{1,2})?$/;

const text = (v: unknown): string | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
};

/** A positive id (Youzan sends 0 for "none"). */
const idText = (v: unknown): string | undefined => {
  const t = text(v);
  return t !== undefined && t !== '0' ? t : undefined;
};

/** Decimal yuan as two-decimal text, exactly (no float on the way). */
function yuan(v: unknown, tid: string, field: string): string {
  const t = text(v);
  if (t === undefined || !YUAN.test(t))
    throw new UnreadableTradeError(tid, field, `is not an amount: ${String(v)}`);
  const [whole, frac = ''] = t.split('.');
  return `${BigInt(whole)}.${frac.padEnd(2, '0')}`;
}

function time(v: unknown, tid: string, field: string): Date {
  const t = text(v);
  try {
    if (t !== undefined) return parseBusinessDateTime(t);
  } catch {
    // reported below
  }
  throw new UnreadableTradeError(tid, field, `is not YYYY-MM-DD HH:mm:ss: ${String(v)}`);
}

/** Youzan's city ("杭州市") as the labels name cities ("杭州"). */
export function cityLabel(deliveryCity: string | undefined): string | undefined {
  const c = text(deliveryCity);
  if (c === undefined) return undefined;
  return c.length > 2 && c.endsWith('市') ? c.slice(0, -1) : c;
}

/** Refunds whose money went back, summed in fen. */
function refundedFen(trade: YouzanTrade, tid: string): bigint {
  let fen = 0n;
  for (const [i, r] of (trade.refund_order ?? []).entries()) {
    if (r.refund_state !== 'SUCCESS') continue;
    const [whole, frac] = yuan(r.refund_fee, tid, `refund_order[${i}].refund_fee`).split('.');
    fen += BigInt(whole) * 100n + BigInt(frac);
  }
  return fen;
}

const fenToYuan = (fen: bigint) => `${fen / 100n}.${String(fen % 100n).padStart(2, '0')}`;

function lineItem(item: YouzanLineItem, i: number, tid: string): NormalisedLineItem {
  const skuId =
    text(item.outer_sku_id) ??
    idText(item.sku_id) ??
    text(item.outer_item_id) ??
    idText(item.item_id);
  if (skuId === undefined)
    throw new UnreadableTradeError(tid, `orders[${i}]`, 'has no SKU or item id');
  const quantity = Number(item.num);
  if (!Number.isInteger(quantity) || quantity <= 0) {
    throw new UnreadableTradeError(
      tid,
      `orders[${i}].num`,
      `is not a positive whole number: ${String(item.num)}`,
    );
  }
  const categoryId = idText(item.category_id);
  const categoryName = text(item.category_name);
  return {
    skuId: skuId.slice(0, 64),
    skuName: (text(item.title) ?? skuId).slice(0, 255),
    ...(text(item.brand_name) ? { brand: text(item.brand_name) } : {}),
    ...(categoryId && categoryName ? { category: { id: categoryId, name: categoryName } } : {}),
    quantity,
    price: yuan(item.price, tid, `orders[${i}].price`),
  };
}

/**
 * A Youzan trade as the ingestion core takes it, or null when it is no sale yet (not paid:
 * nothing is stored until it is). The status comes from `deriveOrderStatus` (trade status,
 * `refund_state`, refunds done); the warehouse is the offline store (`offline_id`) or else
 * the selling shop (`node_kdt_id`, else the configured shop); the city is the delivery city.
 * Throws {@link UnreadableTradeError} naming the field when something needed is missing.
 */
export function mapYouzanTrade(trade: YouzanTrade, shop: YouzanShop): NormalisedOrder | null {
  const info = trade.full_order_info?.order_info;
  const tid = text(info?.tid);
  if (!info || tid === undefined) {
    throw new UnreadableTradeError(tid, 'full_order_info.order_info.tid', 'is missing');
  }
  const full = trade.full_order_info;
  const payment = yuan(full.pay_info?.payment, tid, 'pay_info.payment');
  const refunded = refundedFen(trade, tid);
  const refundedFee = refunded > 0n ? fenToYuan(refunded) : undefined;
  let status;
  try {
    status = deriveOrderStatus({
      status: String(info.status),
      refundState: info.refund_state ?? 0,
      payment,
      refundedFee,
    });
  } catch (e) {
    throw new UnreadableTradeError(tid, 'order_info.status', (e as Error).message);
  }
  if (status === null) return null;
  const buyer = full.buyer_info ?? {};
  const storeId = idText(info.offline_id);
  const shopId = idText(info.node_kdt_id) ?? shop.kdtId;
  const warehouseId = storeId ?? shopId;
  const warehouseName =
    text(info.shop_name) ?? (warehouseId === shop.kdtId ? shop.name : `有赞门店 ${warehouseId}`);
  return {
    orderNumber: tid,
    buyer: {
      youzanBuyerId: text(buyer.yz_open_id) ?? idText(buyer.buyer_id),
      mobile: text(buyer.buyer_phone),
      unionid: text(buyer.union_id),
      nickname: text(buyer.fans_nickname),
    },
    createdAt: time(info.created, tid, 'order_info.created'),
    ...(info.update_time
      ? { updatedAt: time(info.update_time, tid, 'order_info.update_time') }
      : {}),
    status,
    payment,
    ...(refundedFee ? { refundedFee } : {}),
    warehouse: { id: warehouseId, name: warehouseName.slice(0, 255) },
    ...(cityLabel(full.address_info?.delivery_city)
      ? { city: cityLabel(full.address_info?.delivery_city) }
      : {}),
    items: (full.orders ?? []).map((item, i) => lineItem(item, i, tid)),
  };
}
