import { createHash } from 'node:crypto';
import { formatDateTime } from '@app/common';
import { hasIdentifier, normaliseBuyer } from '@app/identity';
import type { NormalisedOrder } from '../normalised-order';

/** `wechat_labels.type` (initial migration): how the audience matches each kind. */
export enum LabelType {
  CITY = 0,
  WAREHOUSE = 1,
  CATEGORY = 2,
  BRAND = 3,
  SKU = 4,
}

/** Matched by name: city and brand; by `bind_id`: warehouse, category, SKU (docs/AUDIENCE.md). */
export const MATCHED_BY_NAME = new Set([LabelType.CITY, LabelType.BRAND]);

/** A label an order carries: `key` is the name (city, brand) or the bind_id (the others). */
export interface OrderLabel {
  type: LabelType;
  key: string;
  name: string;
}

const MAX_NUMBER = 64;
const MAX_LABEL_NAME = 255;
const MAX_BIND_ID = 64;
const YUAN = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/** Decimal yuan ("12.3", "12.30", "12") as "12.30"; undefined when not a non-negative amount. */
export function normaliseYuan(s: string): string | undefined {
  const m = YUAN.exec(s.trim());
  if (!m) return undefined;
  return `${BigInt(m[1])}.${(m[2] ?? '').padEnd(2, '0')}`;
}

/** What is wrong with an order the core cannot store; empty when it can. */
export function orderProblems(o: NormalisedOrder): string[] {
  const p: string[] = [];
  const number = o.orderNumber?.trim();
  if (!number) p.push('orderNumber: missing');
  else if (number.length > MAX_NUMBER) p.push(`orderNumber: longer than ${MAX_NUMBER}`);
  if (!o.buyer || !hasIdentifier(normaliseBuyer(o.buyer))) {
    p.push('buyer: no customer id, unionid, Youzan buyer id or mobile');
  }
  if (!(o.createdAt instanceof Date) || Number.isNaN(o.createdAt.getTime())) {
    p.push('createdAt: not a time');
  }
  if (o.updatedAt !== undefined && Number.isNaN(o.updatedAt.getTime())) {
    p.push('updatedAt: not a time');
  }
  if (!['paid', 'completed', 'closed', 'refunded'].includes(o.status)) {
    p.push(`status: unknown ${String(o.status)}`);
  }
  if (normaliseYuan(o.payment ?? '') === undefined) p.push('payment: not a yuan amount ≥ 0');
  if (o.refundedFee !== undefined && normaliseYuan(o.refundedFee) === undefined) {
    p.push('refundedFee: not a yuan amount ≥ 0');
  }
  if (o.warehouse && (!o.warehouse.id.trim() || o.warehouse.id.trim().length > MAX_BIND_ID)) {
    p.push('warehouse.id: missing or too long');
  }
  o.items.forEach((item, i) => {
    if (!item.skuId?.trim() || item.skuId.trim().length > MAX_BIND_ID) {
      p.push(`items[${i}].skuId: missing or longer than ${MAX_BIND_ID}`);
    }
    if (!Number.isInteger(item.quantity) || item.quantity <= 0) {
      p.push(`items[${i}].quantity: not a whole number > 0`);
    }
    if (normaliseYuan(item.price ?? '') === undefined) {
      p.push(`items[${i}].price: not a yuan amount ≥ 0`);
    }
    if (
      item.category &&
      (!item.category.id.trim() || item.category.id.trim().length > MAX_BIND_ID)
    ) {
      p.push(`items[${i}].category.id: missing or too long`);
    }
  });
  return p;
}

/** The distinct labels of an order: city and warehouse once, brand / category / SKU per item. */
export function orderLabels(o: NormalisedOrder): OrderLabel[] {
  const labels = new Map<string, OrderLabel>();
  const add = (type: LabelType, key: string | undefined, name: string | undefined) => {
    const k = key?.trim();
    if (!k) return;
    const l = { type, key: k, name: (name?.trim() || k).slice(0, MAX_LABEL_NAME) };
    labels.set(labelKey(l), labels.get(labelKey(l)) ?? l);
  };
  add(LabelType.CITY, o.city?.slice(0, MAX_LABEL_NAME), o.city);
  add(LabelType.WAREHOUSE, o.warehouse?.id, o.warehouse?.name);
  for (const item of o.items) {
    add(LabelType.BRAND, item.brand?.slice(0, MAX_LABEL_NAME), item.brand);
    add(LabelType.CATEGORY, item.category?.id, item.category?.name);
    add(LabelType.SKU, item.skuId, item.skuName);
  }
  return [...labels.values()];
}

/**
 * One key per label as the table's collation compares names (case- and width-insensitive,
 * trailing spaces ignored), so "Yili" and "yili" are one brand, as the audience sees them.
 */
export function labelKey(l: { type: LabelType; key: string }): string {
  return `${l.type}:${l.key.normalize('NFKC').trimEnd().toLowerCase()}`;
}

/** The youzan_orders columns of an order, as stored. */
export interface OrderRow {
  orderNumber: string;
  userIds: string;
  nickname: string | null;
  createdAt: string;
  payment: string;
  refundedFee: string | null;
  status: string;
  updatedAt: string | null;
}

export function orderRow(o: NormalisedOrder, customerId: number): OrderRow {
  const refunded = o.refundedFee === undefined ? undefined : normaliseYuan(o.refundedFee);
  return {
    orderNumber: o.orderNumber.trim(),
    userIds: String(customerId),
    nickname: o.buyer.nickname?.trim().slice(0, 255) || null,
    createdAt: formatDateTime(o.createdAt),
    payment: normaliseYuan(o.payment)!,
    refundedFee: refunded === undefined || refunded === '0.00' ? null : refunded,
    status: o.status,
    updatedAt: o.updatedAt ? formatDateTime(o.updatedAt) : null,
  };
}

/**
 * The fingerprint of what the core writes for an order (its row but the update time, and
 * its labels): equal fingerprints mean a re-sent order, which writes nothing.
 */
export function orderFingerprint(row: OrderRow, labels: OrderLabel[]): string {
  const { updatedAt: _updatedAt, ...content } = row;
  const keys = labels.map((l) => `${labelKey(l)}=${l.name}`).sort();
  return createHash('sha1')
    .update(JSON.stringify([content, keys]))
    .digest('hex');
}
