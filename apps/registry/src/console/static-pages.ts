import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { PROBLEM_CONTENT_TYPE, problemType } from '../common/problem';

/** Anything middleware mounts on: the Nest app, or a bare Express app in tests. */
export interface MountsMiddleware {
  use(path: string, ...handlers: RequestHandler[]): unknown;
}

/** The two single-page apps the service serves, each built by Vite into apps/console/dist/<name>. */
export const PAGE_APPS = [
  { name: 'console', mount: '/console' },
  { name: 'h5', mount: '/h5' },
] as const;

/**
 * Where the built pages live: apps/console/dist under the project root. The service runs
 * from the TypeScript sources (tests) or from dist/ (npm start, the image), so the root is
 * found by walking up to the folder that holds apps/console.
 */
export function consoleDistDir(from = __dirname): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'apps', 'console', 'vite.config.mts'))) {
      return join(dir, 'apps', 'console', 'dist');
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Serves the built console at /console and the citizens' page at /h5 as static files, with
 * the single-page fallback: any other path below the mount that names no file answers the
 * app's index.html, so a deep link (/console/persons/…) opens the page the router shows.
 * Hashed assets are cached for a year (their names change with their content); index.html
 * never is, so a new build is picked up at the next load. The API, /docs and /health are
 * untouched: these mounts see only their own paths.
 */
export function servePageApps(app: MountsMiddleware, distDir = consoleDistDir()): void {
  for (const page of PAGE_APPS) {
    const root = distDir ? join(distDir, page.name) : undefined;
    const index = root ? join(root, 'index.html') : undefined;
    app.use(page.mount, (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      if (!index || !existsSync(index)) return notBuilt(res, page.name);
      // /console without the slash: the app's relative routes need the folder form.
      if (req.originalUrl === page.mount || req.originalUrl.startsWith(`${page.mount}?`)) {
        return res.redirect(301, `${page.mount}/${req.originalUrl.slice(page.mount.length)}`);
      }
      return next();
    });
    if (!root) continue;
    app.use(
      page.mount,
      express.static(root, {
        index: false,
        fallthrough: true,
        redirect: false,
        setHeaders: (res, path) => {
          res.setHeader('Cache-Control', path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      }),
    );
    app.use(page.mount, (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      // A missing asset is a 404, not the page: a stale tab asking for an old chunk must learn it is gone.
      if (req.path.startsWith('/assets/') || /\.[a-z0-9]{1,8}$/i.test(req.path)) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index!);
    });
  }
}

function notBuilt(res: Response, name: string): void {
  res
    .status(503)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: problemType('PAGES_NOT_BUILT'),
        title: 'Service Unavailable',
        status: 503,
        code: 'PAGES_NOT_BUILT',
        detail: `The ${name} pages are not built: run npm run build (it builds apps/console).`,
      }),
    );
}
