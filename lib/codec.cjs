'use strict';

const { codedError, describe } = require('./errors.cjs');
const { keySource, keyringFor } = require('./keyring.cjs');
const { refusal, sessionPolicy, toInstant, toMillis } = require('./policy.cjs');

const FORMATS = ['legacy', 'compact'];
/** The session member that carries a legacy cookie's metadata (koa-encrypted-session keeps it). */
const METADATA_MEMBER = '$kss';
/** Characters ahead of the JSON in what a native keyring's `open` returns: flag, then token. */
const PREFIX_CHARS = 41;
/** Flag bits of that first character (a digit). */
const FLAG_STALE = 1;
const FLAG_ADOPTED = 2;

/** @typedef {ReturnType<typeof import('./binding.cjs').createCookieKeyring>} Keyring a native keyring */

/** Why the native core refused a value, by its error code. */
const REASONS = {
  ERR_COOKIE_MALFORMED: 'malformed',
  ERR_COOKIE_TOO_LARGE: 'oversized',
  ERR_COOKIE_AUTHENTICATION: 'authentication',
  ERR_COOKIE_NOT_TEXT: 'not-json',
  ERR_COOKIE_METADATA: 'metadata',
};

/** A native error as the refusal koa-session answers with a fresh session. */
const refused = (err) => refusal(err.code, REASONS[err.code] ?? 'malformed', err.message);

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
 * Checks the `key` option, koa-session's cookie name (default `koa.sess`), which compact cookies
 * and legacy metadata are bound to.
 * @param {unknown} key
 */
function cookieName(key) {
  if (key === undefined || key === null) return 'koa.sess';
  if (typeof key !== 'string' || key === '') {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `key (the cookie name) must be a non-empty string, got ${describe(key)}`,
    );
  }
  return key;
}

/**
 * Opens a cookie or store value into its session object, the session's metadata token, and
 * whether an older key sealed it; or throws a refusal.
 * @param {Keyring} ring
 * @param {unknown} value
 * @returns {{ session: Record<string, unknown>, token: string, stale: boolean }}
 */
function openValue(ring, value) {
  if (typeof value !== 'string') {
    throw refusal('ERR_COOKIE_MALFORMED', 'malformed', `cookie must be a string, got ${describe(value)}`);
  }
  let text;
  try {
    text = ring.open(value);
  } catch (err) {
    throw refused(err);
  }
  let session;
  try {
    session = JSON.parse(text.slice(PREFIX_CHARS));
  } catch {
    throw refusal('ERR_COOKIE_NOT_JSON', 'not-json', 'cookie plaintext is not JSON');
  }
  if (session === null || typeof session !== 'object' || Array.isArray(session)) {
    throw refusal(
      'ERR_COOKIE_NOT_OBJECT',
      'not-object',
      `cookie plaintext is JSON ${describe(session)}, not an object`,
    );
  }
  const flags = text.charCodeAt(0) - 48;
  let token = text.slice(1, PREFIX_CHARS);
  if (flags & FLAG_ADOPTED && Object.hasOwn(session, METADATA_MEMBER)) {
    // A koa-encrypted-session node carried the metadata along as session data, but not last.
    const member = session[METADATA_MEMBER];
    delete session[METADATA_MEMBER];
    try {
      token = ring.checkMetadata(typeof member === 'string' ? member : '');
    } catch (err) {
      throw refused(err);
    }
  }
  return { session, token, stale: (flags & FLAG_STALE) !== 0 };
}

/** Where `createCodec`'s decode keeps a session's metadata token, out of its data. */
const TOKEN = Symbol('koa-sodium-session metadata');

/**
 * The encode/decode pair the middleware's cookie sealing rests on, for use without Koa. A
 * session object that `decode` returned keeps its metadata (its id and issue time) when
 * encoded again; any other object is sealed as a new session. A `secret` is derived
 * synchronously here (about a second per passphrase); derive it once with `deriveKey` and pass
 * the result as `secretKey` to avoid blocking.
 * @param {{ secretKey?: string | Uint8Array | Array<string | Uint8Array>, secret?: string | Uint8Array | Array<string | Uint8Array>, salt?: string | Uint8Array, key?: string, format?: 'legacy' | 'compact', maxLifetime?: number, assumeIssuedAt?: Date | number }} opts
 */
function createCodec(opts) {
  if (!opts || typeof opts !== 'object') {
    throw codedError(TypeError, 'ERR_OPTIONS_REQUIRED', 'opts required: `createCodec(opts)`');
  }
  const use = { cookie: cookieName(opts.key), compact: isCompact(opts.format) };
  const policy = sessionPolicy({
    maxLifetime: toMillis('maxLifetime', opts.maxLifetime),
    assumeIssuedAt: toInstant('assumeIssuedAt', opts.assumeIssuedAt),
  });
  const ring = keyringFor(keySource(opts), opts.secretKey, use, { sync: true });
  return {
    encode(session) {
      if (session === null || typeof session !== 'object' || Array.isArray(session)) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `session must be an object, got ${describe(session)}`);
      }
      return ring.seal(session[TOKEN], JSON.stringify(session)); // a new session's token is made with the nonce
    },
    decode(cookie) {
      const { session, token } = openValue(ring, cookie);
      Object.defineProperty(session, TOKEN, { value: policy.admit(token) });
      return session;
    },
  };
}

module.exports = { createCodec, cookieName, isCompact, openValue };
