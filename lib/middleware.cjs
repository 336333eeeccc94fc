'use strict';

const session = require('koa-session');
const native = require('./binding.cjs');
const { codedError } = require('./errors.cjs');
const { keySource, isCompact, makeHooks } = require('./codec.cjs');

/**
 * koa-session middleware whose cookie is sealed with libsodium's secretbox: a drop-in for
 * koa-encrypted-session. Every koa-session option passes through; `signed` is forced off because
 * the cipher authenticates the cookie. The caller's `opts` is never modified.
 * @param {object} opts koa-session options plus `secretKey` | `secret` (+ `salt`), `format`
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
  const { secretKey, secret, salt, format, ...sessionOpts } = opts;
  const compact = isCompact(format);
  const source = keySource({ secretKey, secret, salt });

  const holder = { native: source.key ? new native.NativeCodec([source.key]) : null };
  const inner = session({ ...sessionOpts, ...makeHooks(holder, compact), signed: false }, app);
  if (holder.native) return inner;

  // A passphrase: derive its key on the thread pool; requests wait for it, the event loop does not.
  const ready = native.deriveKey(source.secret, source.salt).then((key) => {
    holder.native = new native.NativeCodec([key]);
    key.fill(0);
  });
  ready.catch(() => {}); // a failure is reported to each request below, not as an unhandled rejection
  return function encryptedSessionAwaitingKey(ctx, next) {
    return holder.native ? inner(ctx, next) : ready.then(() => inner(ctx, next));
  };
}

module.exports = { encryptedSession };
