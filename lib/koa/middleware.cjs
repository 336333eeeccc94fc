'use strict';

const native = require('../native.cjs');
const { codedError } = require('../errors.cjs');
const { CODEC_OPTIONS, cookieKeyring, DEFAULT_TOTAL_COOKIE_BYTES } = require('../codec.cjs');
const { kinds, readOptions } = require('../options.cjs');
const { sessionPolicy } = require('../policy.cjs');
const { extendHorizon, isRevocations } = require('../revocations/revocations.cjs');
const { checkCookieOptions, cookieLayout } = require('./cookie.cjs');
const { sessionMiddleware } = require('./koa-session.cjs');
const { isSealedStore } = require('./store.cjs');

/** koa-session's maxAge: ms, or 'session' for a cookie without an expiry. */
const MAX_AGE = kinds.custom(
  (value) => value === 'session' || (typeof value === 'number' && value > 0 && Number.isFinite(value)),
  "a duration in ms (a positive number) or 'session'",
);

/**
 * encryptedSession's own options, with their kinds and defaults. `key` and `maxAge` are
 * koa-session's too, and pass on to it.
 */
const SESSION_OPTIONS = {
  ...CODEC_OPTIONS,
  maxAge: MAX_AGE,
  maxage: MAX_AGE, // koa-session's older spelling, which it still reads
  maxCookieBytes: kinds.integer(4096, { max: native.MAX_COOKIE_CHARS }),
  // By default as much as one cookie of maxCookieBytes, or DEFAULT_TOTAL_COOKIE_BYTES if more.
  maxTotalCookieBytes: kinds.integer(undefined, { max: 64 * 1024 }),
  revocations: kinds.custom(isRevocations, 'what memoryRevocations() or redisRevocations() returned'),
  userKey: kinds.string(undefined, { what: 'the name of a session field' }),
};

/**
 * Refuses what the policy cannot enforce: a store whose values this package does not seal (a
 * plain store or a ContextStore holds koa-session's JSON as it is), when the policy needs
 * metadata kept with the session; and, with revocations, a cookie that never expires.
 * @param {Record<string, unknown>} sessionOptions
 * @param {ReturnType<typeof sessionPolicy>} policy
 */
function checkEnforceable(sessionOptions, policy) {
  const { store, ContextStore } = sessionOptions;
  if ((ContextStore || (store && !isSealedStore(store))) && policy.needsSealedStore) {
    throw codedError(
      TypeError,
      'ERR_STORE_NOT_SEALED',
      `maxLifetime and revocations need the session's metadata sealed with it, which a ${ContextStore ? 'ContextStore' : 'plain store'} does not keep: wrap the store with encryptedStore(store, { secretKey })`,
    );
  }
  policy.checkBound();
}

/**
 * Refuses the hooks this package owns, with the message koa-encrypted-session users need.
 * @param {object} opts
 */
function checkHooks(opts) {
  for (const hook of ['encode', 'decode']) {
    if (opts[hook] !== undefined) {
      throw codedError(
        TypeError,
        'ERR_HOOKS_OWNED',
        `opts.${hook} is not supported: koa-sodium-session owns encode/decode (they seal and open the cookie); use createCodec() to reach them`,
      );
    }
  }
}

/**
 * koa-session middleware whose cookie is sealed with libsodium's secretbox: a drop-in for
 * koa-encrypted-session. Every koa-session option passes through; `signed` is forced off because
 * the cipher authenticates the cookie. The caller's `opts` is never modified.
 * @param {object} opts koa-session's options plus those in SESSION_OPTIONS
 * @param {import('koa')} app
 */
function encryptedSession(opts, app) {
  if (!opts || typeof opts !== 'object') {
    throw codedError(TypeError, 'ERR_OPTIONS_REQUIRED', 'opts required: `encryptedSession(opts, app)`');
  }
  if (!app || typeof app.use !== 'function') {
    throw codedError(TypeError, 'ERR_APP_REQUIRED', 'app instance required: `encryptedSession(opts, app)`');
  }
  checkHooks(opts);
  const { values, rest } = readOptions('encryptedSession(opts, app)', opts, SESSION_OPTIONS);
  const sessionOptions = { ...rest, key: values.key };
  if (values.maxAge !== undefined) sessionOptions.maxAge = values.maxAge;
  if (values.maxage !== undefined) sessionOptions.maxage = values.maxage;
  values.maxAge ??= values.maxage;
  values.maxTotalCookieBytes ??= Math.max(DEFAULT_TOTAL_COOKIE_BYTES, values.maxCookieBytes);
  checkCookieOptions(values, sessionOptions);
  const policy = sessionPolicy(values);
  checkEnforceable(sessionOptions, policy);
  if (policy.revocations) extendHorizon(policy.revocations, policy.horizon());

  const derived = cookieKeyring(values);
  let ring = derived instanceof Promise ? null : derived;
  const middleware = sessionMiddleware(app, sessionOptions, {
    policy,
    ring: () => ring,
    key: values.key,
    maxCookies: values.maxCookies,
    maxTotalCookieBytes: values.maxTotalCookieBytes,
    layout: cookieLayout(values, app),
    storeIds: isSealedStore(sessionOptions.store),
  });
  if (ring) return middleware;

  // Passphrases: their keys are derived on the thread pool; requests wait, the event loop does not.
  const ready = derived.then((keyring) => {
    ring = keyring;
  });
  ready.catch(() => {}); // a failure is reported to each request below, not as an unhandled rejection
  return function encryptedSessionAwaitingKey(ctx, next) {
    return ring ? middleware(ctx, next) : ready.then(() => middleware(ctx, next));
  };
}

module.exports = { encryptedSession };
