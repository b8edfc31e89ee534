import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigValidationError, loadConfig } from '../config/load-config';
import { parseSentinels, redisConnectionOptions } from './redis-connection';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.problems;
    throw e;
  }
  throw new Error('the configuration was accepted');
};

describe('parseSentinels', () => {
  it.each([
    ['127.0.0.1:26379', [{ host: '127.0.0.1', port: 26379 }]],
    [
      ' s1.internal:26379 , s2.internal:26380,,',
      [
        { host: 's1.internal', port: 26379 },
        { host: 's2.internal', port: 26380 },
      ],
    ],
    ['[::1]:26379', [{ host: '::1', port: 26379 }]],
    ['', []],
  ])('%j', (list, expected) => {
    expect(parseSentinels(list)).toEqual(expected);
  });

  it.each([
    ['sentinel-without-port', 'sentinel-without-port'],
    ['h:0', 'h:0'],
    ['h:65536', 'h:65536'],
    ['h:port', 'h:port'],
    ['::1:26379', '::1:26379'],
    ['a:1,redis://b:2', 'redis://b:2'],
  ])('%j is refused, naming the entry', (list, entry) => {
    expect(() => parseSentinels(list)).toThrow(`"${entry}" is not host:port`);
  });
});

describe('REDIS_SENTINELS in the configuration', () => {
  it('a list without a name, or a name without a list, is a config error naming the missing one', () => {
    expect(problemsOf({ REDIS_SENTINELS: 'a:26379' })).toEqual([
      'REDIS_SENTINEL_NAME: REDIS_SENTINELS and REDIS_SENTINEL_NAME are set together',
    ]);
    expect(problemsOf({ REDIS_SENTINEL_NAME: 'wpp' })).toEqual([
      'REDIS_SENTINELS: REDIS_SENTINELS and REDIS_SENTINEL_NAME are set together',
    ]);
    expect(problemsOf({ REDIS_SENTINEL_PASSWORD: 'secret' })).toEqual([
      'REDIS_SENTINEL_PASSWORD: only with REDIS_SENTINELS',
    ]);
  });

  it('a bad entry is listed with the other bad variables, without echoing secrets', () => {
    const problems = problemsOf({
      REDIS_SENTINELS: 'a:26379,b',
      REDIS_SENTINEL_NAME: 'bad name',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      PORT: 'eighty',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^REDIS_SENTINELS: "b" is not host:port/),
        expect.stringMatching(/^REDIS_SENTINEL_NAME: /),
        expect.stringMatching(/^PORT: /),
      ]),
    );
    expect(problems.join('\n')).not.toContain('sentinel-secret');
  });

  it('empty variables (compose passes VAR= through) mean unset', () => {
    const c = loadConfig({
      REDIS_SENTINELS: '',
      REDIS_SENTINEL_NAME: '',
      REDIS_SENTINEL_PASSWORD: '',
      REDIS_PASSWORD: '',
    });
    expect(c.REDIS_SENTINELS).toEqual([]);
    expect(c.REDIS_SENTINEL_NAME).toBeUndefined();
    expect(c.REDIS_SENTINEL_PASSWORD).toBeUndefined();
    expect(c.REDIS_PASSWORD).toBeUndefined();
  });
});

describe('redisConnectionOptions', () => {
  it('without sentinels: REDIS_URL exactly as before, per use', () => {
    const c = loadConfig({ REDIS_URL: 'redis://:pw@cache.internal:6380/2' });
    expect(redisConnectionOptions(c, 'client')).toEqual({
      url: 'redis://:pw@cache.internal:6380/2',
      maxRetriesPerRequest: 3,
      enableReadyCheck: true,
      enableAutoPipelining: true,
    });
    // BullMQ's workers block on their connection: it requires maxRetriesPerRequest null.
    expect(redisConnectionOptions(c, 'queue')).toEqual({
      url: 'redis://:pw@cache.internal:6380/2',
      maxRetriesPerRequest: null,
    });
  });

  it('without sentinels, REDIS_PASSWORD is passed for a URL without one', () => {
    const c = loadConfig({ REDIS_URL: 'redis://cache.internal:6379', REDIS_PASSWORD: 'data-pw' });
    expect(redisConnectionOptions(c, 'queue')).toMatchObject({
      url: 'redis://cache.internal:6379',
      password: 'data-pw',
    });
  });

  it('with sentinels: the group, both passwords, no URL, a reconnect on READONLY', () => {
    const c = loadConfig({
      REDIS_URL: 'redis://ignored.internal:6379',
      REDIS_SENTINELS: 's1:26379,s2:26379,[fd00::3]:26380',
      REDIS_SENTINEL_NAME: 'wpp-main',
      REDIS_PASSWORD: 'data-pw',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    });
    for (const use of ['client', 'queue'] as const) {
      const o = redisConnectionOptions(c, use);
      expect(o).toMatchObject({
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
          { host: 'fd00::3', port: 26380 },
        ],
        name: 'wpp-main',
        password: 'data-pw',
        sentinelPassword: 'sentinel-pw',
        role: 'master',
        enableReadyCheck: true,
        maxRetriesPerRequest: use === 'queue' ? null : 3,
      });
      expect(o.url).toBeUndefined();
      const reconnect = o.reconnectOnError as (e: Error) => boolean | 1 | 2;
      expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
      expect(reconnect(new Error('ERR wrong number of arguments'))).toBe(false);
    }
  });
});

describe('every Redis connection of the server code comes from the factory', () => {
  const root = path.resolve(__dirname, '../../../..');
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === 'test' || e.name === 'admin' ? [] : sources(full);
      return /\.ts$/.test(e.name) && !/\.(e2e-)?spec\.ts$/.test(e.name) ? [full] : [];
    });
  const factory = path.join(__dirname, 'redis-connection.ts');
  const schema = path.resolve(__dirname, '../config/config.schema.ts');

  it('no REDIS_URL, no ioredis client and no BullMQ connection built anywhere else', () => {
    const offenders = [...sources(path.join(root, 'libs')), ...sources(path.join(root, 'apps'))]
      .filter((f) => f !== factory && f !== schema)
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${path.relative(root, f)}:${i + 1}`, line }))
          .filter(({ line }) => /REDIS_URL|new (IO)?Redis\(|connection: \{/.test(line))
          .map(({ where, line }) => `${where}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });
});
