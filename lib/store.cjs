'use strict';

const { codedError, describe } = require('./errors.cjs');
const { openValue } = require('./codec.cjs');
const { keySource, keyringFor } = require('./keyring.cjs');
const { refusal } = require('./policy.cjs');
const { requestSession } = require('./request-session.cjs');

/** Longest session id looked up: as long as the longest cookie value this package reads. */
const MAX_ID_CHARS = 8192;
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
 * The cookie name the call is for (koa-session's `key`), which values and store keys are bound
 * to, so that two apps sharing a key and a store cannot use each other's sessions.
 * @param {{ ctx?: import('koa').Context } | undefined} options
 */
const cookieNameOf = (options) => options?.ctx?.sessionOptions?.key ?? 'koa.sess';

/**
 * Wraps a koa-session external store (`get`, `set`, `destroy`) so that what it holds is sealed:
 * the store never sees a session id (the bearer token in the cookie), only a keyed hash of it
 * and the cookie's name, and every value is sealed with the session's metadata (its issue time,
 * for `maxLifetime`) under a subkey of its own and bound to its session id and cookie name. A
 * value altered in the store, moved to another id or app, or sealed by another key reads as a
 * missing session (koa-session then starts a fresh one), never an error; one an older key
 * sealed is sealed again with the newest.
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

  /**
   * The store keys of session `id` of the cookie named `name`, newest key first; none for an id
   * no cookie of this package carries (too long, or not text).
   */
  const storeKeys = async (name, id) => {
    const keyring = await ring;
    if (typeof id !== 'string' || id.length > MAX_ID_CHARS) return [];
    return keyring.storeKeys(`${name}\u0000${id}`);
  };

  /** Reports why a stored value was refused. */
  const reject = (request, reason) => {
    opts.onRejected?.(reason);
    request?.rejected(reason);
  };

  return {
    [SEALED]: true,
    async get(id, maxAge, options) {
      const [keyring, request, name] = [await ring, requestOf(options), cookieNameOf(options)];
      const keys = await storeKeys(name, id);
      if (keys.length === 0) reject(request, 'oversized');
      for (const [index, key] of keys.entries()) {
        const sealed = await store.get(key, maxAge, options);
        if (sealed === undefined || sealed === null) continue;
        try {
          const opened = openValue(keyring, sealed);
          const { k, n, s } = opened.session;
          if (k !== id || n !== name) throw refusal('ERR_STORE_VALUE_ID', 'wrong-id', 'sealed for another session id');
          if (s === null || typeof s !== 'object' || Array.isArray(s)) {
            throw refusal('ERR_COOKIE_NOT_OBJECT', 'not-object', `stored session is ${describe(s)}, not an object`);
          }
          if (request) {
            request.admit({ ...opened, session: s });
            request.storeId = id;
            if (index > 0) request.staleStoreKey = key;
          }
          if (index > 0 || opened.stale) s._requireSave = true; // koa-session saves it again, with the newest key
          return s;
        } catch (err) {
          reject(request, err.reason ?? 'malformed');
          // A revoked session's value goes, so that nothing written back after a logout stays.
          if (err.reason === 'revoked') await store.destroy(key, options);
          return undefined;
        }
      }
      return undefined;
    },
    async set(id, sess, maxAge, options) {
      const [keyring, request, name] = [await ring, requestOf(options), cookieNameOf(options)];
      const keys = await storeKeys(name, id);
      if (keys.length === 0) {
        throw codedError(
          TypeError,
          'ERR_STORE',
          `session id must be text of at most ${MAX_ID_CHARS} characters, got ${describe(id)}`,
        );
      }
      // No token: a new session, whose token the native layer makes along with the nonce.
      const token = request ? request.tokenToSeal(sess) : undefined;
      // Not under the id of a session that ended in this request (koa-session keeps the id when a
      // new object replaces a logged-out session), nor a session revoked since it was opened.
      if (token === null || (request && id === request.endedStoreId)) {
        await Promise.all(keys.map((key) => store.destroy(key, options)));
        return;
      }
      await store.set(keys[0], keyring.seal(token, JSON.stringify({ k: id, n: name, s: sess })), maxAge, options);
      if (request?.staleStoreKey) {
        await store.destroy(request.staleStoreKey, options);
        request.staleStoreKey = undefined;
      }
    },
    async destroy(id, options) {
      const keys = await storeKeys(cookieNameOf(options), id);
      await Promise.all(keys.map((key) => store.destroy(key, options)));
    },
  };
}

module.exports = { encryptedStore, isSealedStore };
