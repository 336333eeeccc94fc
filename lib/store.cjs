'use strict';

const { codedError, describe } = require('./errors.cjs');
const { keySource, keyringFor, makeHooks } = require('./codec.cjs');

/**
 * Wraps a koa-session external store (`get`, `set`, `destroy`) so that what it holds is sealed
 * with the same codec as the cookie: values are sealed before they reach the store and opened on
 * the way back. Each value is bound to its session id, so a value altered in the store, or moved
 * to another id, reads as a missing session (koa-session then starts a fresh one), never an error.
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
  const ring = keyringFor(keySource(opts), opts.secretKey);
  const holder = { keyring: ring instanceof Promise ? null : ring };
  const ready = Promise.resolve(ring).then((derived) => {
    holder.keyring = derived;
  });
  ready.catch(() => {}); // a failure reaches each get and set below, not an unhandled rejection
  const hooks = makeHooks(holder, { compact: true });

  return {
    async get(key, maxAge, options) {
      const sealed = await store.get(key, maxAge, options);
      if (sealed === undefined || sealed === null) return sealed;
      await ready;
      try {
        const { k, s } = hooks.decode(sealed);
        if (k !== key) throw Object.assign(new SyntaxError('sealed for another session id'), { reason: 'wrong-id' });
        return s;
      } catch (err) {
        opts.onRejected?.(err.reason ?? 'malformed');
        return undefined;
      }
    },
    async set(key, sess, maxAge, options) {
      await ready;
      return store.set(key, hooks.encode({ k: key, s: sess }), maxAge, options);
    },
    destroy(key, options) {
      return store.destroy(key, options);
    },
  };
}

module.exports = { encryptedStore };
