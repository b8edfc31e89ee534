/**
 * What went wrong with a WeCom call, classed by what the caller may do about it. Decided on
 * `errcode` and the transport, never on `errmsg`. No instance ever holds the access token or
 * the corp secret.
 */
export abstract class WecomError extends Error {
  constructor(
    /** Path after /cgi-bin/, e.g. `externalcontact/add_msg_template`. */
    readonly endpoint: string,
    /** WeCom's errcode; null when WeCom never answered (transport) or the check was ours. */
    readonly errcode: number | null,
    readonly errmsg: string,
    /** add_msg_template's fail_list, which WeCom returns even on some errors. */
    readonly failList?: string[],
  ) {
    super(`WeCom ${endpoint}: ${errcode === null ? '' : `errcode ${errcode} `}${errmsg}`);
    this.name = new.target.name;
  }
}

/** WeCom surely did not act; the same call may be made again after `retryAfterMs`. */
export class WecomRetryableError extends WecomError {
  constructor(
    endpoint: string,
    errcode: number | null,
    errmsg: string,
    readonly retryAfterMs: number,
  ) {
    super(endpoint, errcode, errmsg);
  }
}

/**
 * The request left but no answer came back (timeout, connection reset): WeCom may have acted.
 * For add_msg_template, resending could deliver the message twice, so it is not retried.
 */
export class WecomAmbiguousError extends WecomError {}

/** Repeating the call cannot help: bad arguments, invalid media, permissions. */
export class WecomFatalError extends WecomError {}

/** The deployment's WeCom settings are wrong (secret, corp id, trusted IP, app permission). */
export class WecomConfigError extends WecomFatalError {}
