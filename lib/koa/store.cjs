'use strict';

const native = require('../native.cjs');
const { codedError, describe, refusal } = require('../errors.cjs');
const { keySource, keyringFor } = require('../keys.cjs');
const { DEFAULT_COOKIE_NAME, kinds, readOptions } = require('../options.cjs');
const { openValue } = require('../sealed.cjs');
const { expiryOf, ownMaxAgeOf, requestStateOf, requireSave } = require('./koa-session.cjs');

/** Marks the stores `encryptedStore` returns. */
const SEALED = Symbol('koa-sodium-session sealed store');

/** encryptedStore's options, with their kinds and defaults. */
const STORE_OPTIONS = {
  secretKey: kinds.any(),
  secret: kinds.any(),
  salt: kinds.any(),
  onRejected: kinds.function(),
  // A store keeps what a cookie cannot: a megabyte by default, up to what Redis keeps in a string.
  maxValueBytes: kinds.integer(1024 * 1024, { min: 1024, max: 512 * 1024 * 1024 }),
};

/**
 * True when `store` came from `encryptedStore`.
 * @param {unknown} store
 */
const isSealedStore = (store) => Boolean(store?.[SEALED]);

/**
 * The RequestState for a store call: koa-session passes the context in `options.ctx`.
 * @param {{ ctx?: import('koa').Context } | undefined} options
 */
function stateOf(options) {
  const state = options?.ctx && requestStateOf(options.ctx);
  if (!state) {
    throw codedError(
      TypeError,
      'ERR_STORE_CONTEXT',
      'encryptedStore works inside encryptedSession: pass it as encryptedSession({ store: encryptedStore(store, { secretKey }) }), not to koa-session directly',
    );
  }
  return state;
}

/**
 * Wraps a koa-session external store (`get`, `set`, `destroy`) so that what it holds is sealed:
 * the store never sees a session id (the bearer token in the cookie), only a keyed hash of it
 * and the cookie's name, and every value is sealed with the session's metadata (its issue time,
 * for `maxLifetime`) under a subkey of its own and bound to its session id and cookie name. A
 * value altered in the store, moved to another id or app, or sealed by another key reads as a
 * missing session (koa-session then starts a fresh one), never an error; one an older key
 * sealed is sealed again with the newest. A session whose sealed value would pass
 * `maxValueBytes` is refused when saved (`ERR_SESSION_TOO_LARGE`), and the store keeps the one
 * it had.
 * @param {{ get: Function, set: Function, destroy: Function }} store
 * @param {object} opts see STORE_OPTIONS
 */
function encryptedStore(store, opts) {
  for (const method of ['get', 'set', 'destroy']) {
    if (typeof store?.[method] !== 'function') {
      throw codedError(TypeError, 'ERR_STORE', `store.${method} must be a function, got ${describe(store?.[method])}`);
    }
  }
  const { values } = readOptions('encryptedStore(store, opts)', opts, STORE_OPTIONS, {
    required: 'ERR_OPTIONS_REQUIRED',
  });
  const { maxValueBytes, onRejected } = values;
  const ring = Promise.resolve(keyringFor(keySource(values), (keys) => native.createStoreKeyring(keys, maxValueBytes)));
  ring.catch(() => {}); // a failure reaches each call below, not an unhandled rejection

  /** The store keys of session `id` in this request, newest key first; none for an id no cookie of this package carries. */
  const storeKeys = (state, keyring, id) => {
    if (typeof id !== 'string' || id.length > native.MAX_COOKIE_CHARS) return [];
    return state.storeKeys(keyring, state.ctx.sessionOptions.key ?? DEFAULT_COOKIE_NAME, id);
  };

  /** Reports why a stored value was refused. */
  const reject = (state, reason) => {
    onRejected?.(reason);
    state.rejected(reason);
  };

  return {
    [SEALED]: true,
    async get(id, maxAge, options) {
      const [keyring, state] = [await ring, stateOf(options)];
      const name = state.ctx.sessionOptions.key;
      const keys = storeKeys(state, keyring, id);
      if (keys.length === 0) reject(state, 'oversized');
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
          state.admit({ ...opened, session: s }, expiryOf(s));
          // koa-session refuses an expired session next: its metadata must not carry into the new one.
          if (expiryOf(s) < Date.now()) state.forget();
          state.storeId = id;
          if (index > 0) state.staleStoreKey = key;
          if (index > 0 || opened.stale) requireSave(s); // sealed again, with the newest key
          return s;
        } catch (err) {
          reject(state, err.reason ?? 'malformed');
          // A revoked session's value goes, so that nothing written back after a logout stays.
          if (err.reason === 'revoked') await store.destroy(key, options);
          return undefined;
        }
      }
      return undefined;
    },
    async set(id, sess, maxAge, options) {
      const [keyring, state] = [await ring, stateOf(options)];
      const keys = storeKeys(state, keyring, id);
      if (keys.length === 0) {
        throw codedError(
          TypeError,
          'ERR_STORE',
          `session id must be text of at most ${native.MAX_COOKIE_CHARS} characters, got ${describe(id)}`,
        );
      }
      const name = state.ctx.sessionOptions.key;
      let value;
      // Not under the id of a session that ended in this request (koa-session keeps the id when a
      // new object replaces a logged-out session), nor a session revoked since it was opened.
      if (id !== state.endedStoreId) {
        try {
          value = state.seal(keyring, sess, ownMaxAgeOf(sess), { k: id, n: name, s: sess });
        } catch (err) {
          if (err.code !== 'ERR_SESSION_TOO_LARGE') throw err;
          throw tooLarge(state, err.size, maxValueBytes);
        }
      }
      if (value === undefined) {
        await Promise.all(keys.map((key) => store.destroy(key, options)));
        return;
      }
      await store.set(keys[0], value, maxAge, options);
      // A session that ended in this request and was replaced by a new object leaves no value.
      if (state.endedStoreId !== undefined) {
        const ended = storeKeys(state, keyring, state.endedStoreId);
        state.endedStoreId = undefined;
        await Promise.all(ended.map((key) => store.destroy(key, options)));
      }
      if (state.staleStoreKey) {
        await store.destroy(state.staleStoreKey, options);
        state.staleStoreKey = undefined;
      }
    },
    async destroy(id, options) {
      const [keyring, state] = [await ring, stateOf(options)];
      const keys = storeKeys(state, keyring, id);
      await Promise.all(keys.map((key) => store.destroy(key, options)));
    },
  };
}

/**
 * The error a session too large for the store raises, after `session:too-large` is emitted; the
 * store keeps the value it had.
 * @param {import('./request-state.cjs').RequestState} state
 * @param {number} size
 * @param {number} limit
 */
function tooLarge(state, size, limit) {
  setImmediate(() => state.ctx.app.emit('session:too-large', { ctx: state.ctx, size, limit }));
  return codedError(
    Error,
    'ERR_SESSION_TOO_LARGE',
    `sealed session would be ${size} bytes, over the ${limit}-byte limit of what encryptedStore hands the store (maxValueBytes); the store keeps the session it had`,
  );
}

module.exports = { encryptedStore, isSealedStore };
