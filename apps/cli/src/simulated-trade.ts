import { deriveOrderStatus, type OrderStatus } from '@app/database';

/** What the loaders store of an order's value: `payment`, `refunded_fee` (yuan text) and `status`. */
interface OrderValue {
  payment: string;
  refundedFee: string | null;
  status: OrderStatus;
}

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/**
 * A paid Youzan trade of `paymentFen` as the connector would store it, its status derived the
 * connector's way (`deriveOrderStatus`): about 3 % closed, 3 % refunded in full, 4 % refunded
 * in part (10–60 %), the rest completed (85 %) or still paid (shipped or waiting to ship).
 * `u` draws uniform numbers in [0, 1), so a loader's seeded generator makes it deterministic.
 */
export function simulatedOrderValue(paymentFen: number, u: () => number): OrderValue {
  const x = u();
  const y = u();
  const status =
    x < 0.03
      ? 'TRADE_CLOSED'
      : y < 0.85
        ? 'TRADE_SUCCESS'
        : y < 0.95
          ? 'WAIT_BUYER_CONFIRM_GOODS'
          : 'WAIT_SELLER_SEND_GOODS';
  let refundedFen: number | null = null;
  let refundState = 0;
  if (x >= 0.03 && x < 0.06) {
    refundedFen = paymentFen;
    refundState = 12;
  } else if (x >= 0.06 && x < 0.1) {
    refundedFen = Math.max(1, Math.round(paymentFen * (0.1 + 0.5 * u())));
    refundState = 2;
  }
  const payment = yuan(paymentFen);
  const refundedFee = refundedFen === null ? null : yuan(refundedFen);
  const derived = deriveOrderStatus({ status, refundState, payment, refundedFee });
  if (derived === null) throw new Error(`simulated trade ${status} is not a sale`);
  return { payment, refundedFee, status: derived };
}
