/** The errcodes the simulator answers, with WeCom's wording (errmsg is informative only). */
const ERRMSG: Record<number, string> = {
  [-1]: 'system busy',
  0: 'ok',
  40001: 'invalid credential, access_token is invalid or not latest',
  40003: 'invalid userid',
  40004: 'invalid media type',
  40005: 'invalid file type',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40009: 'invalid image size',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40058: 'invalid parameter',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41005: 'media data missing',
  41046: 'missing msgid',
  41047: 'invalid msgid',
  41048: 'no available external contact to send',
  41063: 'msg is sending, please try again later',
  41064: 'attachments count exceed limit',
  41065: 'invalid attachments msgtype',
  41093: 'group msg already cancelled',
  41094: 'remind count exceed limit',
  42001: 'access_token expired',
  44001: 'empty media data',
  45009: 'reach max api daily quota limit',
  90207: 'invalid miniprogram appid',
};

export interface WecomAnswer {
  errcode: number;
  errmsg: string;
  [field: string]: unknown;
}

/** An error answer; `detail` is appended like WeCom's hints. */
export function wecomError(errcode: number, detail?: string): WecomAnswer {
  const base = ERRMSG[errcode] ?? 'error';
  return { errcode, errmsg: detail ? `${base}, hint: [${detail}]` : base };
}

export function ok(fields: Record<string, unknown> = {}): WecomAnswer {
  return { errcode: 0, errmsg: 'ok', ...fields };
}
