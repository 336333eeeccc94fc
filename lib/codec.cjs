'use strict';

const { codedError, describe } = require('./errors.cjs');
const { keySource, keyringFor } = require('./keyring.cjs');
const { policyFrom, refusal } = require('./policy.cjs');
const { requestSession } = require('./request-session.cjs');

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
 * Opens a cookie or store value into its session object, the session's metadata token, whether
 * an older key sealed it, and whether koa-encrypted-session sealed it last (so that its metadata
 * was made here, or carried along by that package as session data); or throws a refusal.
 * @param {Keyring} ring
 * @param {unknown} value
 * @returns {{ session: Record<string, unknown>, token: string, stale: boolean, adopted: boolean }}
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
  return { session, token, stale: (flags & FLAG_STALE) !== 0, adopted: (flags & FLAG_ADOPTED) !== 0 };
}

/** A constructor that returns its argument: lets a subclass give any object a private field. */
class Carrier {
  constructor(object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point of this class
    return object;
  }
}

/**
 * The metadata token of a session object `decode` returned, in a private field of that object:
 * nothing of its data (keys, JSON, spread, deep equality) nor reflection shows it, and setting
 * it costs what setting a property does.
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

/**
 * The encode/decode pair over the keyring `ringOf()` returns (null while a passphrase is being
 * derived). When koa-session calls them (on its per-request options object, `this`), they keep
 * the session's metadata for the request in its RequestSession and ask for a session an older
 * key sealed to be saved again; called on their own, `encode` keeps the metadata of a session
 * object that `decode` returned, and seals any other object as a new session (whose token the
 * native layer makes along with the nonce).
 * @param {() => Keyring | null} ringOf
 * @param {ReturnType<typeof import('./policy.cjs').sessionPolicy>} policy
 */
function sessionHooks(ringOf, policy) {
  /** True when koa-session is the caller: `self` is its per-request options object. */
  const fromKoaSession = (self) => self !== hooks && typeof self === 'object' && self !== null;
  const hooks = {
    encode(session) {
      if (session === null || typeof session !== 'object' || Array.isArray(session)) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `session must be an object, got ${describe(session)}`);
      }
      const ring = ringOf();
      if (!ring) throw codedError(Error, 'ERR_KEY_PENDING', KEY_PENDING);
      if (!fromKoaSession(this)) return ring.seal(SessionToken.of(session), JSON.stringify(session)); // no token: a new session
      const token = requestSession(this, policy).tokenToSeal(session);
      // Revoked since it was opened: an empty cookie, which starts a fresh session next time.
      return token === null ? '' : ring.seal(token, JSON.stringify(session));
    },
    decode(cookie) {
      const ring = ringOf();
      if (!ring) throw refusal('ERR_KEY_PENDING', 'key-pending', KEY_PENDING);
      const opened = openValue(ring, cookie);
      if (!fromKoaSession(this)) {
        new SessionToken(opened.session, policy.admit(opened));
        return opened.session;
      }
      const request = requestSession(this, policy);
      request.admit(opened);
      if (opened.stale) opened.session._requireSave = true; // koa-session saves it again, with the newest key
      return opened.session;
    },
  };
  return hooks;
}

/** Why a session cannot be opened or sealed yet, when its key is still being derived. */
const KEY_PENDING =
  'the session key is still being derived from `secret`: register encryptedSession before middleware that reads ctx.session, or derive the key first with deriveKey() and pass it as secretKey';

/**
 * The encode/decode pair the middleware seals cookies with, for use without Koa or as
 * koa-session's own hooks. A session object that `decode` returned keeps its metadata (its id
 * and issue time) when encoded again; any other object is sealed as a new session. A `secret` is
 * derived synchronously here (about a second per passphrase); derive it once with `deriveKey`
 * and pass the result as `secretKey` to avoid blocking.
 * @param {{ secretKey?: string | Uint8Array | Array<string | Uint8Array>, secret?: string | Uint8Array | Array<string | Uint8Array>, salt?: string | Uint8Array, key?: string, format?: 'legacy' | 'compact', maxLifetime?: number, assumeIssuedAt?: Date | number, acceptKoaEncryptedSession?: boolean }} opts
 */
function createCodec(opts) {
  if (!opts || typeof opts !== 'object') {
    throw codedError(TypeError, 'ERR_OPTIONS_REQUIRED', 'opts required: `createCodec(opts)`');
  }
  const use = { cookie: cookieName(opts.key), compact: isCompact(opts.format) };
  const policy = policyFrom(opts);
  const ring = keyringFor(keySource(opts), opts.secretKey, use, { sync: true });
  return sessionHooks(() => ring, policy);
}

module.exports = { createCodec, cookieName, isCompact, openValue, sessionHooks };
