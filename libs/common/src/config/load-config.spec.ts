import { ConfigValidationError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('works with no variables at all (localhost defaults, development token)', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      DB_HOST: '127.0.0.1',
      DB_PORT: 3306,
      DB_USER: 'root',
      DB_PASSWORD: '',
      REDIS_URL: 'redis://127.0.0.1:6379',
      WECOM_API_BASE: 'https://qyapi.weixin.qq.com',
      PUSH_BATCH_SIZE: 10000,
      MISFIRE_GRACE_MINUTES: 30,
      usingDevAdminToken: true,
    });
    expect(c.ADMIN_TOKENS).toEqual([{ operatorId: 1, token: 'dev-operator-token' }]);
    expect(c.WORKER_PORT).toBeUndefined();
  });

  it('parses operator tokens and lists', () => {
    const c = loadConfig({
      ADMIN_TOKENS: '7:abcdefgh12, 9:zyxwvuts98',
      MEDIA_ALLOWED_HOSTS: 'a.example, b.example ,',
      PORT: '8080',
    });
    expect(c.ADMIN_TOKENS).toEqual([
      { operatorId: 7, token: 'abcdefgh12' },
      { operatorId: 9, token: 'zyxwvuts98' },
    ]);
    expect(c.MEDIA_ALLOWED_HOSTS).toEqual(['a.example', 'b.example']);
    expect(c.PORT).toBe(8080);
    expect(c.usingDevAdminToken).toBe(false);
  });

  it('lists every bad variable at once, without echoing values', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DB_PORT: '70000',
        REDIS_URL: 'not a url',
        PUSH_BATCH_SIZE: '20000',
        WECOM_CORP_SECRET: 'super-secret-value',
        ADMIN_TOKENS: 'x:short',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.join('\n');
    for (const name of ['PORT', 'DB_PORT', 'REDIS_URL', 'PUSH_BATCH_SIZE']) {
      expect(problems).toMatch(new RegExp(`^${name}:`, 'm'));
    }
    expect((error as Error).message).not.toContain('super-secret-value');
  });

  it('reports ADMIN_TOKENS problems', () => {
    expect(() => loadConfig({ ADMIN_TOKENS: '1:short' })).toThrow(/ADMIN_TOKENS/);
    expect(() => loadConfig({ ADMIN_TOKENS: 'abc' })).toThrow(/ADMIN_TOKENS/);
  });

  it('refuses the development token in production, without printing it', () => {
    let message = '';
    try {
      loadConfig({
        NODE_ENV: 'production',
        ADMIN_TOKENS: '1:long-enough-token,2:dev-operator-token',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/ADMIN_TOKENS: holds the development token, which production refuses/);
    expect(message).not.toContain('dev-operator-token');
    expect(loadConfig({ NODE_ENV: 'development' }).usingDevAdminToken).toBe(true);
  });

  it('does not require the deprecated ADMIN_TOKENS in production, nor fall back to the development token there', () => {
    const c = loadConfig({ NODE_ENV: 'production' });
    expect(c.ADMIN_TOKENS).toEqual([]);
    expect(c.usingDevAdminToken).toBe(false);
    expect(
      loadConfig({ NODE_ENV: 'production', ADMIN_TOKENS: '1:long-enough-token' })
        .usingDevAdminToken,
    ).toBe(false);
  });

  it('keeps the session cookie Secure in production', () => {
    expect(loadConfig({}).SESSION_COOKIE_SECURE).toBe(true);
    expect(loadConfig({ SESSION_COOKIE_SECURE: 'false' }).SESSION_COOKIE_SECURE).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_COOKIE_SECURE: 'false' })).toThrow(
      /SESSION_COOKIE_SECURE: production sends the session cookie over https only/,
    );
  });

  describe('WeCom callback settings (checked at boot)', () => {
    const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

    it('are optional: unset or empty means callbacks are off', () => {
      expect(loadConfig({}).WECOM_CALLBACK_TOKEN).toBeUndefined();
      const c = loadConfig({ WECOM_CALLBACK_TOKEN: '', WECOM_CALLBACK_AES_KEY: '' });
      expect(c.WECOM_CALLBACK_AES_KEY).toBeUndefined();
    });

    it('accept a token with a 43-character EncodingAESKey and a corp id', () => {
      const c = loadConfig({
        WECOM_CALLBACK_TOKEN: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
        WECOM_CALLBACK_AES_KEY: KEY,
        WECOM_CORP_ID: 'ww1436e0e65a779aee',
      });
      expect(c).toMatchObject({ WECOM_CALLBACK_TOKEN: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo' });
    });

    it.each([
      [
        'a 42-character key',
        { WECOM_CALLBACK_AES_KEY: KEY.slice(1) },
        /WECOM_CALLBACK_AES_KEY: exactly 43/,
      ],
      [
        'a 44-character key',
        { WECOM_CALLBACK_AES_KEY: `${KEY}=` },
        /WECOM_CALLBACK_AES_KEY: exactly 43/,
      ],
      [
        'a key with symbols',
        { WECOM_CALLBACK_AES_KEY: `${KEY.slice(1)}+` },
        /WECOM_CALLBACK_AES_KEY/,
      ],
      [
        'a token of 33 characters',
        { WECOM_CALLBACK_TOKEN: 'a'.repeat(33) },
        /WECOM_CALLBACK_TOKEN/,
      ],
      [
        'a key without a token',
        { WECOM_CALLBACK_TOKEN: '' },
        /WECOM_CALLBACK_TOKEN: .*set together/,
      ],
      [
        'a token without a key',
        { WECOM_CALLBACK_AES_KEY: undefined },
        /WECOM_CALLBACK_AES_KEY: .*set together/,
      ],
      ['no corp id', { WECOM_CORP_ID: '' }, /WECOM_CORP_ID: required with WECOM_CALLBACK_TOKEN/],
    ])('refuse %s', (_what, change, problem) => {
      const env: Record<string, string | undefined> = {
        WECOM_CALLBACK_TOKEN: 'tok3n',
        WECOM_CALLBACK_AES_KEY: KEY,
        WECOM_CORP_ID: 'ww-corp',
        ...change,
      };
      expect(() => loadConfig(env as Record<string, string>)).toThrow(problem);
    });
  });
});
