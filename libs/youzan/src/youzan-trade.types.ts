/**
 * The parts of Youzan's trade structure this connector reads, as `youzan.trades.sold.get`
 * (4.0.x, `data.full_order_info_list[]`) and `youzan.trade.get` (4.0.x, `data`) return them.
 * Field names are Youzan's; docs/INGEST.md "Youzan" lists which ones are relied on and why.
 * Everything is optional on the wire: the mapping checks what it needs.
 */
export interface YouzanTrade {
  full_order_info: YouzanFullOrderInfo;
  /** The trade's refunds (售后单); a refund counts once its `refund_state` is a done state. */
  refund_order?: YouzanRefundOrder[];
}

export interface YouzanFullOrderInfo {
  order_info: YouzanOrderInfo;
  buyer_info?: YouzanBuyerInfo;
  pay_info?: YouzanPayInfo;
  address_info?: YouzanAddressInfo;
  orders?: YouzanLineItem[];
}

interface YouzanOrderInfo {
  /** The order number (E2024…). */
  tid: string;
  /** WAIT_BUYER_PAY, TRADE_PAID, WAIT_SELLER_SEND_GOODS, WAIT_BUYER_CONFIRM_GOODS, TRADE_SUCCESS, TRADE_CLOSED… */
  status: string;
  /** `YYYY-MM-DD HH:mm:ss`, Asia/Shanghai. */
  created: string;
  update_time?: string;
  pay_time?: string;
  /** 0 none, 1 partial in progress, 2 partial done, 11 full in progress, 12 full done. */
  refund_state?: number;
  /** The shop (or chain branch, 分店) that sold: its kdt_id. */
  node_kdt_id?: number | string;
  /** The offline store (网点 / 门店) of a retail order; 0 or absent: none. */
  offline_id?: number | string;
  /** The selling shop's or store's name, when Youzan gives it. */
  shop_name?: string;
}

interface YouzanBuyerInfo {
  buyer_id?: number | string;
  /** Youzan's open id of the buyer (stable per app). */
  yz_open_id?: string;
  buyer_phone?: string;
  fans_nickname?: string;
  /** WeChat unionid, present for WeChat buyers when the shop is bound to an open platform. */
  union_id?: string;
}

interface YouzanPayInfo {
  /** What the buyer paid, decimal yuan ("139.14"). */
  payment?: string;
  total_fee?: string;
  post_fee?: string;
}

interface YouzanAddressInfo {
  delivery_province?: string;
  /** e.g. 杭州市 */
  delivery_city?: string;
  delivery_district?: string;
}

export interface YouzanLineItem {
  oid?: string | number;
  item_id?: number | string;
  sku_id?: number | string;
  /** The merchant's own SKU code (商家编码), preferred as the SKU id when set. */
  outer_sku_id?: string;
  outer_item_id?: string;
  title?: string;
  /** `[{"k":"规格","v":"250ml×24"}]` as JSON text. */
  sku_properties_name?: string;
  num?: number | string;
  /** Unit price, decimal yuan. */
  price?: string;
  payment?: string;
  /** Brand and second-level category: present in retail shops' item data, absent otherwise. */
  brand_name?: string;
  category_id?: number | string;
  category_name?: string;
}

export interface YouzanRefundOrder {
  refund_id?: string;
  /** Refunded amount, decimal yuan. */
  refund_fee?: string;
  /** SUCCESS once the money went back; anything else is in progress, refused or closed. */
  refund_state?: string;
}

/** `youzan.trades.sold.get` 4.0.x: what `data` holds. */
export interface YouzanTradesPage {
  total_results: number;
  full_order_info_list: YouzanTrade[];
}

/**
 * The envelope of every 4.0 API answer: `success` with `data`, or `success: false` with a
 * business `code` and `message`; gateway refusals (token, call limits) come as `gw_err_resp`.
 */
export interface YouzanAnswer<T> {
  success?: boolean;
  code?: number;
  message?: string;
  data?: T;
  gw_err_resp?: { err_code: number; err_msg: string };
}

/** `POST /auth/token` (silent authorisation of a self-use app): what `data` holds. */
export interface YouzanTokenData {
  access_token: string;
  /** Expiry, epoch milliseconds. */
  expires: number;
  scope?: string;
  authority_id?: string;
}
