'use strict';

const { codedError, describe } = require('./errors.cjs');
const { openValue } = require('./codec.cjs');
const { keySource, keyringFor } = require('./keyring.cjs');
const { newToken } = require('./metadata.cjs');
const { refusal } = require('./policy.cjs');
const { requestSession } = require('./request-session.cjs');

/** Marks the stores `encryptedStore` returns. */
const SEALED = Symbol('koa-sodium-session sealed store');

/**
 * True when `store` came from `encryptedStore`.
 * @param {unknown} store
 */
const isSealedStore = (store) => Boolean(store?.[SEALED]);

/**
 * The per-request state for a store call: koa-session passes the context in `options.ctx`.
 * @param {{ ctx?: import('koa').Context } | undefined} options
 */
function requestOf(options) {
  const ctx = options?.ctx;
  if (!ctx) return undefined;
  const request = requestSession(ctx.sessionOptions);
  request.ctx ??= ctx;
  return request;
}

/**
 * Wraps a koa-session external store (`get`, `set`, `destroy`) so that what it holds is sealed:
 * the store never sees a session id (the bearer token in the cookie), only a keyed hash of it,
 * and every value is sealed with the session's metadata (its issue time, for `maxLifetime`)
 * under a subkey of its own and bound to its session id. A value altered in the store, moved to
 * another id, or sealed by another key reads as a missing session (koa-session then starts a
 * fresh one), never an error; one an older key sealed is sealed again with the newest.
 * @param {{ get: Function, set: Function, destroy: Function }} store
 * @param {{ secretKey?: unknown, secret?: unknown, salt?: unknown, onRejected?: (reason: string) => void }} opts
 */
function encryptedStore(store, opts) {
  for (const method of ['get', 'set', 'destroy']) {
    if (typeof store?.[method] !== 'function') {
      throw codedError(TypeError, 'ERR_STORE', `store.${method} must be a function, got ${describe(store?.[method])}`);
    }
  }
  if (!opts || typeof opts !== 'object') {
    throw codedError(TypeError, 'ERR_OPTIONS_REQUIRED', 'opts required: `encryptedStore(store, opts)`');
  }
  const ring = Promise.resolve(keyringFor(keySource(opts), opts.secretKey, { store: true }));
  ring.catch(() => {}); // a failure reaches each call below, not an unhandled rejection

  /** Reports why a stored value was refused. */
  const reject = (request, reason) => {
    opts.onRejected?.(reason);
    request?.rejected(reason);
  };

  return {
    [SEALED]: true,
    async get(id, maxAge, options) {
      const keyring = await ring;
      const request = requestOf(options);
      const keys = keyring.storeKeys(String(id));
      for (const [index, key] of keys.entries()) {
        const sealed = await store.get(key, maxAge, options);
        if (sealed === undefined || sealed === null) continue;
        try {
          const { session, token, stale } = openValue(keyring, sealed);
          if (session.k !== id) throw refusal('ERR_STORE_VALUE_ID', 'wrong-id', 'sealed for another session id');
          const { s } = session;
          if (s === null || typeof s !== 'object' || Array.isArray(s)) {
            throw refusal('ERR_COOKIE_NOT_OBJECT', 'not-object', `stored session is ${describe(s)}, not an object`);
          }
          if (request) {
            request.token = request.policy.admit(token);
            if (index > 0) request.staleStoreKey = key;
          }
          if (index > 0 || stale) s._requireSave = true; // koa-session saves it again, with the newest key
          return s;
        } catch (err) {
          reject(request, err.reason ?? 'malformed');
          return undefined;
        }
      }
      return undefined;
    },
    async set(id, sess, maxAge, options) {
      const keyring = await ring;
      const request = requestOf(options);
      const token = request ? request.tokenToSeal() : newToken(Date.now());
      const [key] = keyring.storeKeys(String(id));
      const value = keyring.seal(token, JSON.stringify({ k: id, s: sess }));
      await store.set(key, value, maxAge, options);
      if (request?.staleStoreKey) {
        await store.destroy(request.staleStoreKey, options);
        request.staleStoreKey = undefined;
      }
    },
    async destroy(id, options) {
      const keyring = await ring;
      await Promise.all(keyring.storeKeys(String(id)).map((key) => store.destroy(key, options)));
    },
  };
}

module.exports = { encryptedStore, isSealedStore };
