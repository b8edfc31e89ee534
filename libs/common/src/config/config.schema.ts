import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseSentinels } from '../redis/redis-connection';

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

/** An unset or empty variable is absent (compose passes `VAR=` through as ""). */
const optionalText = (pattern: RegExp, message: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(pattern, message).optional());

/** A group robot's webhook: http(s), the robot path, a `key` (WeCom's robot API). */
function isRobotWebhook(v: string): boolean {
  try {
    const url = new URL(v);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.pathname.endsWith('/cgi-bin/webhook/send') &&
      /^[A-Za-z0-9-]{8,128}$/.test(url.searchParams.get('key') ?? '') &&
      url.username === '' &&
      url.password === ''
    );
  } catch {
    return false;
  }
}

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
    /**
     * Bearer token of `GET /metrics` (Prometheus) on the api and the worker's WORKER_PORT;
     * unset, the route answers 404.
     */
    METRICS_TOKEN: optionalText(
      /^[\x21-\x7e]{16,256}$/,
      '16 to 256 printable ASCII characters without spaces',
    ),
    /** WeCom group robot (群机器人) the worker tells about failed / missed runs and unknown batches. */
    ALERT_WECOM_WEBHOOK: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .refine(isRobotWebhook, {
          message: 'a WeCom group robot URL: http(s)://…/cgi-bin/webhook/send?key=<key>',
        })
        .optional(),
    ),

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
    /** Password of the Redis data nodes: with REDIS_SENTINELS; with REDIS_URL when the URL has none. */
    REDIS_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
    /**
     * Redis Sentinel (`host:port,…`): set, every connection finds the primary of
     * REDIS_SENTINEL_NAME through these sentinels and REDIS_URL is not used.
     */
    REDIS_SENTINELS: z
      .string()
      .default('')
      .transform((v, ctx) => {
        try {
          return parseSentinels(v);
        } catch (e) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
          return z.NEVER;
        }
      }),
    /** The master group name the sentinels monitor (`sentinel monitor <name> …`). */
    REDIS_SENTINEL_NAME: optionalText(
      /^[A-Za-z0-9._-]{1,64}$/,
      'letters, digits, . _ - only, at most 64',
    ),
    /** Password of the sentinels themselves (their `requirepass`), if they have one. */
    REDIS_SENTINEL_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),

    /**
     * Deprecated (docs/SECURITY.md): `operatorId:token` pairs that act as admin API keys. Not
     * required in production; unset outside production, the development token is active.
     */
    ADMIN_TOKENS: z.string().optional(),
    /** A signed-in session ends after this long without a request… */
    SESSION_IDLE_MINUTES: int(30, 1, 24 * 60),
    /** …and this long after sign-in, whatever happens. */
    SESSION_MAX_HOURS: int(12, 1, 30 * 24),
    /**
     * `Secure` on the session cookie. `false` only for plain-http development (browsers treat
     * http://127.0.0.1 and localhost as secure anyway); production refuses `false`.
     */
    SESSION_COOKIE_SECURE: bool.default('true'),
    /** Failed sign-ins of one user name within LOGIN_LOCKOUT_MINUTES that lock it for that long. */
    LOGIN_MAX_FAILURES: int(5, 1, 1000),
    LOGIN_LOCKOUT_MINUTES: int(15, 1, 24 * 60),
    /** Each failed sign-in is answered this much later per earlier failure (at most 4×). */
    LOGIN_FAILURE_DELAY_MS: int(500, 0, 10_000),
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
    /**
     * Four eyes on rules (docs/SECURITY.md "Approval"): `required` — a new rule and an edit of
     * its audience, content or schedule wait as a pending version until an approver who is not
     * the author approves; `off` — every version is approved at once by its author (versions
     * and diffs are still recorded).
     */
    RULE_APPROVAL: z.enum(['required', 'off']).default('required'),
    /**
     * A manual trigger of a rule whose audience (counted as the preview counts it) is above
     * this needs a second approver's `/wechatpush/confirm`. 0: never.
     */
    APPROVAL_CONFIRM_ABOVE: int(50000, 0, 100_000_000),

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
    /**
     * WeCom's callback (接收事件服务器): the Token and EncodingAESKey set in the admin console.
     * Both or neither; unset, /wecom/callback answers 503 CALLBACK_NOT_CONFIGURED.
     */
    WECOM_CALLBACK_TOKEN: optionalText(/^[A-Za-z0-9]{1,32}$/, 'at most 32 letters and digits'),
    WECOM_CALLBACK_AES_KEY: optionalText(/^[A-Za-z0-9]{43}$/, 'exactly 43 letters and digits'),
    /** WeCom's limit per API per corp (contact sync calls wait for their endpoint's share). */
    WECOM_API_CALLS_PER_MINUTE: int(10_000, 1, 1_000_000),
    WECOM_API_CALLS_PER_HOUR: int(150_000, 1, 100_000_000),
    /**
     * Cursor chains a contact sync reads side by side (members split into this many chunks,
     * ≤ 100 each): at WeCom's ~100 ms a page, one chain reads ~10 pages a second, the rate
     * limit allows ~167.
     */
    WECOM_CONTACTS_SYNC_CHAINS: int(24, 1, 200),
    /**
     * Transactions a contact sync writes side by side, each applying every page its chains
     * (chunk mod this) read meanwhile; each holds one pooled connection while it writes.
     */
    WECOM_CONTACTS_SYNC_WRITERS: int(3, 1, 32),
    /** The nightly contact reconcile, Asia/Shanghai `HH:mm`; empty = never. */
    CONTACTS_RECONCILE_AT: z
      .string()
      .regex(/^(([01]\d|2[0-3]):[0-5]\d)?$/, 'HH:mm (00:00–23:59) or empty')
      .default('03:30'),
    /** Hosts whose images may be fetched even when they resolve to private or loopback addresses. */
    MEDIA_ALLOWED_HOSTS: csv,
    MEDIA_MAX_BYTES: int(10 * 1024 * 1024, 1024, 20 * 1024 * 1024),
    /** Whole-download deadline for an operator's image URL (headers and body). */
    MEDIA_DOWNLOAD_TIMEOUT_MS: int(15000, 100, 120000),

    /**
     * Youzan (有赞) open API: the shop's orders (docs/INGEST.md "Youzan"). The feed is
     * configured when YOUZAN_CLIENT_ID is set (then the secret and the shop's kdt_id are
     * required); YOUZAN_API_URL points elsewhere only for the simulator.
     */
    YOUZAN_API_URL: z.string().url().default('https://open.youzanyun.com'),
    YOUZAN_CLIENT_ID: z.string().default(''),
    YOUZAN_CLIENT_SECRET: z.string().default(''),
    /** The shop (kdt_id, 店铺 id) the app is authorised for: the token's grant_id. */
    YOUZAN_KDT_ID: optionalText(/^\d{1,20}$/, 'the shop id (kdt_id): digits'),
    YOUZAN_TIMEOUT_MS: int(10000, 100, 120000),
    /** The cached token is dropped this long before Youzan's `expires` (at most half its life). */
    YOUZAN_TOKEN_MARGIN_SECONDS: int(600, 0, 86400),
    /** Minutes between two incremental pulls of trades by update time (one at a time). */
    YOUZAN_PULL_INTERVAL_MINUTES: int(5, 1, 24 * 60),
    /** Each pull starts this long before where the last one ended, so late-indexed trades are read. */
    YOUZAN_PULL_OVERLAP_MINUTES: int(10, 0, 24 * 60),
    /** How far back the first pull (no watermark yet) reads. */
    YOUZAN_INITIAL_PULL_DAYS: int(30, 0, 3650),
    /** A pull reads its window in slices of at most this many hours, oldest first. */
    YOUZAN_PULL_SLICE_HOURS: int(24, 1, 24 * 90),
    /** page_size of youzan.trades.sold.get (Youzan allows at most 100). */
    YOUZAN_PAGE_SIZE: int(100, 1, 100),
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
     * How often every worker re-asserts the hourly scan's scheduler and the WeCom rate limit
     * and reconciles open and coming runs with the queues (0: never — tests that drive it).
     */
    RECONCILE_INTERVAL_SECONDS: int(60, 0, 3600),
    /**
     * How long after an `unknown` batch's in-flight window (its call's timeout + 30 s) the
     * worker waits before looking for its task in WeCom's list, so WeCom has listed it.
     */
    UNKNOWN_SETTLE_SECONDS: int(120, 0, 3600),
    /**
     * The order-feed freshness guard (issue 20): when a feed is configured (a Youzan pull or a
     * file import was recorded) and its newest success is older than this, scheduled slots
     * are skipped with "order data stale since …". 0 turns the guard off.
     */
    ORDER_FEED_MAX_AGE_HOURS: int(24, 0, 24 * 365),
    /** `/health` turns unhealthy when the last successful scan is older than this. */
    SCHEDULER_STALE_MINUTES: int(70, 2, 24 * 60),
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
    /**
     * A rule with an execution deadline (issue 22): members still not sent are reminded once
     * this percent of the deadline's window has passed (75: 18 h into a 24 h deadline).
     */
    DEADLINE_REMIND_PERCENT: int(75, 1, 99),
    /** Default attribution window of statistics: orders up to this many days after the push. */
    STATS_ATTRIBUTION_DAYS: int(7, 0, 90),
    /**
     * Order import (docs/INGEST.md): where uploaded order files and their reports are kept —
     * a directory the api writes and every worker reads (one volume in compose).
     */
    IMPORT_DIR: z.string().min(1).default(join(tmpdir(), 'wpp-imports')),
    /** Largest order file `/import/orders` takes, in MiB (the CLI has no limit). */
    IMPORT_MAX_MB: int(200, 1, 100 * 1024),
  })
  .transform((c, ctx) => {
    const sentinels = c.REDIS_SENTINELS.length > 0;
    if (sentinels !== (c.REDIS_SENTINEL_NAME !== undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [sentinels ? 'REDIS_SENTINEL_NAME' : 'REDIS_SENTINELS'],
        message: 'REDIS_SENTINELS and REDIS_SENTINEL_NAME are set together',
      });
      return z.NEVER;
    }
    if (!sentinels && c.REDIS_SENTINEL_PASSWORD !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['REDIS_SENTINEL_PASSWORD'],
        message: 'only with REDIS_SENTINELS',
      });
      return z.NEVER;
    }
    if ((c.WECOM_CALLBACK_TOKEN === undefined) !== (c.WECOM_CALLBACK_AES_KEY === undefined)) {
      const missing = c.WECOM_CALLBACK_TOKEN === undefined ? 'TOKEN' : 'AES_KEY';
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [`WECOM_CALLBACK_${missing}`],
        message: 'WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY are set together',
      });
      return z.NEVER;
    }
    if (c.WECOM_CALLBACK_TOKEN !== undefined && c.WECOM_CORP_ID === '') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['WECOM_CORP_ID'],
        message: 'required with WECOM_CALLBACK_TOKEN (callbacks are encrypted for the corp id)',
      });
      return z.NEVER;
    }
    if (c.YOUZAN_CLIENT_ID !== '') {
      const missing = [
        ...(c.YOUZAN_CLIENT_SECRET === '' ? ['YOUZAN_CLIENT_SECRET'] : []),
        ...(c.YOUZAN_KDT_ID === undefined ? ['YOUZAN_KDT_ID'] : []),
      ];
      for (const name of missing) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: 'required with YOUZAN_CLIENT_ID (the Youzan feed is configured)',
        });
      }
      if (missing.length > 0) return z.NEVER;
    }
    if (c.NODE_ENV === 'production' && !c.SESSION_COOKIE_SECURE) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['SESSION_COOKIE_SECURE'],
        message: 'production sends the session cookie over https only',
      });
      return z.NEVER;
    }
    const configured = c.ADMIN_TOKENS !== undefined && c.ADMIN_TOKENS.trim() !== '';
    if (!configured && c.NODE_ENV === 'production') {
      return { ...c, ADMIN_TOKENS: [], usingDevAdminToken: false };
    }
    const tokens = configured ? (c.ADMIN_TOKENS as string) : DEV_ADMIN_TOKENS;
    const parsed = adminTokens.safeParse(tokens);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ ...issue, path: ['ADMIN_TOKENS'] });
      }
      return z.NEVER;
    }
    // The development token is printed in the README: never accepted in production, even
    // when written into ADMIN_TOKENS by hand (the message does not repeat it).
    const devToken = DEV_ADMIN_TOKENS.split(':')[1];
    if (c.NODE_ENV === 'production' && parsed.data.some((t) => t.token === devToken)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ADMIN_TOKENS'],
        message: 'holds the development token, which production refuses',
      });
      return z.NEVER;
    }
    return {
      ...c,
      ADMIN_TOKENS: parsed.data,
      usingDevAdminToken: tokens === DEV_ADMIN_TOKENS,
    };
  });

export type AppConfig = z.output<typeof configSchema>;
