/**
 * Stable machine-readable error codes of the REST API. Clients branch on these:
 * never rename or reuse a shipped value.
 */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  /** /auth/login: unknown user name, wrong password or a disabled account (one answer for all). */
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  /** /auth/login: too many failed sign-ins of this user name; Retry-After says when to try again. */
  LOGIN_LOCKED = 'LOGIN_LOCKED',
  /** A cookie-authenticated request without the session's X-CSRF-Token header. */
  CSRF_TOKEN_INVALID = 'CSRF_TOKEN_INVALID',
  NOT_FOUND = 'NOT_FOUND',
  ROUTE_NOT_FOUND = 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  NAME_TAKEN = 'NAME_TAKEN',
  CONFLICT = 'CONFLICT',
  /** The target exists but its state does not allow the operation (e.g. resending a sent batch). */
  INVALID_STATE = 'INVALID_STATE',
  /** A manual trigger inside the contact policy's quiet hours without `force: true`. */
  QUIET_HOURS = 'QUIET_HOURS',
  /** A manual trigger of a rule that has no approved version yet. */
  NOT_APPROVED = 'NOT_APPROVED',
  /** /wechatpush/approve by the version's author (four eyes). */
  SELF_APPROVAL = 'SELF_APPROVAL',
  /** /wechatpush/approve or reject of a version that is not the rule's pending one. */
  VERSION_NOT_PENDING = 'VERSION_NOT_PENDING',
  /**
   * A trigger above APPROVAL_CONFIRM_ABOVE: a second approver confirms with /wechatpush/confirm;
   * the detail of field `requestId` carries the request's id as its message.
   */
  CONFIRMATION_REQUIRED = 'CONFIRMATION_REQUIRED',
  RATE_LIMITED = 'RATE_LIMITED',
  /** /wecom/callback: WECOM_CALLBACK_TOKEN / WECOM_CALLBACK_AES_KEY are not set. */
  CALLBACK_NOT_CONFIGURED = 'CALLBACK_NOT_CONFIGURED',
  /** /wecom/callback: msg_signature does not match (not from WeCom, or another token). */
  CALLBACK_SIGNATURE_INVALID = 'CALLBACK_SIGNATURE_INVALID',
  /** /wecom/callback: the timestamp is more than 5 minutes from now (a replay, or a wrong clock). */
  CALLBACK_TIMESTAMP_STALE = 'CALLBACK_TIMESTAMP_STALE',
  /** /wecom/callback: validly signed but encrypted for another corp id. */
  CALLBACK_WRONG_CORP = 'CALLBACK_WRONG_CORP',
  /** /wecom/callback: the body, the ciphertext or the decrypted message cannot be read. */
  CALLBACK_MALFORMED = 'CALLBACK_MALFORMED',
  /** /youzan/push: YOUZAN_CLIENT_ID / YOUZAN_CLIENT_SECRET are not set. */
  YOUZAN_NOT_CONFIGURED = 'YOUZAN_NOT_CONFIGURED',
  /** /youzan/push: Event-Sign (or the body's sign) does not match: not from Youzan, or another app. */
  YOUZAN_SIGNATURE_INVALID = 'YOUZAN_SIGNATURE_INVALID',
  /** /youzan/push: signed, but the body or its msg cannot be read. */
  YOUZAN_PUSH_MALFORMED = 'YOUZAN_PUSH_MALFORMED',
  /** /wechatpush/testsend: the test group has no member (an admin fills it: /testgroup/update). */
  TEST_GROUP_EMPTY = 'TEST_GROUP_EMPTY',
  /** /wechatpush/testsend: a test send of this rule is still being sent. */
  TEST_SEND_IN_FLIGHT = 'TEST_SEND_IN_FLIGHT',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}

export const ERROR_HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.VALIDATION_FAILED]: 400,
  [ErrorCode.MALFORMED_JSON]: 400,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.INVALID_CREDENTIALS]: 401,
  [ErrorCode.LOGIN_LOCKED]: 429,
  [ErrorCode.CSRF_TOKEN_INVALID]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.ROUTE_NOT_FOUND]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.NAME_TAKEN]: 409,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.INVALID_STATE]: 409,
  [ErrorCode.QUIET_HOURS]: 409,
  [ErrorCode.NOT_APPROVED]: 409,
  [ErrorCode.SELF_APPROVAL]: 403,
  [ErrorCode.VERSION_NOT_PENDING]: 409,
  [ErrorCode.CONFIRMATION_REQUIRED]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.CALLBACK_NOT_CONFIGURED]: 503,
  [ErrorCode.CALLBACK_SIGNATURE_INVALID]: 401,
  [ErrorCode.CALLBACK_TIMESTAMP_STALE]: 400,
  [ErrorCode.CALLBACK_WRONG_CORP]: 403,
  [ErrorCode.CALLBACK_MALFORMED]: 400,
  [ErrorCode.YOUZAN_NOT_CONFIGURED]: 503,
  [ErrorCode.YOUZAN_SIGNATURE_INVALID]: 401,
  [ErrorCode.YOUZAN_PUSH_MALFORMED]: 400,
  [ErrorCode.TEST_GROUP_EMPTY]: 409,
  [ErrorCode.TEST_SEND_IN_FLIGHT]: 409,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.INTERNAL_ERROR]: 500,
};

/** One offending field: `field` is a path into the request body, e.g. `weekDayPushTime[1].time`. */
export interface ErrorDetail {
  field: string;
  message: string;
}

export interface ErrorBody {
  success: false;
  error: { code: ErrorCode; message: string; details: ErrorDetail[]; errorId?: string };
}
