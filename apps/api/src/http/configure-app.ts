import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { SUPPRESSION_IMPORT_PATH } from '../contact-policy/suppression.controller';
import { ORDER_IMPORT_PATH } from '../import/order-import.controller';
import { IDENTITY_IMPORT_PATH } from '../import/identity-import.controller';
import { ADMIN_PATH, adminRouter } from './admin-static';
import { QUEUE_BOARD_PATH, queueBoardRouter } from './queue-board';
import { rateLimitMiddleware } from './rate-limit';
import { WECOM_CALLBACK_PATH } from '../wecom-callback/open-callback.middleware';
import { YOUZAN_PUSH_PATH } from '../youzan/open-youzan-push.middleware';
import { AllExceptionsFilter, AppConfig, AppException, ErrorCode } from '@app/common';
import {
  Authenticator,
  csrfSatisfied,
  forbidden,
  Role,
  roleIncludes,
  unauthorized,
} from '@app/accounts';

/**
 * The pages Express serves outside Nest's guards (/docs, /queues): a Bearer key or token, a
 * Basic login whose password is one (how a browser opens them by hand), or the console's
 * session cookie — with at least `role` (docs/SECURITY.md "Roles").
 */
function browserAuth(authenticator: Authenticator, role: Role) {
  return (req: Request, res: Response, next: NextFunction) => {
    authenticator.browserPrincipalOf(req).then((principal) => {
      if (principal === undefined) {
        res.setHeader('WWW-Authenticate', 'Basic realm="wecom-precision-push", charset="UTF-8"');
        return next(unauthorized());
      }
      if (!csrfSatisfied(req, principal) || !roleIncludes(principal.role, role)) {
        return next(forbidden(role));
      }
      next();
    }, next);
  };
}

/** Deepest JSON a request body may nest; the deepest real body (a rule) nests 3 levels. */
const MAX_BODY_DEPTH = 32;

/** Whether `value` nests deeper than `max` (iterative: a deep body must not exhaust the stack). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Security headers of every answer. The CSP allows only this origin's scripts (the Vite
 * build, Swagger UI's and Bull Board's bundles are files, none inline); inline styles stay
 * allowed because antd and Swagger UI inject <style> elements; images may come from any
 * http(s) host because the console previews the operator's image URLs.
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
        'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
        'img-src': ["'self'", 'data:', 'blob:', 'https:', 'http:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
  });
}

/**
 * Everything an api instance needs beyond its module: security headers, CORS (closed unless
 * CORS_ORIGINS lists origins), body parsing with a size limit (JSON; raw text for WeCom's
 * callbacks),
 * the error envelope for parser errors, OpenAPI at /docs and Bull Board at /queues (both
 * behind operator auth), and the operators' console at /admin (static files; the console
 * logs in with the operator token and sends it on every API call). Shared by main.ts and
 * the e2e tests, so tests run the real app.
 */
export function configureApiApp(app: INestApplication, config: AppConfig): void {
  const filter = new AllExceptionsFilter();
  const sendError = (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const { status, body } = filter.toBody(err);
    res.status(status).json(body);
  };

  // Every API route is a POST, which no cache revalidates: Express's default weak ETag only
  // hashed each response body for nothing (the console's static files keep theirs).
  (app.getHttpAdapter().getInstance() as express.Express).set('etag', false);
  app.use(securityHeaders());
  if (config.CORS_ORIGINS.length > 0) {
    app.enableCors({
      origin: config.CORS_ORIGINS,
      methods: ['GET', 'POST'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-CSRF-Token'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }
  // WeCom posts its callbacks as XML (whatever Content-Type it names): raw text for that path
  // alone, under the same size limit; every other route still takes JSON only.
  app.use(WECOM_CALLBACK_PATH, express.text({ limit: config.BODY_LIMIT, type: () => true }));
  // Youzan signs the raw bytes of its push messages (Event-Sign): read them as text, check, then parse.
  app.use(YOUZAN_PUSH_PATH, express.text({ limit: config.BODY_LIMIT, type: () => true }));
  app.use(
    express.json({ limit: config.BODY_LIMIT, type: ['application/json', 'application/*+json'] }),
  );
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.method === 'POST' && req.body === undefined) {
      // The upload route's multipart body is read by multer in the route's interceptor.
      const upload =
        req.path === SUPPRESSION_IMPORT_PATH ||
        req.path === ORDER_IMPORT_PATH ||
        req.path === IDENTITY_IMPORT_PATH;
      if (upload && req.is('multipart/form-data')) return next();
      const hasBody =
        Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'];
      if (hasBody) {
        return next(
          new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, '请求体必须是 JSON', [
            { field: 'Content-Type', message: 'must be application/json' },
          ]),
        );
      }
      req.body = {};
    }
    // Validation and transformation recurse through the body: refuse absurd nesting first.
    if (nestsDeeperThan(req.body, MAX_BODY_DEPTH)) {
      return next(
        AppException.validation([
          { field: 'body', message: `must not nest deeper than ${MAX_BODY_DEPTH} levels` },
        ]),
      );
    }
    next();
  });
  app.use(sendError);

  app.useGlobalFilters(filter);

  const authenticator = app.get(Authenticator);
  const limit = rateLimitMiddleware(app, config);
  app.use(
    ['/docs', '/docs-json', '/docs-yaml'],
    limit,
    browserAuth(authenticator, 'viewer'),
    sendError,
  );
  app.use(
    QUEUE_BOARD_PATH,
    limit,
    browserAuth(authenticator, 'admin'),
    queueBoardRouter(app),
    sendError,
  );
  app.use(
    ADMIN_PATH,
    adminRouter() ??
      ((_req: Request, _res: Response, next: NextFunction) =>
        next(
          new AppException(
            ErrorCode.ROUTE_NOT_FOUND,
            '运营后台尚未构建：请先运行 npm run build:admin',
          ),
        )),
    sendError,
  );
  const document = createApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * The OpenAPI document of the api's routes, as /docs serves it; scripts/gen-api-types.ts
 * builds the console's types from the same document.
 */
export function createApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('WeCom Precision Push API')
      .setDescription(
        'Push rules, audience preview, runs and statistics. Every route is POST with a JSON body ' +
          'and answers {success, data} or {success:false, error:{code, message, details}}. ' +
          'Authenticate with `Authorization: Bearer <API key>` (/apikeys/create; the deprecated ' +
          'ADMIN_TOKENS still work as admin keys), or sign in with /auth/login (session cookie; ' +
          'writes then carry X-CSRF-Token). Every route needs a role: docs/SECURITY.md.',
      )
      .setVersion('1.0')
      .addBearerAuth()
      .build(),
  );
}
