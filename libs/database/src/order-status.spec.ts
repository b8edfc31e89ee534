import { deriveOrderStatus, YouzanTradeState } from './order-status';

describe('deriveOrderStatus: a Youzan trade → youzan_orders.status', () => {
  it.each<[string, YouzanTradeState, ReturnType<typeof deriveOrderStatus>]>([
    ['unpaid: no sale', { status: 'WAIT_BUYER_PAY', payment: '99.00' }, null],
    ['no payment created: no sale', { status: 'TRADE_NO_CREATE_PAY' }, null],
    ['just paid (a transient state)', { status: 'TRADE_PAID', payment: '99.00' }, 'paid'],
    ['waiting for the group / the shop to accept', { status: 'WAIT_CONFIRM' }, 'paid'],
    ['waiting for the seller to ship', { status: 'WAIT_SELLER_SEND_GOODS' }, 'paid'],
    ['shipped, waiting for the buyer', { status: 'WAIT_BUYER_CONFIRM_GOODS' }, 'paid'],
    ['signed for: completed', { status: 'TRADE_SUCCESS', payment: '139.14' }, 'completed'],
    [
      'a partial refund in progress changes nothing',
      { status: 'TRADE_SUCCESS', refundState: 1, payment: '100.00', refundedFee: '0' },
      'completed',
    ],
    [
      'a partial refund done keeps the trade status',
      { status: 'WAIT_SELLER_SEND_GOODS', refundState: 2, payment: '100.00', refundedFee: '30.5' },
      'paid',
    ],
    [
      'a full refund in progress is not a refund yet',
      { status: 'WAIT_SELLER_SEND_GOODS', refundState: 11, payment: '100.00' },
      'paid',
    ],
    [
      'a full refund done (refund_state 12)',
      { status: 'TRADE_SUCCESS', refundState: '12', payment: '100.00' },
      'refunded',
    ],
    [
      'refunds reaching the payment are a full refund',
      { status: 'TRADE_SUCCESS', refundState: 2, payment: '0.30', refundedFee: '0.3' },
      'refunded',
    ],
    [
      'closed after a full refund: refunded',
      { status: 'TRADE_CLOSED', refundState: 12, payment: '59.90', refundedFee: '59.90' },
      'refunded',
    ],
    ['closed otherwise (cancelled, expired)', { status: 'TRADE_CLOSED' }, 'closed'],
    [
      'closed after a partial refund: closed',
      { status: 'TRADE_CLOSED', refundState: 2, payment: '10.00', refundedFee: '9.99' },
      'closed',
    ],
    [
      'a zero payment is not refunded by a zero refund',
      { status: 'TRADE_SUCCESS', payment: '0.00', refundedFee: '0.00' },
      'completed',
    ],
  ])('%s', (_case, trade, expected) => {
    expect(deriveOrderStatus(trade)).toBe(expected);
  });

  it.each<[string, YouzanTradeState, string]>([
    ['an unknown status', { status: 'TRADE_SOMETHING_NEW' }, 'unknown Youzan trade status'],
    ['an amount with three decimals', { status: 'TRADE_SUCCESS', payment: '1.005' }, 'payment'],
    ['a negative refund', { status: 'TRADE_SUCCESS', refundedFee: '-1.00' }, 'refundedFee'],
  ])('throws on %s', (_case, trade, message) => {
    expect(() => deriveOrderStatus(trade)).toThrow(message);
  });
});
