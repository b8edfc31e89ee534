/**
 * The identifiers a buyer arrives with, from any source (an order file, Youzan). Matched to
 * `customers` in this order — customer id, unionid, Youzan buyer id, mobile — never by
 * nickname (docs/INGEST.md "Identity").
 */
export interface BuyerIdentifiers {
  customerId?: number;
  unionid?: string;
  youzanBuyerId?: string;
  mobile?: string;
  /** Stored on a customer created for the buyer; never used to match. */
  nickname?: string;
}

/** Identifiers trimmed, empties dropped, the mobile reduced to its digits (+86 dropped). */
export function normaliseBuyer(b: BuyerIdentifiers): BuyerIdentifiers {
  const text = (s: string | undefined, max: number) => {
    const t = s?.trim();
    return t ? t.slice(0, max) : undefined;
  };
  return {
    customerId: b.customerId !== undefined && b.customerId > 0 ? b.customerId : undefined,
    unionid: text(b.unionid, 64),
    youzanBuyerId: text(b.youzanBuyerId, 64),
    mobile: normaliseMobile(b.mobile),
    nickname: text(b.nickname, 255),
  };
}

/**
 * A mobile number as one key: separators dropped, a leading +86 / 0086 of a Chinese mobile
 * removed, other country codes kept with their `+`. Undefined when no digit is left.
 */
export function normaliseMobile(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const plus = raw.trim().startsWith('+');
  let digits = raw.replace(/\D/g, '');
  if (!digits) return undefined;
  if (plus && digits.startsWith('86') && digits.length === 13) digits = digits.slice(2);
  else if (digits.startsWith('0086') && digits.length === 15) digits = digits.slice(4);
  else if (plus) digits = `+${digits}`;
  return digits.slice(0, 32);
}

/** True when the buyer carries something to match on (a nickname alone is not). */
export function hasIdentifier(b: BuyerIdentifiers): boolean {
  return Boolean(b.customerId || b.unionid || b.youzanBuyerId || b.mobile);
}
