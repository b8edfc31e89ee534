import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

const csv = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

/** `operatorId:token` pairs, comma-separated. The id fills created_by / updated_by. */
const adminTokens = z.string().transform((v, ctx) => {
  const pairs: { operatorId: number; token: string }[] = [];
  for (const raw of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const idx = raw.indexOf(':');
    const id = Number(raw.slice(0, idx));
    const token = raw.slice(idx + 1);
    if (idx <= 0 || !Number.isInteger(id) || id <= 0 || token.length < 8) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          'each entry must be operatorId:token with a positive integer id and a token of at least 8 characters',
      });
      return z.NEVER;
    }
    pairs.push({ operatorId: id, token });
  }
  if (pairs.length === 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: 'at least one operatorId:token pair is required',
    });
    return z.NEVER;
  }
  return pairs;
});

/** Development-only operator token, used when ADMIN_TOKENS is unset outside production. */
const DEV_ADMIN_TOKENS = '1:dev-operator-token';

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int(3000, 0, 65535),
    /** api processes sharing PORT (node:cluster); the api is stateless, so >1 uses more cores. */
    API_PROCESSES: int(1, 1, 64),
    WORKER_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),

    DB_HOST: z.string().min(1).default('127.0.0.1'),
    DB_PORT: int(3306, 1, 65535),
    DB_USER: z.string().min(1).default('root'),
    DB_PASSWORD: z.string().default(''),
    DB_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only, at most 64')
      .default('wecom_push'),
    DB_POOL_SIZE: int(10, 1, 200),

    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    /** Prefix of every Redis key and BullMQ queue this deployment owns. */
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/)
      .default('wpp'),

    ADMIN_TOKENS: z.string().optional(),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'a size such as 256kb or 1mb')
      .default('256kb'),
    /** Origins allowed to call the API from a browser (CORS); empty = no cross-origin access. */
    CORS_ORIGINS: csv,
    /** Rate limit: at most THROTTLE_LIMIT requests per THROTTLE_TTL_SECONDS per operator (or per IP without a valid token), shared by every api process through Redis. */
    THROTTLE_TTL_SECONDS: int(60, 1, 3600),
    THROTTLE_LIMIT: int(600, 1, 10_000_000),
    /** Lifetime of cached rule reads (lists/info); every rule write invalidates them at once. 0 = off. */
    RULE_CACHE_TTL_SECONDS: int(300, 0, 86400),

    WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
    WECOM_CORP_ID: z.string().default(''),
    WECOM_CORP_SECRET: z.string().default(''),
    WECOM_MINIPROGRAM_APPID: z.string().default(''),
    WECOM_TIMEOUT_MS: int(10000, 100, 120000),
    WECOM_MAX_CALLS_PER_SECOND: int(20, 1, 10000),
    /** The cached access token is dropped this long before WeCom's `expires_in` (at most half of it). */
    WECOM_TOKEN_MARGIN_SECONDS: int(300, 0, 3600),
    /** How long an uploaded image's media_id is reused; WeCom keeps it 3 days, so stay below. */
    WECOM_MEDIA_CACHE_SECONDS: int(60 * 60 * 60, 60, 3 * 24 * 60 * 60 - 3600),
    /** How long an image URL maps to its media_id without downloading again (content changes show after this). */
    WECOM_MEDIA_URL_CACHE_SECONDS: int(3600, 1, 3 * 24 * 60 * 60 - 3600),
    /** Hosts whose images may be fetched even when they resolve to private or loopback addresses. */
    MEDIA_ALLOWED_HOSTS: csv,
    MEDIA_MAX_BYTES: int(10 * 1024 * 1024, 1024, 20 * 1024 * 1024),
    /** Whole-download deadline for an operator's image URL (headers and body). */
    MEDIA_DOWNLOAD_TIMEOUT_MS: int(15000, 100, 120000),

    PUSH_BATCH_SIZE: int(10000, 1, 10000),
    MISFIRE_GRACE_MINUTES: int(30, 1, 24 * 60),
    WORKER_CONCURRENCY: int(4, 1, 256),
    /** WeCom calls one batch may make for retryable errors before it is recorded as failed. */
    BATCH_MAX_ATTEMPTS: int(6, 1, 50),
    /** Cap of a batch's retry delay (exponential from 1 s, or WeCom's own block time). */
    BATCH_RETRY_MAX_DELAY_MS: int(120000, 100, 3600000),
    SHUTDOWN_TIMEOUT_MS: int(30000, 0, 600000),
    SCHEDULER_ENABLED: bool.default('true'),
    /**
     * Contact policy: how long a rule's slot waits for the selections of higher-priority
     * rules of the same minute (then it selects anyway, and says so in the log).
     */
    /**
     * The contact policy (caps, cooldowns, opt-outs) applies to every selection. `false` is
     * for benchmarks and emergencies only: nothing is excluded and no contact is recorded,
     * so the caps undercount afterwards (the worker warns at start).
     */
    CONTACT_POLICY_ENABLED: bool.default('true'),
    POLICY_PRIORITY_WAIT_SECONDS: int(120, 0, 3600),
    /**
     * Operator ids who may change the global contact policy and mark a rule cap-exempt
     * (comma separated); empty: every operator (until accounts and roles exist).
     */
    POLICY_OPERATOR_IDS: csv,

    /** First get_groupmsg_task / get_groupmsg_send_result poll this long after a batch was sent. */
    DELIVERY_POLL_DELAY_MINUTES: int(10, 0, 24 * 60),
    /** Polls repeat this often until every recipient has a final status. */
    DELIVERY_POLL_INTERVAL_MINUTES: int(60, 1, 24 * 60),
    /** Tracking of a task stops this long after it was sent, final or not. */
    DELIVERY_POLL_MAX_HOURS: int(72, 1, 30 * 24),
    /** Members still at "not sent" this long after the send (and after the last reminder) are reminded. */
    REMIND_AFTER_MINUTES: int(120, 1, 7 * 24 * 60),
    /** remind_groupmsg_send calls per task per 24 h (WeCom allows 3); 0 turns reminders off. */
    REMIND_MAX_PER_DAY: int(3, 0, 3),
    /** Default attribution window of statistics: orders up to this many days after the push. */
    STATS_ATTRIBUTION_DAYS: int(7, 0, 90),
  })
  .transform((c, ctx) => {
    let tokens = c.ADMIN_TOKENS;
    if (tokens === undefined || tokens.trim() === '') {
      if (c.NODE_ENV === 'production') {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['ADMIN_TOKENS'],
          message: 'required in production',
        });
        return z.NEVER;
      }
      tokens = DEV_ADMIN_TOKENS;
    }
    const parsed = adminTokens.safeParse(tokens);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ ...issue, path: ['ADMIN_TOKENS'] });
      }
      return z.NEVER;
    }
    return {
      ...c,
      ADMIN_TOKENS: parsed.data,
      usingDevAdminToken: tokens === DEV_ADMIN_TOKENS,
    };
  });

export type AppConfig = z.output<typeof configSchema>;
