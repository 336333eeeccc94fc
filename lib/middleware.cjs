'use strict';

const session = require('koa-session');
const { codedError, describe } = require('./errors.cjs');
const { cookieName, isCompact, sessionHooks } = require('./codec.cjs');
const { keySource, keyringFor } = require('./keyring.cjs');
const { idOf, newToken } = require('./metadata.cjs');
const { policyFrom } = require('./policy.cjs');
const { requestSession } = require('./request-session.cjs');
const { extendHorizon } = require('./revocations/revocations.cjs');
const { isSealedStore } = require('./store.cjs');

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
 * Refuses what the policy cannot enforce: a store whose values this package does not seal (a
 * plain store or a ContextStore holds koa-session's JSON as it is), when the policy needs
 * metadata kept with the session; and, with revocations, a cookie that never expires.
 * @param {Record<string, unknown>} sessionOpts
 * @param {ReturnType<typeof policyFrom>} policy
 */
function checkEnforceable(sessionOpts, policy) {
  const unsealed = sessionOpts.ContextStore || (sessionOpts.store && !isSealedStore(sessionOpts.store));
  if (unsealed && policy.needsSealedStore) {
    throw codedError(
      TypeError,
      'ERR_STORE_NOT_SEALED',
      `maxLifetime and revocations need the session's metadata sealed with it, which a ${sessionOpts.ContextStore ? 'ContextStore' : 'plain store'} does not keep: wrap the store with encryptedStore(store, { secretKey })`,
    );
  }
  policy.checkBound();
}

/**
 * Gives the app's context what koa-session's does not have: `ctx.session = null` and
 * `ctx.session.regenerate()` end the session (revoking its id when revocations are on), and
 * `ctx.sessionId` reads the session's id. Nothing else about `ctx.session` changes.
 * @param {import('koa')} app
 * @param {ReturnType<typeof policyFrom>} policy
 */
function extendContext(app, policy) {
  // As koa-session does, only the first session middleware of an app defines ctx.session.
  if (Object.hasOwn(app.context, 'sessionId')) return;
  const { get, set, ...rest } = Object.getOwnPropertyDescriptor(app.context, 'session');
  /** The RequestSession of `ctx`. */
  const requestOf = (ctx) => requestSession(ctx.sessionOptions, policy);
  Object.defineProperties(app.context, {
    session: {
      ...rest,
      get() {
        const session = get.call(this);
        // koa-session's regenerate() on this session object ends it first.
        if (session !== null && !Object.hasOwn(session, 'regenerate')) {
          const { regenerate } = Object.getPrototypeOf(session);
          Object.defineProperty(session, 'regenerate', {
            value: (...args) => {
              requestOf(this).end();
              return regenerate.apply(session, args);
            },
          });
        }
        return session;
      },
      set(value) {
        // Opened first, so that the id of the session that ends is known.
        if (value === null && get.call(this) !== null) requestOf(this).end();
        set.call(this, value);
      },
    },
    sessionId: {
      /** The current session's id (22 base64url characters), or undefined once it ended. */
      get() {
        return this.session === null ? undefined : idOf(requestOf(this).currentToken());
      },
      configurable: true,
    },
  });
}

/**
 * koa-session middleware whose cookie is sealed with libsodium's secretbox: a drop-in for
 * koa-encrypted-session. Every koa-session option passes through; `signed` is forced off because
 * the cipher authenticates the cookie. The caller's `opts` is never modified.
 * @param {object} opts koa-session options plus `secretKey` | `secret` (+ `salt`), `format`,
 *   `maxCookieBytes`, `maxLifetime`, `assumeIssuedAt`, `acceptKoaEncryptedSession`,
 *   `revocations`, `userKey`
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
  const {
    secretKey,
    secret,
    salt,
    format,
    maxCookieBytes,
    maxLifetime,
    assumeIssuedAt,
    acceptKoaEncryptedSession,
    revocations,
    userKey,
    ...sessionOpts
  } = opts;
  const use = { cookie: cookieName(sessionOpts.key), compact: isCompact(format) };
  const policy = policyFrom({
    maxLifetime,
    assumeIssuedAt,
    acceptKoaEncryptedSession,
    revocations,
    userKey,
    maxAge: sessionOpts.maxAge,
  });
  checkEnforceable(sessionOpts, policy);
  if (policy.revocations) extendHorizon(policy.revocations, policy.horizon());
  const limit = toLimit(maxCookieBytes);
  const overhead = cookieOverhead(sessionOpts);
  const derived = keyringFor(keySource({ secretKey, secret, salt }), secretKey, use);
  let ring = derived instanceof Promise ? null : derived;
  const hooks = sessionHooks(() => ring, policy);

  // With encryptedStore, session ids never reach the store: make them from the OS generator,
  // as nonces are, rather than koa-session's pooled uuids.
  const prefix = sessionOpts.prefix ?? '';
  const genid = isSealedStore(sessionOpts.store) ? () => prefix + idOf(newToken(0)) : undefined;

  const inner = session(
    {
      genid,
      ...sessionOpts,
      signed: false,
      // koa-session calls both hooks on its per-request options object: `this`.
      encode(json) {
        const value = hooks.encode.call(this, json);
        const size = overhead + value.length;
        if (size > limit) {
          const { ctx } = requestSession(this, policy);
          setImmediate(() => app.emit('session:too-large', { ctx, size, limit }));
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
          return hooks.decode.call(this, cookie);
        } catch (err) {
          requestSession(this, policy).rejected(err.reason);
          throw err;
        }
      },
      valid(ctx, value) {
        const valid = typeof sessionOpts.valid === 'function' ? Boolean(sessionOpts.valid(ctx, value)) : true;
        if (!valid) requestSession(ctx.sessionOptions, policy).forget(); // koa-session starts a fresh session
        return valid;
      },
    },
    app,
  );
  extendContext(app, policy);

  /** Runs koa-session for a request whose RequestSession knows its context. */
  const run = (ctx, next) => {
    requestSession(ctx.sessionOptions, policy).ctx = ctx;
    return inner(ctx, next);
  };
  if (ring) return run;

  // Passphrases: their keys are derived on the thread pool; requests wait, the event loop does not.
  const ready = derived.then((keyring) => {
    ring = keyring;
  });
  ready.catch(() => {}); // a failure is reported to each request below, not as an unhandled rejection
  return function encryptedSessionAwaitingKey(ctx, next) {
    return ring ? run(ctx, next) : ready.then(() => run(ctx, next));
  };
}

module.exports = { encryptedSession };
