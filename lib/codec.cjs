'use strict';

// `createCodec`: the cookie sealing the middleware does, for use without Koa. It keeps no state of
// its own between calls: the metadata of a session object it opened travels with that object (a
// private field), so spreading, binding or copying the codec changes nothing.

const native = require('./native.cjs');

const { MAX_COOKIE_CHARS, MAX_COOKIES } = native;
const { layOut, openParts, partCount, partName, tooLong } = require('./chunks.cjs');
const { codedError, describe, sessionTooLarge } = require('./errors.cjs');
const { keySource, keyringFor } = require('./keys.cjs');
const { DEFAULT_COOKIE_NAME, kinds, readOptions } = require('./options.cjs');
const { CLOCK_SKEW_MS, sessionPolicy } = require('./policy.cjs');
const { checkSession, openValue, sealValue } = require('./sealed.cjs');

/**
 * The most of the Cookie header a split session takes by default: nginx refuses a request header
 * line past 8 KiB (`large_client_header_buffers 4 8k`), and a typical site's other cookies
 * (analytics, preferences, CSRF) need some of it.
 */
const DEFAULT_TOTAL_COOKIE_BYTES = 6 * 1024;

/**
 * A cookie name the cookies module sets (tabs, printable Latin-1, no `;` or `=`; it throws on
 * every save otherwise) and that browsers keep as it is (they trim spaces at either end).
 */
const COOKIE_NAME = /^[!-:<>-~\u0080-\u00ff](?:[\t !-:<>-~\u0080-\u00ff]*[!-:<>-~\u0080-\u00ff])?$/;

/** The options of a cookie keyring and its policy, shared by `createCodec` and `encryptedSession`. */
const CODEC_OPTIONS = {
  secretKey: kinds.any(),
  secret: kinds.any(),
  salt: kinds.any(),
  key: kinds.string(DEFAULT_COOKIE_NAME, {
    what: "a cookie name (printable Latin-1, no ';' or '=', no space at either end)",
    pattern: COOKIE_NAME,
  }),
  format: kinds.oneOf(['legacy', 'compact'], 'legacy', 'ERR_FORMAT'),
  maxLifetime: kinds.duration(0),
  assumeIssuedAt: kinds.pastInstant(CLOCK_SKEW_MS),
  acceptKoaEncryptedSession: kinds.boolean(true),
  maxCookies: kinds.integer(1, { max: MAX_COOKIES }),
  maxTotalCookieBytes: kinds.integer(DEFAULT_TOTAL_COOKIE_BYTES, { max: 64 * 1024 }),
};

/**
 * The longest sealed value the keyring writes and reads: what `maxCookies` cookies could hold at
 * most. `maxTotalCookieBytes` is checked before that, with the sizes: when cookies are laid out,
 * and when a split session's parts are joined.
 * @param {Record<string, any>} values checked CODEC_OPTIONS
 */
const maxValueChars = (values) => values.maxCookies * native.MAX_COOKIE_CHARS;

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
      maxValueChars(values),
      values.assumeIssuedAt,
    );
  return keyringFor(keySource(values), make, options);
}

/**
 * The encode/decode pair the middleware seals cookies with, for use without Koa. A session object
 * that `decode` returned keeps its metadata (its id and issue time) when encoded again; any other
 * object is sealed as a new session. Inside Koa, use `encryptedSession`,
 * which keeps each session's metadata across requests. A `secret` is derived synchronously here
 * (about a second per passphrase); derive it once with `deriveKey` and pass the result as
 * `secretKey` to avoid blocking.
 * @param {object} opts see CODEC_OPTIONS
 */
function createCodec(opts) {
  const { values } = readOptions('createCodec(opts)', opts, CODEC_OPTIONS, { required: 'ERR_OPTIONS_REQUIRED' });
  const policy = sessionPolicy(values);
  const ring = cookieKeyring(values, { sync: true });
  /** The sealed value of `session`, of any length up to what the keyring holds. */
  const seal = (session) => {
    checkSession(session);
    return sealValue(ring, SessionToken.of(session), session).value;
  };

  /** The session `opened`, once the policy admits it. */
  const admit = (opened) => {
    policy.admit(opened, undefined);
    return new SessionToken(opened.session, opened.token);
  };

  /**
   * Seals a session object into a cookie value: one `decode` returned with its metadata, any
   * other as a new session. Throws `ERR_SESSION_TOO_LARGE` for a value longer than a cookie is
   * read (use `encodeCookies` for sessions that large).
   * @param {object} session
   */
  function encode(session) {
    const value = seal(session);
    if (value.length > MAX_COOKIE_CHARS) {
      throw sessionTooLarge(
        `session cookie would be ${value.length} characters, more than one cookie's ${MAX_COOKIE_CHARS}: split it with encodeCookies`,
      );
    }
    return value;
  }

  /**
   * Opens a cookie value into its session object, or throws a refusal (a SyntaxError with a
   * `code` and a `reason`); one longer than a cookie may be is refused before any work.
   * @param {string} cookie
   */
  function decode(cookie) {
    if (typeof cookie === 'string' && cookie.length > MAX_COOKIE_CHARS) throw tooLong(cookie.length);
    return admit(openValue(ring, cookie));
  }

  /**
   * Seals a session object into the cookies that hold it, `[{ name, value }]`: one cookie named
   * `key` when its value fits in `maxValueChars` characters, else up to `maxCookies` (`key`,
   * `key.1`, `key.2`, …) each within it. Throws `ERR_SESSION_TOO_LARGE` past `maxCookies`, or
   * past `maxTotalCookieBytes` of `name=value` pairs as a browser sends them back. Set every
   * cookie returned, and expire the others of those names a browser may still hold.
   * @param {object} session
   * @param {number} maxValueChars room for each cookie's value, once its name and attributes are counted
   */
  function encodeCookies(session, maxValueChars) {
    if (!Number.isInteger(maxValueChars) || maxValueChars < MIN_VALUE_CHARS) {
      throw codedError(
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        `maxValueChars must be a whole number of at least ${MIN_VALUE_CHARS}, got ${describe(maxValueChars)}`,
      );
    }
    const value = seal(session);
    const { key, maxCookies, maxTotalCookieBytes } = values;
    const { cookies, bytes } = layOut(key, value, () => maxValueChars, maxCookies);
    if (!cookies || bytes > maxTotalCookieBytes) {
      throw sessionTooLarge(
        cookies
          ? `session cookies would take ${bytes} bytes of the Cookie header, over maxTotalCookieBytes (${maxTotalCookieBytes})`
          : `session would need more than maxCookies (${maxCookies}) cookies of ${maxValueChars} characters for its ${value.length}`,
      );
    }
    return cookies.map(([name, part]) => ({ name, value: part }));
  }

  /**
   * Opens a session from its cookies, as `encodeCookies` made them: `read(name)` returns the value
   * of the cookie `name` the client sent, or undefined. Undefined when there is no session cookie;
   * otherwise as `decode`, with reason `chunks` when the cookies are not all there, not all from
   * one save, or more than `maxCookies`.
   * @param {(name: string) => string | undefined} read
   */
  function decodeCookies(read) {
    const first = read(values.key);
    if (first === undefined) return undefined;
    if (typeof first !== 'string' || partCount(first) === 0) return decode(first);
    const limits = { maxParts: values.maxCookies, maxChars: values.maxTotalCookieBytes };
    return admit(openParts(ring, first, (index) => read(partName(values.key, index)), limits));
  }

  return { encode, decode, encodeCookies, decodeCookies };
}

/** A constructor that returns its argument: lets a subclass give an object a private field. */
class Carrier {
  constructor(object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point of this class
    return object;
  }
}

/**
 * The metadata token of a session object `decode` made, in a private field of that object: no
 * key, JSON, spread or deep equality shows it, it costs what setting a property does (a WeakMap
 * entry costs tens of times more, on every decode), and it is found only on objects this module
 * made, never on the caller's.
 */
class SessionToken extends Carrier {
  #token;

  /**
   * @param {object} session
   * @param {string} token
   */
  constructor(session, token) {
    super(session);
    this.#token = token;
  }

  /** The token `session` carries, if `decode` made it. */
  static of(session) {
    return #token in session ? session.#token : undefined;
  }
}

/** The least room for a cookie's value that `encodeCookies` can split a session into. */
const MIN_VALUE_CHARS = 64;

module.exports = { createCodec, cookieKeyring, CODEC_OPTIONS, DEFAULT_TOTAL_COOKIE_BYTES };
