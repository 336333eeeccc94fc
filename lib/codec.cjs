'use strict';

const native = require('./binding.cjs');
const { codedError, describe } = require('./errors.cjs');
const { toKeyBytes, toSecretBytes, toSaltBytes } = require('./keys.cjs');

const FORMATS = ['legacy', 'compact'];

/** @typedef {ReturnType<typeof native.createKeyring>} Keyring the native keyring's `seal` and `open` */

/** Why the native core refused a cookie, by its error code. */
const REASONS = {
  ERR_COOKIE_MALFORMED: 'malformed',
  ERR_COOKIE_TOO_LARGE: 'oversized',
  ERR_COOKIE_AUTHENTICATION: 'authentication',
  ERR_COOKIE_NOT_TEXT: 'not-json',
};

/** `value` as a list: itself when it is an array, else a list of one. */
const listOf = (value) => (Array.isArray(value) ? value : [value]);

/** True when `value` is a non-empty array of entries or a single present entry. */
function present(value) {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null;
}

/**
 * Checks the key options and returns where the keys come from, newest first: `{ keys }` for
 * `secretKey`, `{ secrets, salt }` for passphrases still to derive. `secretKey` wins when both
 * are given, as in koa-encrypted-session. Either may be an array for key rotation.
 * @param {{ secretKey?: unknown, secret?: unknown, salt?: unknown }} opts
 */
function keySource(opts) {
  if (present(opts.secretKey)) return { keys: listOf(opts.secretKey).map(toKeyBytes) };
  if (present(opts.secret)) return { secrets: listOf(opts.secret).map(toSecretBytes), salt: toSaltBytes(opts.salt) };
  throw codedError(Error, 'ERR_KEY_MISSING', 'secretKey or secret must specified');
}

/**
 * A native keyring over `keys`, after which the copies this package made of them are zeroed (a
 * Buffer or Uint8Array the caller passed is theirs and left alone).
 * @param {Uint8Array[]} keys
 * @param {unknown[]} given the values the caller passed, to tell our copies from theirs
 */
function keyring(keys, given = []) {
  const ring = native.createKeyring(keys);
  for (const key of keys) if (!given.includes(key)) key.fill(0);
  return ring;
}

/**
 * The keyring for a key source: at once for `{ keys }`; for `{ secrets, salt }`, derived on the
 * thread pool (a promise) or, with `sync`, on this thread. The passphrase copies are zeroed after.
 * @param {{ keys?: Uint8Array[], secrets?: Buffer[], salt?: Buffer }} source from `keySource`
 * @param {unknown} secretKey the caller's `secretKey` option, whose Buffers are left alone
 * @param {{ sync?: boolean }} [options]
 */
function keyringFor(source, secretKey, { sync = false } = {}) {
  if (source.keys) return keyring(source.keys, listOf(secretKey));
  const done = (keys) => {
    for (const secret of source.secrets) secret.fill(0);
    return keyring(keys);
  };
  if (sync) return done(source.secrets.map((secret) => native.deriveKeySync(secret, source.salt)));
  return Promise.all(source.secrets.map((secret) => native.deriveKey(secret, source.salt))).then(done);
}

/**
 * Checks the `format` option; true for the compact format.
 * @param {unknown} format
 */
function isCompact(format) {
  if (format === undefined || format === null) return false;
  if (!FORMATS.includes(format)) {
    throw codedError(
      TypeError,
      'ERR_FORMAT',
      `format must be 'legacy' or 'compact', got ${typeof format === 'string' ? `'${format}'` : describe(format)}`,
    );
  }
  return format === 'compact';
}

/**
 * Checks a duration option in milliseconds (0 or absent: off).
 * @param {string} name
 * @param {unknown} value
 */
function toMillis(name, value) {
  if (value === undefined || value === null || value === 0) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `${name} must be a positive number of milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * The SyntaxError a refused cookie raises: koa-session answers it with a fresh session.
 * @param {string} code
 * @param {string} reason
 * @param {string} message
 */
function refusal(code, reason, message) {
  const err = codedError(SyntaxError, code, message);
  err.reason = reason;
  return err;
}

/**
 * Opens a cookie value into its session object, or throws a refusal.
 * @param {Keyring} ring
 * @param {unknown} cookie
 * @param {number} maxLifetime
 */
function open(ring, cookie, maxLifetime) {
  if (typeof cookie !== 'string') {
    throw refusal('ERR_COOKIE_MALFORMED', 'malformed', `cookie must be a string, got ${describe(cookie)}`);
  }
  let json;
  try {
    json = ring.open(cookie);
  } catch (err) {
    throw refusal(err.code, REASONS[err.code] ?? 'malformed', err.message);
  }
  let value;
  try {
    value = JSON.parse(json);
  } catch {
    throw refusal('ERR_COOKIE_NOT_JSON', 'not-json', 'cookie plaintext is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw refusal('ERR_COOKIE_NOT_OBJECT', 'not-object', `cookie plaintext is JSON ${describe(value)}, not an object`);
  }
  if (maxLifetime > 0 && typeof value._iat === 'number' && Date.now() - value._iat > maxLifetime) {
    throw refusal('ERR_COOKIE_LIFETIME', 'lifetime', `session is older than maxLifetime (${maxLifetime} ms)`);
  }
  // A leading space is the native layer's sign that an older key opened the cookie.
  if (json.charCodeAt(0) === 32) Object.defineProperty(value, STALE, { value: true });
  return value;
}

/** Marks a decoded session that an older key sealed, so it is sealed again with the newest. */
const STALE = Symbol('sealed with an older key');

/**
 * The encode/decode hooks over `holder.keyring`, a native keyring that may arrive later.
 *
 * `maxLifetime` (ms) stamps `_iat`, the creation time, into the sealed session and refuses
 * sessions older than that. `encode` takes the creation time of the session being saved from
 * `holder.saving`, which the middleware sets just before koa-session encodes.
 * @param {{ keyring: Keyring | null, saving?: { session: object } | null }} holder
 * @param {{ compact: boolean, maxLifetime?: number }} options
 */
function makeHooks(holder, { compact, maxLifetime = 0 }) {
  return {
    encode(session) {
      if (session === null || typeof session !== 'object' || Array.isArray(session)) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `session must be an object, got ${describe(session)}`);
      }
      let json = session;
      if (maxLifetime > 0 && typeof session._iat !== 'number') {
        json = { ...session, _iat: holder.saving?.session?._iat ?? Date.now() };
      }
      return holder.keyring.seal(JSON.stringify(json), compact);
    },
    decode(cookie) {
      return open(holder.keyring, cookie, maxLifetime);
    },
  };
}

/**
 * The encode/decode pair the middleware gives koa-session, for use without Koa. A `secret` is
 * derived synchronously here (about a second per passphrase); derive it once with `deriveKey`
 * and pass the result as `secretKey` to avoid blocking.
 * @param {{ secretKey?: string | Uint8Array | Array<string | Uint8Array>, secret?: string | Uint8Array | Array<string | Uint8Array>, salt?: string | Uint8Array, format?: 'legacy' | 'compact', maxLifetime?: number }} opts
 */
function createCodec(opts) {
  if (!opts || typeof opts !== 'object') {
    throw codedError(TypeError, 'ERR_OPTIONS_REQUIRED', 'opts required: `createCodec(opts)`');
  }
  const compact = isCompact(opts.format);
  const maxLifetime = toMillis('maxLifetime', opts.maxLifetime);
  const ring = keyringFor(keySource(opts), opts.secretKey, { sync: true });
  return makeHooks({ keyring: ring }, { compact, maxLifetime });
}

module.exports = { createCodec, keySource, keyringFor, isCompact, toMillis, makeHooks, STALE };
