'use strict';

// Session objects sealed into values (cookie values, or what encryptedStore hands a store) and
// opened again, over a native keyring, with the session's metadata token riding along. The
// layout of what the native core returns is its own, read here through its constants.

const native = require('./native.cjs');
const { codedError, describe, refusal } = require('./errors.cjs');

const { TOKEN_CHARS, OPENED_JSON_AT, OPENED_STALE, OPENED_ADOPTED } = native;
/** The session member that carries a legacy cookie's metadata (koa-encrypted-session keeps it). */
const METADATA_MEMBER = '$kss';

/** @typedef {ReturnType<typeof native.createCookieKeyring>} Keyring a native keyring */

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
 * What `openValue` found in a value.
 * @typedef {{ session: Record<string, unknown>, token: string, stale: boolean, adopted: boolean }} Opened
 */

/**
 * Opens a cookie or store value into its session object, the session's metadata token, whether
 * an older key sealed it, and whether koa-encrypted-session sealed it last (so that its metadata
 * was made here, or carried along by that package as session data); or throws a refusal.
 * @param {Keyring} ring
 * @param {unknown} value
 * @returns {Opened}
 */
function openValue(ring, value) {
  if (typeof value !== 'string') {
    throw refusal('ERR_COOKIE_MALFORMED', 'malformed', `cookie must be a string, got ${describe(value)}`);
  }
  return openPieces(ring, value);
}

/**
 * Opens, as `openValue` does, a value already known to be a string, or given as its pieces in
 * order: those of a split session (chunks.cjs), which the native core reads one after the other
 * so that they are never joined into one more string.
 * @param {Keyring} ring
 * @param {string | string[]} value
 * @returns {Opened}
 */
function openPieces(ring, value) {
  let text;
  try {
    text = ring.open(value);
  } catch (err) {
    throw refused(err);
  }
  let session;
  try {
    session = JSON.parse(text.slice(OPENED_JSON_AT));
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
  let token = text.slice(1, OPENED_JSON_AT);
  if (flags & OPENED_ADOPTED && Object.hasOwn(session, METADATA_MEMBER)) {
    // A koa-encrypted-session node carried the metadata along as session data, but not last.
    const member = session[METADATA_MEMBER];
    delete session[METADATA_MEMBER];
    try {
      token = ring.checkMetadata(typeof member === 'string' ? member : '');
    } catch (err) {
      throw refused(err);
    }
  }
  return { session, token, stale: (flags & OPENED_STALE) !== 0, adopted: (flags & OPENED_ADOPTED) !== 0 };
}

/**
 * Seals `payload` (an object, as `JSON.stringify` renders it) with its metadata `token`, or as a
 * new session when `token` is undefined, setting the token's user-since time to `userSince` (ms)
 * when given. Returns the token sealed and the value.
 * @param {Keyring} ring
 * @param {string | undefined} token
 * @param {object} payload
 * @param {number} [userSince]
 * @returns {{ token: string, value: string }}
 */
function sealValue(ring, token, payload, userSince) {
  const sealed = ring.seal(token, JSON.stringify(payload), userSince);
  return { token: sealed.slice(0, TOKEN_CHARS), value: sealed.slice(TOKEN_CHARS) };
}

/**
 * Checks that `session` is an object a codec can seal.
 * @param {unknown} session
 */
function checkSession(session) {
  if (session === null || typeof session !== 'object' || Array.isArray(session)) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `session must be an object, got ${describe(session)}`);
  }
}

module.exports = { openValue, openPieces, sealValue, checkSession };
