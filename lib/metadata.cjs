'use strict';

const native = require('./binding.cjs');

/**
 * The package's metadata of one session, sealed with it but never part of `ctx.session`: a
 * 40-character token, laid out as the session id (22 base64url characters, 16 bytes from the
 * OS), then two times in ms since the epoch as 9 base-36 digits each: when the session was
 * issued, and when its user field took its current value (`0`: unknown, or none). The native
 * layer makes new tokens (with ids from the OS) and checks the shape of every token it seals or
 * opens.
 */

const ID_CHARS = 22;
const TIME_CHARS = 9;
const ISSUED_AT = ID_CHARS;
const USER_SINCE = ID_CHARS + TIME_CHARS;
/** The largest time 9 base-36 digits hold (year 5188). */
const MAX_TIME = 36 ** TIME_CHARS - 1;

/** `ms` as 9 base-36 digits. */
const time36 = (ms) =>
  Math.min(MAX_TIME, Math.max(0, Math.floor(ms)))
    .toString(36)
    .padStart(TIME_CHARS, '0');

/**
 * The token of a new session: a fresh id, issued at `issuedAt` (ms), no user yet.
 * @param {number} issuedAt
 * @returns {string}
 */
const newToken = (issuedAt) => native.newToken(issuedAt);

/** The session id in `token`. */
const idOf = (token) => token.slice(0, ID_CHARS);

/** When the session of `token` was issued (ms), or 0 when unknown. */
const issuedAtOf = (token) => Number.parseInt(token.slice(ISSUED_AT, USER_SINCE), 36);

/** Since when (ms) the session's user field has held its value, or 0. */
const userSinceOf = (token) => Number.parseInt(token.slice(USER_SINCE), 36);

/** `token` with its issue time set to `ms`. */
const withIssuedAt = (token, ms) => token.slice(0, ISSUED_AT) + time36(ms) + token.slice(USER_SINCE);

/** `token` with its user-since time set to `ms`. */
const withUserSince = (token, ms) => token.slice(0, USER_SINCE) + time36(ms);

module.exports = { newToken, idOf, issuedAtOf, userSinceOf, withIssuedAt, withUserSince };
