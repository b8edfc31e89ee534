import type { OrderStatus } from '@app/database';

/**
 * One order as every source hands it to the ingestion core (issue 20): the file import and
 * the Youzan connector both turn what they read into this, and the core upserts it
 * idempotently by `orderNumber`. Amounts are decimal yuan strings ("139.14"), never floats;
 * times are instants (the sources read Asia/Shanghai wall time into them).
 */
export interface NormalisedOrder {
  orderNumber: string;
  buyer: NormalisedBuyer;
  createdAt: Date;
  /** When the source last changed the order; the core ignores an update older than the stored one. */
  updatedAt?: Date;
  status: OrderStatus;
  /** What the buyer paid, decimal yuan. */
  payment: string;
  /** Refunded so far, decimal yuan ("0" or absent: none). */
  refundedFee?: string;
  /** The warehouse / store the order ships from (a `wechat_labels` row of type 1 by `bind_id`). */
  warehouse?: { id: string; name: string };
  /** The city (a `wechat_labels` row of type 0 by name). */
  city?: string;
  items: NormalisedLineItem[];
}

/**
 * Who bought. Matched to `customers` by customer id, unionid or mobile (never by nickname);
 * a buyer none of them finds is created.
 */
export interface NormalisedBuyer {
  customerId?: number;
  mobile?: string;
  unionid?: string;
  /** Youzan's own buyer id (`buyer_info.buyer_id` / `yz_open_id`). */
  youzanBuyerId?: string;
  nickname?: string;
}

export interface NormalisedLineItem {
  /** SKU (a `wechat_labels` row of type 4 by `bind_id`). */
  skuId: string;
  skuName: string;
  /** Brand (type 3, by name). */
  brand?: string;
  /** Category (type 2, by `bind_id`). */
  category?: { id: string; name: string };
  quantity: number;
  /** Unit price, decimal yuan. */
  price: string;
}
