// The demo's stylesheet and icon, served from static/ beside this module. Browsers revalidate them
// on each use (a 304 while they are unchanged), so an edited stylesheet shows at the next reload.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The files served, by path: the file in static/ and its media type. */
const FILES = {
  '/demo.css': ['demo.css', 'text/css; charset=utf-8'],
  '/favicon.svg': ['favicon.svg', 'image/svg+xml'],
};

/** Koa middleware answering GET and HEAD for the files above; other requests pass. */
export function assets() {
  const served = new Map(
    Object.entries(FILES).map(([path, [file, type]]) => {
      const body = readFileSync(new URL(`static/${file}`, import.meta.url));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      return [path, { body, type, etag }];
    }),
  );
  return async (ctx, next) => {
    const asset = (ctx.method === 'GET' || ctx.method === 'HEAD') && served.get(ctx.path);
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.etag = asset.etag;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = asset.body;
    if (ctx.fresh) ctx.status = 304;
  };
}
