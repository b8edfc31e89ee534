import { z } from 'zod';

const rate = z.coerce.number().min(0).max(1);
const nonNegInt = z.coerce.number().int().min(0);

const pattern = z
  .string()
  .refine(
    (v) => {
      try {
        new RegExp(v);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a valid regular expression' },
  )
  .optional();

const list = z.array(z.string().min(1));

/** How the simulated corp behaves: credentials, lifetimes, recipients and senders. */
export const behaviourSchema = z.object({
  corpId: z.string().min(1),
  corpSecret: z.string().min(1),
  tokenTtlSeconds: z.coerce.number().int().min(1),
  mediaTtlSeconds: z.coerce.number().int().min(1),
  /** Members customers are spread over (by a hash of the id) when a call names no sender. */
  senders: list.min(1),
  /** Time from the task's creation (or a reminder) until a member confirms the send. */
  sendDelayMs: nonNegInt,
  /** Queries of a task younger than this answer 41063 (still being dispatched). */
  dispatchDelayMs: nonNegInt,
  /** external_userids that come back in `fail_list` (no relation with any member). */
  notFriendPattern: pattern,
  /** Customers who deleted the member before the send: status 2 in the results. */
  lostFriendPattern: pattern,
  /** Customers over WeCom's receive cap: status 3 in the results. */
  overCapPattern: pattern,
  /** Members who confirm only after a reminder. */
  lazySenderPattern: pattern,
  /** Mini-program appids linked to the corp; empty accepts any. */
  miniProgramAppIds: list,
  /** Where `POST /__sim/callbacks` sends WeCom's change callbacks (the app's /wecom/callback). */
  callbackUrl: z.string().url().optional(),
  /** The callback Token and EncodingAESKey, as set in the admin console (the app's WECOM_CALLBACK_*). */
  callbackToken: z
    .string()
    .regex(/^[A-Za-z0-9]{1,32}$/)
    .optional(),
  callbackAesKey: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, 'exactly 43 letters and digits')
    .optional(),
  /** The generated corp (客户联系): seed, members (senders first), external contacts. */
  corpSeed: z.coerce.number().int().min(1).max(999_999),
  corpMembers: z.coerce.number().int().min(1).max(10_000),
  corpContacts: z.coerce.number().int().min(0).max(2_000_000),
  /** Shares of contacts with a unionid / with a remark mobile on their first follow. */
  corpUnionidRate: rate,
  corpMobileRate: rate,
  /** WeCom's limit per contact API (get_follow_user_list, batch/get_by_user, get_corp_tag_list); 0 = none. */
  contactCallsPerMinute: nonNegInt,
});
export type SimulatorBehaviour = z.infer<typeof behaviourSchema>;

/** Faults injected into /cgi-bin calls, drawn from a PRNG seeded with `seed`. */
export const faultSchema = z.object({
  seed: z.coerce.number().int(),
  latencyMs: nonNegInt,
  jitterMs: nonNegInt,
  /** HTTP 503 with an empty body; nothing is done. */
  http5xxRate: rate,
  /** errcode -1 (system busy); nothing is done. */
  busyRate: rate,
  /** errcode 45009 (frequency limit); nothing is done. */
  rateLimitRate: rate,
  /** errcode 40014 and the token used is revoked. */
  tokenInvalidRate: rate,
  /**
   * The request is held for `holdMs`, then the connection is reset; the call is never carried
   * out (the client times out, WeCom created nothing — a request lost on its way).
   */
  timeoutBeforeCallRate: rate,
  /** The call is carried out, then the answer is held for `holdMs` (the client times out). */
  timeoutAfterAcceptRate: rate,
  /** The call is carried out, then the connection is reset. */
  resetAfterAcceptRate: rate,
  holdMs: nonNegInt,
  /**
   * 45009 bursts: for the first `rateLimitBurstMs` of every `rateLimitBurstEveryMs` (counted
   * from when the faults were set), every call answers 45009 and nothing is done. 0 = off.
   */
  rateLimitBurstEveryMs: nonNegInt,
  rateLimitBurstMs: nonNegInt,
  /** Every this many ms (from when the faults were set), all live tokens are revoked (40014). 0 = off. */
  tokenRevokeEveryMs: nonNegInt,
  /** Endpoints (e.g. `externalcontact/add_msg_template`) faults apply to; empty means all. */
  endpoints: list,
});
export type FaultSettings = z.infer<typeof faultSchema>;

export const DEFAULT_BEHAVIOUR: SimulatorBehaviour = {
  corpId: 'ww-sim-corp',
  corpSecret: 'sim-corp-secret',
  tokenTtlSeconds: 7200,
  mediaTtlSeconds: 3 * 24 * 3600,
  senders: ['zhangsan', 'lisi', 'wangwu'],
  sendDelayMs: 5000,
  dispatchDelayMs: 0,
  miniProgramAppIds: [],
  corpSeed: 1,
  corpMembers: 3,
  corpContacts: 0,
  corpUnionidRate: 0.7,
  corpMobileRate: 0.3,
  contactCallsPerMinute: 10_000,
};

export const NO_FAULTS: FaultSettings = {
  seed: 1,
  latencyMs: 0,
  jitterMs: 0,
  http5xxRate: 0,
  busyRate: 0,
  rateLimitRate: 0,
  tokenInvalidRate: 0,
  timeoutBeforeCallRate: 0,
  timeoutAfterAcceptRate: 0,
  resetAfterAcceptRate: 0,
  holdMs: 60000,
  rateLimitBurstEveryMs: 0,
  rateLimitBurstMs: 0,
  tokenRevokeEveryMs: 0,
  endpoints: [],
};

interface SimulatorEnv {
  port: number;
  host: string;
  behaviour: SimulatorBehaviour;
  faults: FaultSettings;
}

export class SimulatorEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid simulator configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const BEHAVIOUR_ENV: Record<keyof SimulatorBehaviour, string> = {
  corpId: 'SIM_CORP_ID',
  corpSecret: 'SIM_CORP_SECRET',
  tokenTtlSeconds: 'SIM_TOKEN_TTL_SECONDS',
  mediaTtlSeconds: 'SIM_MEDIA_TTL_SECONDS',
  senders: 'SIM_SENDERS',
  sendDelayMs: 'SIM_SEND_DELAY_MS',
  dispatchDelayMs: 'SIM_DISPATCH_DELAY_MS',
  notFriendPattern: 'SIM_NOT_FRIEND_PATTERN',
  lostFriendPattern: 'SIM_LOST_FRIEND_PATTERN',
  overCapPattern: 'SIM_OVER_CAP_PATTERN',
  lazySenderPattern: 'SIM_LAZY_SENDER_PATTERN',
  miniProgramAppIds: 'SIM_MINIPROGRAM_APPIDS',
  callbackUrl: 'SIM_CALLBACK_URL',
  callbackToken: 'SIM_CALLBACK_TOKEN',
  callbackAesKey: 'SIM_CALLBACK_AES_KEY',
  corpSeed: 'SIM_CORP_SEED',
  corpMembers: 'SIM_CORP_MEMBERS',
  corpContacts: 'SIM_CORP_CONTACTS',
  corpUnionidRate: 'SIM_CORP_UNIONID_RATE',
  corpMobileRate: 'SIM_CORP_MOBILE_RATE',
  contactCallsPerMinute: 'SIM_CONTACT_CALLS_PER_MINUTE',
};

const FAULT_ENV: Record<keyof FaultSettings, string> = {
  seed: 'SIM_SEED',
  latencyMs: 'SIM_LATENCY_MS',
  jitterMs: 'SIM_JITTER_MS',
  http5xxRate: 'SIM_HTTP_5XX_RATE',
  busyRate: 'SIM_BUSY_RATE',
  rateLimitRate: 'SIM_RATE_LIMIT_RATE',
  tokenInvalidRate: 'SIM_TOKEN_INVALID_RATE',
  timeoutBeforeCallRate: 'SIM_TIMEOUT_BEFORE_CALL_RATE',
  timeoutAfterAcceptRate: 'SIM_TIMEOUT_AFTER_ACCEPT_RATE',
  resetAfterAcceptRate: 'SIM_RESET_AFTER_ACCEPT_RATE',
  holdMs: 'SIM_HOLD_MS',
  rateLimitBurstEveryMs: 'SIM_RATE_LIMIT_BURST_EVERY_MS',
  rateLimitBurstMs: 'SIM_RATE_LIMIT_BURST_MS',
  tokenRevokeEveryMs: 'SIM_TOKEN_REVOKE_EVERY_MS',
  endpoints: 'SIM_FAULT_ENDPOINTS',
};

function fromEnv<K extends string>(
  names: Record<K, string>,
  defaults: Partial<Record<K, unknown>>,
  env: NodeJS.ProcessEnv,
  lists: readonly K[],
): Record<K, unknown> {
  const out = {} as Record<K, unknown>;
  for (const key of Object.keys(names) as K[]) {
    const raw = env[names[key]];
    if (raw === undefined || raw.trim() === '') out[key] = defaults[key];
    else if (lists.includes(key)) {
      out[key] = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else out[key] = raw;
  }
  return out;
}

function issues<K extends string>(names: Record<K, string>, error: z.ZodError): string[] {
  return error.issues.map((i) => `${names[i.path[0] as K] ?? String(i.path[0])}: ${i.message}`);
}

const portSchema = z.coerce.number().int().min(0).max(65535);

/** Reads PORT, HOST and SIM_* into validated settings; every bad variable is listed at once. */
export function parseSimulatorEnv(env: NodeJS.ProcessEnv = process.env): SimulatorEnv {
  const port = portSchema.safeParse(env.PORT?.trim() ? env.PORT : 8090);
  const behaviour = behaviourSchema.safeParse(
    fromEnv(BEHAVIOUR_ENV, DEFAULT_BEHAVIOUR, env, ['senders', 'miniProgramAppIds']),
  );
  const faults = faultSchema.safeParse(fromEnv(FAULT_ENV, NO_FAULTS, env, ['endpoints']));
  const problems = [
    ...(port.success ? [] : [`PORT: ${port.error.issues[0].message}`]),
    ...(behaviour.success ? [] : issues(BEHAVIOUR_ENV, behaviour.error)),
    ...(faults.success ? [] : issues(FAULT_ENV, faults.error)),
  ];
  if (!port.success || !behaviour.success || !faults.success) {
    throw new SimulatorEnvError(problems);
  }
  return {
    port: port.data,
    host: env.HOST?.trim() || '0.0.0.0',
    behaviour: behaviour.data,
    faults: faults.data,
  };
}
