import {
  DEFAULT_BEHAVIOUR,
  NO_FAULTS,
  parseSimulatorEnv,
  SimulatorEnvError,
} from '../src/simulator-settings';

describe('simulator environment', () => {
  it('has working defaults: port 8090, no faults', () => {
    const env = parseSimulatorEnv({});
    expect(env.port).toBe(8090);
    expect(env.host).toBe('0.0.0.0');
    expect(env.behaviour).toEqual(DEFAULT_BEHAVIOUR);
    expect(env.faults).toEqual(NO_FAULTS);
  });

  it('reads behaviour and faults from SIM_* variables', () => {
    const env = parseSimulatorEnv({
      PORT: '0',
      SIM_CORP_ID: 'ww1',
      SIM_TOKEN_TTL_SECONDS: '30',
      SIM_SENDERS: 'a, b',
      SIM_NOT_FRIEND_PATTERN: '^nf',
      SIM_LATENCY_MS: '50',
      SIM_BUSY_RATE: '0.25',
      SIM_FAULT_ENDPOINTS: 'gettoken,externalcontact/add_msg_template',
      SIM_RATE_LIMIT_BURST_EVERY_MS: '60000',
      SIM_RATE_LIMIT_BURST_MS: '5000',
      SIM_TOKEN_REVOKE_EVERY_MS: '30000',
    });
    expect(env.port).toBe(0);
    expect(env.behaviour).toMatchObject({
      corpId: 'ww1',
      tokenTtlSeconds: 30,
      senders: ['a', 'b'],
      notFriendPattern: '^nf',
    });
    expect(env.faults).toMatchObject({
      latencyMs: 50,
      busyRate: 0.25,
      rateLimitBurstEveryMs: 60000,
      rateLimitBurstMs: 5000,
      tokenRevokeEveryMs: 30000,
      endpoints: ['gettoken', 'externalcontact/add_msg_template'],
    });
  });

  it('lists every bad variable by its name', () => {
    let error: SimulatorEnvError | undefined;
    try {
      parseSimulatorEnv({
        PORT: 'eighty',
        SIM_BUSY_RATE: '1.5',
        SIM_TOKEN_TTL_SECONDS: '0',
        SIM_OVER_CAP_PATTERN: '(',
      });
    } catch (e) {
      error = e as SimulatorEnvError;
    }
    expect(error).toBeInstanceOf(SimulatorEnvError);
    const names = error?.problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual([
      'PORT',
      'SIM_BUSY_RATE',
      'SIM_OVER_CAP_PATTERN',
      'SIM_TOKEN_TTL_SECONDS',
    ]);
  });
});
