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

  it('requires ADMIN_TOKENS in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /ADMIN_TOKENS: required in production/,
    );
    expect(
      loadConfig({ NODE_ENV: 'production', ADMIN_TOKENS: '1:long-enough-token' })
        .usingDevAdminToken,
    ).toBe(false);
  });
});
