'use strict';

// `createCodec`: the cookie sealing the middleware does, for use without Koa. It keeps no state of
// its own between calls: the metadata of a session object it opened or sealed travels in a
// WeakMap keyed by that object, so spreading, binding or copying the codec changes nothing.

const native = require('./native.cjs');
const { keySource, keyringFor } = require('./keys.cjs');
const { DEFAULT_COOKIE_NAME, kinds, readOptions } = require('./options.cjs');
const { CLOCK_SKEW_MS, sessionPolicy } = require('./policy.cjs');
const { checkSession, openValue, sealValue } = require('./sealed.cjs');

/** The options of a cookie keyring and its policy, shared by `createCodec` and `encryptedSession`. */
const CODEC_OPTIONS = {
  secretKey: kinds.any(),
  secret: kinds.any(),
  salt: kinds.any(),
  key: kinds.string(DEFAULT_COOKIE_NAME, { what: 'a non-empty string (the cookie name)' }),
  format: kinds.oneOf(['legacy', 'compact'], 'legacy', 'ERR_FORMAT'),
  maxLifetime: kinds.duration(0),
  assumeIssuedAt: kinds.pastInstant(CLOCK_SKEW_MS),
  acceptKoaEncryptedSession: kinds.boolean(true),
};

/**
 * The native keyring for cookies named `key`, written in `format`, from the key options in
 * `values` (as `readOptions` checked them): at once, or a promise while passphrases are derived
 * on the thread pool (unless `sync`).
 * @param {Record<string, any>} values
 * @param {{ sync?: boolean }} [options]
 */
function cookieKeyring(values, options) {
  const make = (keys) =>
    native.createCookieKeyring(
      keys,
      values.key,
      values.format === 'compact',
      native.MAX_COOKIE_CHARS,
      values.assumeIssuedAt,
    );
  return keyringFor(keySource(values), make, options);
}

/**
 * The encode/decode pair the middleware seals cookies with, for use without Koa. A session object
 * that `decode` returned, or that `encode` sealed, keeps its metadata (its id and issue time) when
 * encoded again; any other object is sealed as a new session. Inside Koa, use `encryptedSession`,
 * which keeps each session's metadata across requests. A `secret` is derived synchronously here
 * (about a second per passphrase); derive it once with `deriveKey` and pass the result as
 * `secretKey` to avoid blocking.
 * @param {object} opts see CODEC_OPTIONS
 */
function createCodec(opts) {
  const { values } = readOptions('createCodec(opts)', opts, CODEC_OPTIONS, { required: 'ERR_OPTIONS_REQUIRED' });
  const policy = sessionPolicy(values);
  const ring = cookieKeyring(values, { sync: true });
  /** @type {WeakMap<object, string>} each session object's metadata token */
  const tokens = new WeakMap();
  return {
    /**
     * Seals a session object into a cookie value.
     * @param {object} session
     */
    encode(session) {
      checkSession(session);
      const { token, value } = sealValue(ring, tokens.get(session), session);
      tokens.set(session, token);
      return value;
    },
    /**
     * Opens a cookie value into its session object, or throws a refusal (a SyntaxError with a
     * `code` and a `reason`).
     * @param {string} cookie
     */
    decode(cookie) {
      const opened = openValue(ring, cookie);
      policy.admit(opened, undefined);
      tokens.set(opened.session, opened.token);
      return opened.session;
    },
  };
}

module.exports = { createCodec, cookieKeyring, CODEC_OPTIONS };
