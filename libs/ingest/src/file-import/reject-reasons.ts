import type { RejectReason } from './order-file-rows';

const LISTED = [
  'missing',
  'bad_date',
  'bad_amount',
  'negative_amount',
  'unknown_status',
  'not_a_sale',
  'bad_quantity',
  'bad_customer_id',
  'no_buyer',
  'too_long',
  'inconsistent',
  'split_order',
  'order_rejected',
  'not_stored',
] as const satisfies readonly RejectReason[];
type Unlisted = Exclude<RejectReason, (typeof LISTED)[number]>;

/**
 * Every rejection code (`RejectReason`) as a value, for the API's enum. Its type is `never`
 * when a code is missing from the list, so adding a reason without listing it does not compile.
 */
export const REJECT_REASONS: readonly RejectReason[] &
  ([Unlisted] extends [never] ? unknown : never) = LISTED;
