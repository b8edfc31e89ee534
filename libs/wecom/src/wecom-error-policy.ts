import { WecomEndpoint } from './wecom-endpoints';
import {
  WecomAmbiguousError,
  WecomConfigError,
  WecomError,
  WecomFatalError,
  WecomRetryableError,
} from './wecom-errors';

/** The access token is expired or invalid: fetch a new one and replay the call once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 42001]);

/** Wrong settings of this deployment; retrying would only risk WeCom banning the IP. */
const CONFIG_ERRCODES: ReadonlySet<number> = new Set([
  40001, // invalid secret
  40013, // invalid corp id
  40091, // secret of another corp
  41002, // corp id missing
  41004, // secret missing
  48002, // the app may not call this API (customer contact not granted)
  60020, // calling IP not in the app's trusted IPs
]);

/** Errcodes after which WeCom did nothing and asks to come back later, with how long to wait. */
const RETRYABLE_ERRCODES: ReadonlyMap<number, number> = new Map([
  [-1, 1_000], // system busy
  [6000, 1_000], // data version conflict
  [45009, 60_000], // frequency limit; a minute limit blocks for 60 s
  [45033, 5_000], // concurrency limit
  [41063, 5_000], // task still being dispatched (result queries right after creating)
]);

/** Transport errors raised before any byte of the request could reach WeCom. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
]);

export type TransportFailure =
  /** Connection refused, DNS failure: the request never left. */
  | { kind: 'not-sent'; code: string }
  /** Timeout, reset or anything else after the request may have left. */
  | { kind: 'no-answer'; code: string }
  /** An HTTP status that is not WeCom's (WeCom answers 200 with an errcode). */
  | { kind: 'http'; status: number }
  /** A 2xx whose body is not a WeCom answer. */
  | { kind: 'unreadable' };

/** Classes a Node/axios error code; unknown codes count as "may have been sent". */
export function transportFailureOf(code: string | undefined): TransportFailure {
  const c = code ?? 'UNKNOWN';
  return NOT_SENT_CODES.has(c) ? { kind: 'not-sent', code: c } : { kind: 'no-answer', code: c };
}

/** Retryable when repeating the call is harmless, else ambiguous. */
function unknownOutcome(endpoint: WecomEndpoint, what: string): WecomError {
  return endpoint.idempotent
    ? new WecomRetryableError(endpoint.name, null, what, 1_000)
    : new WecomAmbiguousError(endpoint.name, null, `${what}; WeCom may have acted`);
}

export function errorForTransport(endpoint: WecomEndpoint, failure: TransportFailure): WecomError {
  switch (failure.kind) {
    case 'not-sent':
      return new WecomRetryableError(
        endpoint.name,
        null,
        `no connection (${failure.code}); the request was not sent`,
        2_000,
      );
    case 'no-answer':
      return unknownOutcome(endpoint, `no answer (${failure.code})`);
    case 'unreadable':
      return unknownOutcome(endpoint, 'the answer is not a WeCom answer');
    case 'http': {
      const what = `HTTP ${failure.status}`;
      // A gateway's 502/504 may come after it forwarded the request.
      if (failure.status === 502 || failure.status === 504) return unknownOutcome(endpoint, what);
      if (failure.status >= 500 || failure.status === 429) {
        return new WecomRetryableError(endpoint.name, null, what, 1_000);
      }
      return new WecomFatalError(endpoint.name, null, `${what} (is WECOM_API_BASE right?)`);
    }
  }
}

/** The error for a non-zero errcode (token errcodes only reach here after the one replay). */
export function errorForErrcode(
  endpoint: WecomEndpoint,
  errcode: number,
  errmsg: string,
  failList?: string[],
): WecomError {
  if (TOKEN_ERRCODES.has(errcode)) {
    return new WecomRetryableError(endpoint.name, errcode, errmsg, 1_000);
  }
  if (CONFIG_ERRCODES.has(errcode)) return new WecomConfigError(endpoint.name, errcode, errmsg);
  const wait = RETRYABLE_ERRCODES.get(errcode);
  if (wait !== undefined) return new WecomRetryableError(endpoint.name, errcode, errmsg, wait);
  return new WecomFatalError(endpoint.name, errcode, errmsg, failList);
}
