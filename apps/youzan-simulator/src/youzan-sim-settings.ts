import { z } from 'zod';

/** How the simulated shop behaves: the app's credentials, its trades, where pushes go. */
export const youzanSimSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** The shop (kdt_id) the app is authorised for: the token's grant_id. */
  kdtId: z.string().regex(/^\d{1,20}$/),
  tokenTtlSeconds: z.coerce.number().int().min(1),
  /** Seed of the generated trades: the same seed, count and start give the same trades. */
  seed: z.coerce.number().int(),
  /** Trades generated at start (and at reset), created over the last `days` days. */
  trades: z.coerce.number().int().min(0).max(2_000_000),
  days: z.coerce.number().int().min(1).max(3650),
  /** Largest page_size youzan.trades.sold.get accepts (Youzan's is 100). */
  maxPageSize: z.coerce.number().int().min(1).max(1000),
  /** Deepest result one query may page to (page_no × page_size). */
  maxResults: z.coerce.number().int().min(1),
  /** Where `POST /__sim/push` sends push messages (the app's /youzan/push). */
  pushUrl: z.string().url().optional(),
});
export type YouzanSimSettings = z.infer<typeof youzanSimSchema>;

export const DEFAULT_YOUZAN_SIM: YouzanSimSettings = {
  clientId: 'yz-sim-client',
  clientSecret: 'yz-sim-secret',
  kdtId: '90001',
  tokenTtlSeconds: 7 * 24 * 3600,
  seed: 20,
  trades: 500,
  days: 30,
  maxPageSize: 100,
  maxResults: 10_000,
};

const ENV: Record<keyof YouzanSimSettings, string> = {
  clientId: 'YZ_SIM_CLIENT_ID',
  clientSecret: 'YZ_SIM_CLIENT_SECRET',
  kdtId: 'YZ_SIM_KDT_ID',
  tokenTtlSeconds: 'YZ_SIM_TOKEN_TTL_SECONDS',
  seed: 'YZ_SIM_SEED',
  trades: 'YZ_SIM_TRADES',
  days: 'YZ_SIM_DAYS',
  maxPageSize: 'YZ_SIM_MAX_PAGE_SIZE',
  maxResults: 'YZ_SIM_MAX_RESULTS',
  pushUrl: 'YZ_SIM_PUSH_URL',
};

/** Reads PORT, HOST and YZ_SIM_* into validated settings; every bad variable is listed at once. */
export function parseYouzanSimEnv(env: NodeJS.ProcessEnv = process.env) {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV) as [keyof YouzanSimSettings, string][]) {
    const v = env[name]?.trim();
    raw[key] = v ? v : DEFAULT_YOUZAN_SIM[key];
  }
  const settings = youzanSimSchema.safeParse(raw);
  const port = z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .safeParse(env.PORT?.trim() || 8091);
  const problems = [
    ...(port.success ? [] : [`PORT: ${port.error.issues[0].message}`]),
    ...(settings.success
      ? []
      : settings.error.issues.map(
          (i) => `${ENV[i.path[0] as keyof YouzanSimSettings] ?? String(i.path[0])}: ${i.message}`,
        )),
  ];
  if (!port.success || !settings.success) {
    throw new Error(`Invalid Youzan simulator configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return { port: port.data, host: env.HOST?.trim() || '0.0.0.0', settings: settings.data };
}
