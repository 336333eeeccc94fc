// The session middlewares the end-to-end and pipeline benchmarks compare, each in a Koa app whose
// handler reads and rewrites the session on every request (`?size=` characters of data).
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import Koa from 'koa';
import legacyEncryptedSession from 'koa-encrypted-session';
import session from 'koa-session';
import session7 from 'koa-session-7';
import encryptedSession, { encryptedStore, memoryRevocations } from '../../index.mjs';
import codec from '../../lib/codec.cjs';
import native from '../../lib/native.cjs';

const key = Buffer.alloc(32, 7);

/**
 * Revocations as a busy fleet holds them: 100 000 revoked sessions and 1 000 users signed out
 * everywhere (none of them the benchmark's), so that every check looks through a full mirror.
 */
function busyRevocations() {
  const revocations = memoryRevocations();
  for (let i = 0; i < 100_000; i++) revocations.revoke(randomBytes(16).toString('base64url'));
  for (let i = 0; i < 1_000; i++) revocations.revokeUser(`other-user-${i}`);
  return revocations;
}

/** koa-session's own cookie encoding (base64 JSON), passed as hooks as this package passes its own. */
const base64Json = {
  encode: (data) => Buffer.from(JSON.stringify(data)).toString('base64'),
  decode: (text) => JSON.parse(Buffer.from(text, 'base64').toString('utf8')),
};

/**
 * The crypto floor, for the breakdown only: unsigned koa-session with this package's native seal
 * and open (compact, a kernel nonce per seal) as its hooks, and nothing else of the package: no
 * session id, issue time, metadata checks, size guard or per-request state.
 */
function nativeSealOnly() {
  const ring = codec.cookieKeyring(
    { secretKey: key, key: 'koa.sess', format: 'compact', maxCookies: 1, assumeIssuedAt: 0 },
    { sync: true },
  );
  return {
    encode: (data) => ring.seal(undefined, JSON.stringify(data), 0).slice(native.TOKEN_CHARS),
    decode: (text) => JSON.parse(ring.open(text).slice(native.OPENED_JSON_AT)),
  };
}

/** A koa-session store over the Redis at BENCH_REDIS_URL, values expiring with the session. */
function redisStore() {
  const url = process.env.BENCH_REDIS_URL;
  if (!url) throw new Error('BENCH_REDIS_URL must name the Redis server for the store contender');
  const redis = new Redis(url);
  return {
    get: async (id) => (await redis.get(id)) ?? undefined,
    set: async (id, value, maxAge) => {
      await redis.set(id, value, 'PX', maxAge);
    },
    destroy: async (id) => {
      await redis.del(id);
    },
  };
}

/** The contenders of the large-session benchmark only (the store one needs a Redis server). */
export const SPLIT_AND_STORE = [
  'koa-sodium-session (compact, split across cookies)',
  'koa-sodium-session, encryptedStore on Redis',
];

/**
 * The contenders of the large-session benchmark's split against one cookie, per request: a
 * session split across cookies of 4096 bytes against the same one in one cookie of up to 8192.
 */
export const SPLIT_AND_ONE = [
  'koa-sodium-session (compact, split across cookies)',
  'koa-sodium-session (compact, one cookie of up to 8192 bytes)',
];

/** Contender name → the middleware it installs on `app`. */
export const MIDDLEWARES = {
  'koa-sodium-session (compact)': (app) => encryptedSession({ secretKey: key, format: 'compact' }, app),
  'koa-sodium-session (compact, revocations on)': (app) =>
    encryptedSession({ secretKey: key, format: 'compact', revocations: busyRevocations(), userKey: 'userId' }, app),
  'koa-sodium-session (legacy)': (app) => encryptedSession({ secretKey: key }, app),
  'koa-sodium-session (compact, split across cookies)': (app) =>
    encryptedSession({ secretKey: key, format: 'compact', maxCookies: 4, maxTotalCookieBytes: 16_000 }, app),
  'koa-sodium-session (compact, one cookie of up to 8192 bytes)': (app) =>
    encryptedSession({ secretKey: key, format: 'compact', maxCookieBytes: 8192 }, app),
  'koa-sodium-session, encryptedStore on Redis': (app) =>
    encryptedSession({ secretKey: key, store: encryptedStore(redisStore(), { secretKey: key }) }, app),
  'koa-encrypted-session 3.0.7': (app) => legacyEncryptedSession({ secretKey: key }, app),
  'koa-session, signed (default)': (app) => {
    app.keys = ['a signing key for the benchmark'];
    return session({}, app);
  },
  'koa-session, unsigned': (app) => session({ signed: false }, app),
  'koa-session, unsigned, native seal and open as hooks': (app) => session({ signed: false, ...nativeSealOnly() }, app),
  'koa-session 7.0.2, signed (default)': (app) => {
    app.keys = ['a signing key for the benchmark'];
    return session7({}, app);
  },
  'koa-session 7.0.2, unsigned': (app) => session7({ signed: false }, app),
  'koa-session 7.0.2, unsigned, hooks given': (app) => session7({ signed: false, ...base64Json }, app),
};

/** A Koa app with contender `name`'s middleware and the benchmark handler. */
export function sessionApp(name) {
  const app = new Koa();
  app.use(MIDDLEWARES[name](app));
  app.use((ctx) => {
    const size = Number(ctx.query.size ?? 0);
    if (ctx.session.data === undefined) {
      ctx.session.userId = 'u-1';
      ctx.session.data = 'x'.repeat(size);
    }
    ctx.session.views = (ctx.session.views ?? 0) + 1;
    ctx.body = 'ok';
  });
  return app;
}
