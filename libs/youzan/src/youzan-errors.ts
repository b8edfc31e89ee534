/**
 * A Youzan call that did not give data: `retryable` when another attempt may succeed
 * (transport, gateway limits, Youzan busy), not for refused credentials or bad parameters.
 * The message never carries the token or the secret.
 */
export class YouzanApiError extends Error {
  constructor(
    readonly api: string,
    readonly code: number | string | null,
    message: string,
    readonly retryable: boolean,
  ) {
    super(`Youzan ${api}: ${code === null ? '' : `${code} `}${message}`);
    this.name = 'YouzanApiError';
  }
}

/** Gateway codes of a token Youzan no longer accepts (invalid, expired, unknown). */
export const TOKEN_REFUSED_CODES = new Set([4201, 4202, 4203]);
