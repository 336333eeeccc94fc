// Shared test fixtures: Koa apps with a session counter, cookie plumbing for supertest, a store
// over a Map, and a copy of lib/ that sees only chosen Redis client libraries.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** `/logout` ends the session; any other path signs alice in and counts her views (`countViews`). */
export function aliceUntilLogout(ctx) {
  if (ctx.path === '/logout') {
    ctx.session = null;
    ctx.body = {};
    return;
  }
  ctx.session.user = 'alice';
  countViews(ctx);
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

/** The packages each Redis client library needs linked beside it. */
const LIBRARY_PACKAGES = { ioredis: ['ioredis'], redis: ['redis', '@redis'] };

/**
 * A copy of lib/ in a temporary directory whose node_modules links only `libraries` (of `ioredis`,
 * `redis`) to ours, so that `require` from there finds those Redis clients and no other. Returns
 * `{ module, remove }`: the copy's revocations/redis.cjs, and a function deleting the directory.
 * @param {string[]} libraries
 */
export function isolatedLib(libraries) {
  const root = new URL('..', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'kss-lib-'));
  cpSync(join(root, 'lib'), join(dir, 'lib'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const name of libraries.flatMap((library) => LIBRARY_PACKAGES[library])) {
    symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return {
    module: join(dir, 'lib', 'revocations', 'redis.cjs'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Polls `check` (which may be async) every 20 ms until it returns something truthy, and returns
 * that; fails after `timeout` ms, naming `what`. For outcomes that arrive over the network: the
 * timeout is generous, and no test asserts how soon they arrive.
 * @param {string} what
 * @param {() => unknown} check
 */
export async function eventually(what, check, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The session ids Redis holds for redisRevocations under `prefix`, read from its layout: the
 * entries of the `stream` key, whose `s` field is each session's 22-character id followed by 8
 * hex digits of its expiry.
 * @param {import('ioredis').Redis} redis
 */
export async function storedSessionIds(redis, prefix = 'kss:revocations:') {
  const ids = new Set();
  for (const [, fields] of await redis.xrange(`${prefix}stream`, '-', '+')) {
    const text = fields[fields.indexOf('s') + 1] ?? '';
    if (!fields.includes('s')) continue;
    for (let i = 0; i < text.length; i += 30) ids.add(text.slice(i, i + 22));
  }
  return ids;
}

/** A koa-session store over a Map (`data`), as an app would write one for tests. */
export function mapStore() {
  const data = new Map();
  return {
    data,
    get: async (key) => data.get(key),
    set: async (key, value) => {
      data.set(key, value);
    },
    destroy: async (key) => {
      data.delete(key);
    },
  };
}
