/**
 * `youzan_orders.status`: Youzan's trade status normalised for statistics (migration
 * 1733500000000, docs/STATISTICS.md "Order value and status"). Youzan reports refunds apart
 * from the trade status (`order_info.refund_state`, refund messages with `refunded_fee`), so
 * a connector derives the stored status from both with {@link deriveOrderStatus}.
 */
export type OrderStatus = 'paid' | 'completed' | 'closed' | 'refunded';

/** The parts of a Youzan trade (`youzan.trade.get` → `full_order_info`) the status needs. */
export interface YouzanTradeState {
  /** `order_info.status`: WAIT_BUYER_PAY, TRADE_PAID, WAIT_CONFIRM, WAIT_SELLER_SEND_GOODS, … */
  status: string;
  /** `order_info.refund_state`: 0 none, 1 partial in progress, 2 partial done, 11 full in progress, 12 full done. */
  refundState?: number | string | null;
  /** `pay_info.payment`: what the buyer paid, decimal yuan as Youzan sends it ("139.14"). */
  payment?: string | null;
  /** Refunded so far: the sum of the trade's successful refunds' `refunded_fee` (yuan). */
  refundedFee?: string | null;
}

/** Trade statuses after payment and before the trade ends. */
const PAID_STATUSES = new Set([
  'TRADE_PAID',
  'WAIT_CONFIRM',
  'WAIT_SELLER_SEND_GOODS',
  'WAIT_BUYER_CONFIRM_GOODS',
]);
/** Trade statuses before payment: no sale yet. */
const UNPAID_STATUSES = new Set(['WAIT_BUYER_PAY', 'TRADE_NO_CREATE_PAY']);
const FULL_REFUND_DONE = 12;

/** Decimal yuan ("12.3", "12.30") as integer fen, exactly; null when absent. */
function fen(yuan: string | null | undefined, field: string): bigint | null {
  if (yuan === null || yuan === undefined || yuan === '') return null;
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(yuan.trim());
  if (!m) throw new Error(`${field}: not a yuan amount: ${yuan}`);
  return BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

/**
 * The normalised status of a Youzan trade, or null when it is no sale yet (not paid: the
 * connector stores no order for it until it is). Refunded in full — `refund_state` 12 or
 * refunds reaching the payment — wins over the trade status (Youzan closes a trade after a
 * full refund, so TRADE_CLOSED with a full refund is `refunded`, not `closed`); a partial
 * refund keeps the trade's own status, its amount lives in `refunded_fee`. An unknown
 * status throws, so a new Youzan status is noticed instead of miscounted.
 */
export function deriveOrderStatus(trade: YouzanTradeState): OrderStatus | null {
  const payment = fen(trade.payment, 'payment');
  const refunded = fen(trade.refundedFee, 'refundedFee');
  const refundedInFull =
    Number(trade.refundState ?? 0) === FULL_REFUND_DONE ||
    (payment !== null && refunded !== null && payment > 0n && refunded >= payment);
  if (UNPAID_STATUSES.has(trade.status)) return null;
  if (refundedInFull) return 'refunded';
  if (trade.status === 'TRADE_CLOSED') return 'closed';
  if (trade.status === 'TRADE_SUCCESS') return 'completed';
  if (PAID_STATUSES.has(trade.status)) return 'paid';
  throw new Error(`unknown Youzan trade status: ${trade.status}`);
}
