'use strict';

const session = require('koa-session');
const { codedError, describe } = require('./errors.cjs');
const { keySource, keyringFor, isCompact, toMillis, makeHooks, STALE } = require('./codec.cjs');

/** Browsers keep a cookie only while name, value and attributes fit in 4096 bytes. */
const DEFAULT_MAX_COOKIE_BYTES = 4096;

/**
 * Bytes a cookie's name, `=` and attributes add to its value, as `ctx.cookies.set` writes them
 * (counting `secure`, which Koa may add on HTTPS, and a full-length `expires`).
 * @param {Record<string, unknown>} opts koa-session options
 */
function cookieOverhead(opts) {
  const attributes = [
    `path=${opts.path ?? '/'}`,
    opts.maxAge === 'session' ? '' : 'expires=Thu, 01 Jan 1970 00:00:00 GMT',
    opts.domain ? `domain=${opts.domain}` : '',
    opts.sameSite ? `samesite=${opts.sameSite === true ? 'strict' : String(opts.sameSite).toLowerCase()}` : '',
    'secure',
    opts.httpOnly === false ? '' : 'httponly',
  ].filter(Boolean);
  return String(opts.key ?? 'koa.sess').length + 1 + attributes.reduce((sum, a) => sum + 2 + a.length, 0);
}

/**
 * Checks `maxCookieBytes`: a whole number of bytes, default 4096.
 * @param {unknown} value
 */
function toLimit(value) {
  if (value === undefined || value === null) return DEFAULT_MAX_COOKIE_BYTES;
  if (!Number.isInteger(value) || value <= 0) {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `maxCookieBytes must be a positive whole number, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Makes `ctx.session` reads on `app` record the context they run for, so that a cookie refused
 * while koa-session opens it (inside that getter, synchronously) can be reported with its ctx.
 * @param {import('koa')} app
 * @param {{ reading: object | null }} holder
 */
function trackSessionReads(app, holder) {
  const descriptor = Object.getOwnPropertyDescriptor(app.context, 'session');
  Object.defineProperty(app.context, 'session', {
    ...descriptor,
    get() {
      const outer = holder.reading;
      holder.reading = this;
      try {
        return descriptor.get.call(this);
      } finally {
        holder.reading = outer;
      }
    },
  });
}

/**
 * koa-session middleware whose cookie is sealed with libsodium's secretbox: a drop-in for
 * koa-encrypted-session. Every koa-session option passes through; `signed` is forced off because
 * the cipher authenticates the cookie. The caller's `opts` is never modified.
 * @param {object} opts koa-session options plus `secretKey` | `secret` (+ `salt`), `format`,
 *   `maxCookieBytes`, `maxLifetime`
 * @param {import('koa')} app
 */
function encryptedSession(opts, app) {
  if (!opts || typeof opts !== 'object') {
    throw codedError(TypeError, 'ERR_OPTIONS_REQUIRED', 'opts required: `encryptedSession(opts, app)`');
  }
  if (!app || typeof app.use !== 'function') {
    throw codedError(TypeError, 'ERR_APP_REQUIRED', 'app instance required: `encryptedSession(opts, app)`');
  }
  for (const hook of ['encode', 'decode']) {
    if (opts[hook] !== undefined) {
      throw codedError(
        TypeError,
        'ERR_HOOKS_OWNED',
        `opts.${hook} is not supported: koa-sodium-session owns encode/decode (they seal and open the cookie); use createCodec() to reach them`,
      );
    }
  }
  const { secretKey, secret, salt, format, maxCookieBytes, maxLifetime, beforeSave, ...sessionOpts } = opts;
  const compact = isCompact(format);
  const lifetime = toMillis('maxLifetime', maxLifetime);
  const limit = toLimit(maxCookieBytes);
  const overhead = cookieOverhead(sessionOpts);
  const source = keySource({ secretKey, secret, salt });

  /** Emits a session event on the app on the next turn, as koa-session does with its own. */
  const emit = (event, data) => setImmediate(() => app.emit(event, data));

  const ring = keyringFor(source, secretKey);
  const holder = { keyring: ring instanceof Promise ? null : ring, reading: null, saving: null };
  const hooks = makeHooks(holder, { compact, maxLifetime: lifetime });
  const inner = session(
    {
      ...sessionOpts,
      signed: false,
      beforeSave(ctx, sess) {
        if (typeof beforeSave === 'function') beforeSave(ctx, sess);
        if (!sessionOpts.store && !sessionOpts.ContextStore) holder.saving = { ctx, session: sess }; // encode runs next
      },
      encode(json) {
        const { ctx } = holder.saving ?? {};
        const value = hooks.encode(json);
        holder.saving = null;
        const size = overhead + value.length;
        if (size > limit) {
          emit('session:too-large', { ctx, size, limit });
          throw codedError(
            Error,
            'ERR_SESSION_TOO_LARGE',
            `session cookie would be ${size} bytes with its name and attributes, over the ${limit}-byte limit (maxCookieBytes) past which browsers drop it silently; keep less in the session or use an external store`,
          );
        }
        return value;
      },
      decode(cookie) {
        try {
          const value = hooks.decode(cookie);
          if (value[STALE]) value._requireSave = true; // koa-session saves it again, with the newest key
          return value;
        } catch (err) {
          emit('session:rejected', { ctx: holder.reading, reason: err.reason });
          throw err;
        }
      },
    },
    app,
  );
  trackSessionReads(app, holder);
  if (holder.keyring) return inner;

  // Passphrases: their keys are derived on the thread pool; requests wait, the event loop does not.
  const ready = ring.then((derived) => {
    holder.keyring = derived;
  });
  ready.catch(() => {}); // a failure is reported to each request below, not as an unhandled rejection
  return function encryptedSessionAwaitingKey(ctx, next) {
    return holder.keyring ? inner(ctx, next) : ready.then(() => inner(ctx, next));
  };
}

module.exports = { encryptedSession };
