import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { NextFunction, Request, Response, Router } from 'express';

export const ADMIN_PATH = '/admin';

/**
 * Where the built console is: `ADMIN_DIST_DIR`, else `dist/admin` under the working
 * directory (where `npm run build:admin` writes it and where the image keeps it).
 */
function adminDistDir(): string {
  return resolve(process.env.ADMIN_DIST_DIR ?? join(process.cwd(), 'dist', 'admin'));
}

/**
 * The operators' console at /admin: static files plus index.html for every other GET
 * (client-side routes). The files hold no data and need no token; the app asks for the
 * operator token and sends it as a Bearer token on every API call, so the API's own auth
 * protects everything the console shows. Undefined when the console was not built.
 */
export function adminRouter(dir = adminDistDir()): Router | undefined {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  const router = express.Router();
  router.use(
    express.static(dir, {
      index: false,
      fallthrough: true,
      setHeaders: (res, path) => {
        // Hashed file names under assets/ never change; index.html must be re-read.
        res.setHeader(
          'Cache-Control',
          path.includes(`${join(dir, 'assets')}`)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    }),
  );
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/assets/')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
