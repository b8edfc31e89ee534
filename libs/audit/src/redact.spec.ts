import { redactForAudit } from './redact';

describe('redactForAudit: what the audit log keeps of a request body', () => {
  it.each([
    [
      'a password',
      { username: 'amy', password: 'pw' },
      { username: 'amy', password: '[redacted]' },
    ],
    ['a new password', { newPassword: 'pw' }, { newPassword: '[redacted]' }],
    [
      'a secret, a token, a key',
      { corpSecret: 's', csrfToken: 't', key: 'k', apiKey: 'a' },
      {
        corpSecret: '[redacted]',
        csrfToken: '[redacted]',
        key: '[redacted]',
        apiKey: '[redacted]',
      },
    ],
    ['nested secrets', { a: [{ token: 't', id: 1 }] }, { a: [{ token: '[redacted]', id: 1 }] }],
    [
      'fields that only mention one',
      { passwordChanged: true, keyId: 3, monkey: 'm' },
      {
        passwordChanged: true,
        keyId: 3,
        monkey: 'm',
      },
    ],
    ['numbers, booleans, null', { n: 1, b: false, z: null }, { n: 1, b: false, z: null }],
  ])('%s', (_, body, kept) => {
    expect(redactForAudit(body)).toEqual(kept);
  });

  it('cuts long strings and long lists, saying how long they were', () => {
    const out = redactForAudit({
      s: 'x'.repeat(5000),
      l: Array.from({ length: 150 }, (_, i) => i),
    }) as {
      s: string;
      l: unknown[];
    };
    expect(out.s).toBe(`${'x'.repeat(1000)}…(5000 characters)`);
    expect(out.l).toHaveLength(101);
    expect(out.l[100]).toBe('…(150 items)');
  });
});
