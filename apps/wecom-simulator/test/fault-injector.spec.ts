import { FaultInjector } from '../src/fault-injector.service';
import { FaultSettings, NO_FAULTS } from '../src/simulator-settings';

const SEND = 'externalcontact/add_msg_template';

/** Timed faults on a hand-moved clock: 45009 bursts and periodic token revocation. */
describe('FaultInjector: timed faults', () => {
  let t: number;
  const injector = (faults: Partial<FaultSettings>) =>
    new FaultInjector({ ...NO_FAULTS, ...faults }, () => t);

  beforeEach(() => (t = 1_000_000));

  it('answers 45009 to every call during the first burstMs of each period, and only then', () => {
    const f = injector({ rateLimitBurstEveryMs: 10_000, rateLimitBurstMs: 2_000 });
    const at = (ms: number) => {
      t = 1_000_000 + ms;
      return f.plan(SEND).before;
    };
    expect([at(0), at(1_999), at(2_000), at(9_999), at(10_000), at(11_999), at(12_000)]).toEqual([
      'rateLimit',
      'rateLimit',
      null,
      null,
      'rateLimit',
      'rateLimit',
      null,
    ]);
  });

  it('bursts apply only to the listed endpoints, and are off by default', () => {
    const listed = injector({
      rateLimitBurstEveryMs: 10_000,
      rateLimitBurstMs: 10_000,
      endpoints: [SEND],
    });
    expect(listed.plan(SEND).before).toBe('rateLimit');
    expect(listed.plan('gettoken').before).toBeNull();
    expect(injector({}).plan(SEND).before).toBeNull();
    expect(injector({}).inRateLimitBurst()).toBe(false);
  });

  it('keeps the PRNG sequence of the other faults whether a burst is on or not', () => {
    const mixed = { seed: 3, busyRate: 0.3, http5xxRate: 0.3 };
    const plain = injector(mixed);
    const bursty = injector({ ...mixed, rateLimitBurstEveryMs: 10_000, rateLimitBurstMs: 1_000 });
    t += 5_000; // outside the burst
    const a = Array.from({ length: 30 }, () => plain.plan(SEND).before);
    const b = Array.from({ length: 30 }, () => bursty.plan(SEND).before);
    expect(b).toEqual(a);
  });

  it('a token revocation is due once per elapsed period, counted from configure()', () => {
    const f = injector({ tokenRevokeEveryMs: 30_000 });
    expect(f.tokenRevocationDue()).toBe(false);
    t += 29_999;
    expect(f.tokenRevocationDue()).toBe(false);
    t += 1;
    expect(f.tokenRevocationDue()).toBe(true);
    expect(f.tokenRevocationDue()).toBe(false);
    t += 95_000; // several periods without a call: one revocation, not a backlog
    expect(f.tokenRevocationDue()).toBe(true);
    expect(f.tokenRevocationDue()).toBe(false);
    f.configure({ ...NO_FAULTS, tokenRevokeEveryMs: 30_000 });
    t += 29_999;
    expect(f.tokenRevocationDue()).toBe(false);
    expect(injector({}).tokenRevocationDue()).toBe(false);
  });
});
