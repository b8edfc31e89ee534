import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { seededRandom } from '@app/common';
import { FaultSettings } from './simulator-settings';

type FaultBeforeCall = 'http5xx' | 'busy' | 'rateLimit' | 'tokenInvalid' | 'lost';
type FaultAfterCall = 'timeout' | 'reset';

interface FaultPlan {
  delayMs: number;
  before: FaultBeforeCall | null;
  after: FaultAfterCall | null;
}

const NONE: FaultPlan = { delayMs: 0, before: null, after: null };

/** Picks `r` into the first bucket whose cumulative rate exceeds it. */
function pick<T>(r: number, buckets: [T, number][]): T | null {
  let edge = 0;
  for (const [value, rate] of buckets) {
    edge += rate;
    if (r < edge) return value;
  }
  return null;
}

/**
 * Decides each call's latency and fault from a seeded PRNG: the same seed and the same
 * sequence of calls give the same faults. Timed faults (45009 bursts, periodic token
 * revocation) count from the moment the faults were set, on real time (`now`).
 */
@Injectable()
export class FaultInjector implements OnApplicationShutdown {
  private settings: FaultSettings;
  private random: () => number;
  private held = new Set<{ timer: NodeJS.Timeout; release: () => void }>();
  private configuredAt = 0;
  private revocations = 0;

  constructor(
    settings: FaultSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.configure(settings);
  }

  configure(settings: FaultSettings): void {
    this.settings = settings;
    this.random = seededRandom(settings.seed);
    this.configuredAt = this.now();
    this.revocations = 0;
  }

  /** Inside a 45009 burst: the first `rateLimitBurstMs` of each `rateLimitBurstEveryMs`. */
  inRateLimitBurst(): boolean {
    const { rateLimitBurstEveryMs: every, rateLimitBurstMs: burst } = this.settings;
    if (every <= 0 || burst <= 0) return false;
    return (this.now() - this.configuredAt) % every < burst;
  }

  /**
   * True once per elapsed `tokenRevokeEveryMs` period (checked on each call, so the
   * revocation takes effect at the first call after the period ended).
   */
  tokenRevocationDue(): boolean {
    const every = this.settings.tokenRevokeEveryMs;
    if (every <= 0) return false;
    const periods = Math.floor((this.now() - this.configuredAt) / every);
    if (periods <= this.revocations) return false;
    this.revocations = periods;
    return true;
  }

  get current(): FaultSettings {
    return this.settings;
  }

  plan(endpoint: string): FaultPlan {
    const s = this.settings;
    if (s.endpoints.length > 0 && !s.endpoints.includes(endpoint)) return NONE;
    // Always three draws per call, so one fault's rate does not shift the others' sequence.
    const [rDelay, rBefore, rAfter] = [this.random(), this.random(), this.random()];
    const burst = this.inRateLimitBurst();
    return {
      delayMs: s.latencyMs + Math.floor(rDelay * s.jitterMs),
      before: burst
        ? 'rateLimit'
        : pick<FaultBeforeCall>(rBefore, [
            ['http5xx', s.http5xxRate],
            ['busy', s.busyRate],
            ['rateLimit', s.rateLimitRate],
            ['tokenInvalid', s.tokenInvalidRate],
            ['lost', s.timeoutBeforeCallRate],
          ]),
      after: pick<FaultAfterCall>(rAfter, [
        ['timeout', s.timeoutAfterAcceptRate],
        ['reset', s.resetAfterAcceptRate],
      ]),
    };
  }

  /** Waits `ms`, or less when the simulator shuts down. */
  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.held.delete(entry);
          resolve();
        }, ms),
        release: resolve,
      };
      this.held.add(entry);
    });
  }

  onApplicationShutdown(): void {
    for (const entry of this.held) {
      clearTimeout(entry.timer);
      entry.release();
    }
    this.held.clear();
  }
}
