import { ENDPOINTS } from './wecom-endpoints';
import { errorForErrcode, errorForTransport, transportFailureOf } from './wecom-error-policy';
import {
  WecomAmbiguousError,
  WecomConfigError,
  WecomFatalError,
  WecomRetryableError,
} from './wecom-errors';

const send = ENDPOINTS.addMsgTemplate; // not idempotent
const read = ENDPOINTS.getGroupMsgTask; // idempotent

describe('errorForErrcode: the class follows the errcode, never the errmsg', () => {
  it.each([
    [-1, WecomRetryableError, 1_000],
    [45009, WecomRetryableError, 60_000],
    [45033, WecomRetryableError, 5_000],
    [6000, WecomRetryableError, 1_000],
    [41063, WecomRetryableError, 5_000],
    // still refused after the one replay with a fresh token
    [40014, WecomRetryableError, 1_000],
    [42001, WecomRetryableError, 1_000],
    [40001, WecomConfigError, undefined],
    [40013, WecomConfigError, undefined],
    [40091, WecomConfigError, undefined],
    [60020, WecomConfigError, undefined],
    [48002, WecomConfigError, undefined],
    [40007, WecomFatalError, undefined],
    [40058, WecomFatalError, undefined],
    [41048, WecomFatalError, undefined],
    [84061, WecomFatalError, undefined],
  ])('%i → %p', (errcode, cls, wait) => {
    const e = errorForErrcode(send, errcode, 'system busy'); // misleading text is ignored
    expect(e).toBeInstanceOf(cls);
    expect(e.errcode).toBe(errcode);
    expect(e.endpoint).toBe('externalcontact/add_msg_template');
    expect((e as WecomRetryableError).retryAfterMs).toBe(wait);
  });

  it('config errors are fatal too', () => {
    expect(errorForErrcode(send, 48002, '')).toBeInstanceOf(WecomFatalError);
  });

  it('keeps fail_list of a refused add_msg_template', () => {
    expect(errorForErrcode(send, 41048, '', ['a']).failList).toEqual(['a']);
  });
});

describe('errorForTransport', () => {
  it.each([
    ['ECONNREFUSED', send, WecomRetryableError],
    ['ENOTFOUND', send, WecomRetryableError],
    ['EAI_AGAIN', send, WecomRetryableError],
    ['ECONNABORTED', send, WecomAmbiguousError], // axios timeout
    ['ETIMEDOUT', send, WecomAmbiguousError],
    ['ECONNRESET', send, WecomAmbiguousError],
    ['EPIPE', send, WecomAmbiguousError],
    [undefined, send, WecomAmbiguousError],
    ['ECONNABORTED', read, WecomRetryableError],
    ['ECONNRESET', read, WecomRetryableError],
  ])('%s on %o → %p', (code, endpoint, cls) => {
    expect(errorForTransport(endpoint, transportFailureOf(code))).toBeInstanceOf(cls);
  });

  it.each([
    [500, send, WecomRetryableError],
    [503, send, WecomRetryableError],
    [429, send, WecomRetryableError],
    [502, send, WecomAmbiguousError],
    [504, send, WecomAmbiguousError],
    [504, read, WecomRetryableError],
    [404, send, WecomFatalError],
    [301, send, WecomFatalError],
  ])('HTTP %i on %o → %p', (status, endpoint, cls) => {
    const e = errorForTransport(endpoint, { kind: 'http', status });
    expect(e).toBeInstanceOf(cls);
    expect(e.errcode).toBeNull();
  });

  it('an unreadable 2xx is ambiguous for a send, retryable for a read', () => {
    expect(errorForTransport(send, { kind: 'unreadable' })).toBeInstanceOf(WecomAmbiguousError);
    expect(errorForTransport(read, { kind: 'unreadable' })).toBeInstanceOf(WecomRetryableError);
  });
});
