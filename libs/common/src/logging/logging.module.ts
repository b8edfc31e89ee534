import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';

/** Paths pino masks in every log line: credentials never reach the logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.access_token',
  'req.query.corpsecret',
  '*.access_token',
  '*.corpsecret',
  '*.token',
  '*.secret',
  '*.password',
];

/** Structured JSON logs (pino); every request gets an id, echoed as `x-request-id`. */
export function loggingModule(app: string) {
  return LoggerModule.forRootAsync({
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({
      // Asynchronous stdout: lines written while a write is in flight go out together in one
      // syscall instead of one blocking write each (under load the synchronous writes were
      // ~10 % of the api's CPU). pino flushes the buffer when the process exits; a kill -9 can
      // lose the last lines, never a decision: MySQL holds those.
      pinoHttp: [
        {
          level: config.LOG_LEVEL,
          base: { app, pid: process.pid },
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
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
          },
        },
        pino.destination({ dest: 1, sync: false }),
      ],
    }),
  });
}
