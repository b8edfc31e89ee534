import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';

/** Paths pino masks in every log line: credentials never reach the logs. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.access_token',
  'req.query.corpsecret',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.access_token',
  '*.accessToken',
  '*.corpsecret',
  '*.corpSecret',
  '*.WECOM_CORP_SECRET',
  '*.ADMIN_TOKENS',
  '*.token',
  '*.secret',
  '*.password',
];

/** Credentials as they appear inside text: query parameters (WeCom's access_token) and headers. */
const SECRET_IN_TEXT =
  /((?:access_token|corpsecret|secret|token|password)=)[^&\s"'#]+|((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{4,}/gi;

/** `text` with every credential-looking query value or Authorization value masked. */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_m, param?: string, scheme?: string) =>
    param ? `${param}[redacted]` : `${scheme}[redacted]`,
  );
}

/** A copy of a log argument with {@link scrubSecrets} applied to every string in it. */
function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) {
    const copy = new Error(scrubSecrets(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : scrubSecrets(value.stack);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  // Only plain data is copied; requests, responses and other instances go to their serializers.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

/** Structured JSON logs (pino); every request gets an id, echoed as `x-request-id`. */
export function loggingModule(app: string) {
  return LoggerModule.forRootAsync({
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({
      pinoHttp: {
        level: config.LOG_LEVEL,
        base: { app, pid: process.pid },
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        // Text carries credentials too (a URL with access_token=, an error message quoting a
        // header): every message and field is scrubbed before it is written.
        hooks: {
          logMethod(args: unknown[], method: (...a: unknown[]) => void) {
            method.apply(
              this,
              args.map((a) => scrubValue(a)),
            );
          },
        },
        genReqId: (req, res) => {
          const incoming = req.headers['x-request-id'];
          const id =
            typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming)
              ? incoming
              : randomUUID();
          res.setHeader('x-request-id', id);
          return id;
        },
        autoLogging: { ignore: (req) => req.url === '/health' },
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({
            id: req.id,
            method: req.method,
            url: req.url?.split('?')[0],
          }),
          // The status is what operators read; the response headers (helmet's dozen among
          // them) were most of each request line's bytes and of its serialization cost.
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
      },
    }),
  });
}
