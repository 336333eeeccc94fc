// Shared test fixtures: Koa apps with a session counter, and cookie plumbing for supertest.
import { readFileSync } from 'node:fs';
import Koa from 'koa';
import request from 'supertest';

export const KEY = Buffer.from('EsAg64LMvGITBBz1ZGLfDNU/MYqGDpTzJ1u4BsvIfTw=', 'base64');
export const SECRET = 'a passphrase of at least thirty-two bytes';
export const SALT = 'sixteen-byte-slt';

/** The version of the Koa that `import 'koa'` gives here (Koa 2 under `--import ./__test__/koa-2.mjs`). */
export const KOA_VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('koa')))).version;

/** The runtime running the tests, with its version. */
export const RUNTIME = process.versions.bun
  ? `Bun ${process.versions.bun}`
  : globalThis.Deno
    ? `Deno ${globalThis.Deno.version.deno}`
    : `Node.js ${process.versions.node}`;

/**
 * The skip reason for a test whose system program (a database server, a browser) is missing. With
 * `KSS_REQUIRE_ALL_TESTS` set, as `.ci/run` does after installing them, it throws instead: there a
 * skip would hide a broken install.
 */
export function notInstalled(what) {
  if (process.env.KSS_REQUIRE_ALL_TESTS) throw new Error(`${what} is not installed, and every test must run here`);
  return `${what} is not installed`;
}

/**
 * A Koa app using `middleware(opts, app)` whose handler runs `handler(ctx)`, by default a view
 * counter that also echoes the session as JSON.
 */
export function makeApp(middleware, opts, handler = countViews) {
  const app = new Koa();
  app.use(middleware(opts, app));
  app.use(async (ctx) => {
    await handler(ctx);
  });
  return app;
}

/** Increments `views` and answers with the session. */
export function countViews(ctx) {
  ctx.session.views = (ctx.session.views ?? 0) + 1;
  ctx.body = ctx.session.toJSON();
}

/** The `name=value` pair of the session cookie a response set, or undefined. */
export function sessionCookie(res, name = 'koa.sess') {
  const header = res.headers['set-cookie'] ?? [];
  return header.map((line) => line.split(';')[0]).find((pair) => pair.startsWith(`${name}=`));
}

/** The raw value of a `name=value` pair. */
export function cookieValue(pair) {
  return pair.slice(pair.indexOf('=') + 1);
}

/** GET `path` from `app`, sending `cookie` (a `name=value` pair) when given. */
export function get(app, path = '/', cookie) {
  const req = request(app.callback()).get(path);
  return cookie ? req.set('Cookie', cookie) : req;
}
