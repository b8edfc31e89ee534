import { timingSafeEqual } from 'node:crypto';
import { configSchema } from '../config/config.schema';
import { OperatorTokens } from './operator-auth.guard';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

describe('OperatorTokens: constant-time token comparison', () => {
  const config = configSchema.parse({
    ADMIN_TOKENS: '1:first-operator-token,2:second-operator-token-longer,3:third-op-token',
  });
  let tokens: OperatorTokens;
  const compare = timingSafeEqual as jest.MockedFunction<typeof timingSafeEqual>;

  beforeEach(() => {
    tokens = new OperatorTokens(config);
    compare.mockClear();
  });

  it.each([
    ['the first token', 'first-operator-token', 1],
    ['the last token', 'third-op-token', 3],
    ['a wrong token of another length', 'x', undefined],
    ['a prefix of a token', 'first-operator', undefined],
    ['a token with one more character', 'first-operator-tokenX', undefined],
    ['a very long token', 'y'.repeat(10_000), undefined],
    ['an empty token', '', undefined],
  ])('%s: compares 32-byte digests against every configured token', (_, presented, expected) => {
    expect(tokens.resolve(presented)).toBe(expected);
    // Every configured token is compared, whichever matched, and always over equal
    // lengths: neither the position of a match nor the presented length shows in timing.
    expect(compare).toHaveBeenCalledTimes(3);
    for (const [a, b] of compare.mock.calls) {
      expect(a.byteLength).toBe(32);
      expect(b.byteLength).toBe(32);
    }
  });
});
