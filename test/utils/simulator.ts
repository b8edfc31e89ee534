import { randomBytes } from 'node:crypto';
import { LedgerEntry } from '../../apps/wecom-simulator/src/sim-control.controller';
import {
  FaultSettings,
  SimulatorBehaviour,
} from '../../apps/wecom-simulator/src/simulator-settings';
import { SimMedia, SimStats } from '../../apps/wecom-simulator/src/simulator-state.service';
import type { SendReport } from '../../apps/wecom-simulator/src/callback-sender.service';
import {
  RunningSimulator,
  SimulatorOptions,
  startSimulator,
} from '../../apps/wecom-simulator/src/start-simulator';

export type { LedgerEntry, SimStats };

export interface SimulatorHarness extends RunningSimulator {
  /** Variables that point the app's WeCom client at this simulator. */
  env: { WECOM_API_BASE: string; WECOM_CORP_ID: string; WECOM_CORP_SECRET: string };
  messages(): Promise<LedgerEntry[]>;
  media(): Promise<SimMedia[]>;
  stats(): Promise<SimStats>;
  /** Requests the simulator received for an endpoint, e.g. `gettoken`. */
  requests(endpoint: string): Promise<number>;
  /** Replaces the faults (fields left out are off) and restarts their PRNG. */
  setFaults(faults: Partial<FaultSettings>): Promise<void>;
  setBehaviour(behaviour: Partial<SimulatorBehaviour>): Promise<void>;
  revokeTokens(errcode?: 40014 | 42001): Promise<number>;
  advanceClock(ms: number): Promise<void>;
  reset(): Promise<void>;
  /** Sends signed, encrypted change callbacks to the configured callbackUrl (POST /__sim/callbacks). */
  sendCallbacks(body: {
    count?: number;
    kinds?: ('add_external_contact' | 'del_follow_user' | 'change_external_tag')[];
    duplicates?: number;
    shuffle?: boolean;
    concurrency?: number;
  }): Promise<SendReport>;
}

/**
 * Starts a WeCom simulator in this process on a free port, with a corp id of its own (so
 * tokens cached in Redis by earlier suites never match). Close it in afterAll.
 */
export async function startTestSimulator(
  options: SimulatorOptions = {},
): Promise<SimulatorHarness> {
  const suffix = randomBytes(4).toString('hex');
  const sim = await startSimulator({
    ...options,
    behaviour: {
      corpId: `ww-test-${suffix}`,
      corpSecret: `secret-${randomBytes(12).toString('hex')}`,
      ...options.behaviour,
    },
  });
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.url}/__sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    ...sim,
    env: {
      WECOM_API_BASE: sim.url,
      WECOM_CORP_ID: sim.behaviour.corpId,
      WECOM_CORP_SECRET: sim.behaviour.corpSecret,
    },
    messages: async () => (await call<{ messages: LedgerEntry[] }>('GET', 'messages')).messages,
    media: async () => (await call<{ media: SimMedia[] }>('GET', 'media')).media,
    stats: () => call<SimStats>('GET', 'stats'),
    requests: async (endpoint) => (await call<SimStats>('GET', 'stats')).requests[endpoint] ?? 0,
    setFaults: async (faults) => void (await call('POST', 'faults', faults)),
    setBehaviour: async (behaviour) => void (await call('POST', 'settings', behaviour)),
    revokeTokens: async (errcode = 42001) =>
      (await call<{ revoked: number }>('POST', 'tokens/revoke', { errcode })).revoked,
    advanceClock: async (ms) => void (await call('POST', 'clock', { advanceMs: ms })),
    reset: async () => void (await call('POST', 'reset', {})),
    sendCallbacks: (body) => call<SendReport>('POST', 'callbacks', body),
  };
}
