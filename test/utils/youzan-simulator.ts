import { randomBytes } from 'node:crypto';
import type { SimOrderView, TradeAction } from '../../apps/youzan-simulator/src/trade-book';
import type { PushResult, PushType } from '../../apps/youzan-simulator/src/push-sender';
import type { YouzanSimSettings } from '../../apps/youzan-simulator/src/youzan-sim-settings';
import {
  RunningYouzanSimulator,
  startYouzanSimulator,
  YouzanSimulatorOptions,
} from '../../apps/youzan-simulator/src/start-youzan-simulator';

export type { SimOrderView };

export interface YouzanSimulatorHarness extends RunningYouzanSimulator {
  /** Variables that point the app's Youzan connector at this simulator. */
  env: {
    YOUZAN_API_URL: string;
    YOUZAN_CLIENT_ID: string;
    YOUZAN_CLIENT_SECRET: string;
    YOUZAN_KDT_ID: string;
  };
  orders(): Promise<SimOrderView[]>;
  create(count: number, at?: string): Promise<string[]>;
  change(tid: string, action: TradeAction, at?: string): Promise<void>;
  churn(counts: { refund?: number; close?: number; complete?: number }): Promise<string[]>;
  push(body: {
    tid: string;
    type: PushType;
    signing?: 'header' | 'body';
    forge?: boolean;
  }): Promise<PushResult>;
  requests(endpoint: string): Promise<number>;
  setSettings(settings: Partial<YouzanSimSettings>): Promise<void>;
  revokeTokens(): Promise<void>;
}

/**
 * Starts a Youzan simulator in this process on a free port, with a client id of its own (so
 * tokens cached in Redis by earlier suites never match). Close it in afterAll.
 */
export async function startTestYouzanSimulator(
  options: YouzanSimulatorOptions = {},
): Promise<YouzanSimulatorHarness> {
  const sim = await startYouzanSimulator({
    ...options,
    settings: {
      clientId: `yz-test-${randomBytes(4).toString('hex')}`,
      clientSecret: `secret-${randomBytes(12).toString('hex')}`,
      ...options.settings,
    },
  });
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.url}/__sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok)
      throw new Error(`youzan simulator ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    ...sim,
    env: {
      YOUZAN_API_URL: sim.url,
      YOUZAN_CLIENT_ID: sim.settings.clientId,
      YOUZAN_CLIENT_SECRET: sim.settings.clientSecret,
      YOUZAN_KDT_ID: sim.settings.kdtId,
    },
    orders: async () => (await call<{ orders: SimOrderView[] }>('GET', 'orders')).orders,
    create: async (count, at) =>
      (await call<{ tids: string[] }>('POST', 'trades', { count, at })).tids,
    change: async (tid, action, at) => void (await call('POST', `trades/${tid}`, { action, at })),
    churn: async (counts) => (await call<{ tids: string[] }>('POST', 'churn', counts)).tids,
    push: (body) => call<PushResult>('POST', 'push', body),
    requests: async (endpoint) =>
      (await call<{ requests: Record<string, number> }>('GET', 'stats')).requests[endpoint] ?? 0,
    setSettings: async (settings) => void (await call('POST', 'settings', settings)),
    revokeTokens: async () => void (await call('POST', 'tokens/revoke', {})),
  };
}
