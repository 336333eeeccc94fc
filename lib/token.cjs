'use strict';

// A session's metadata token, as JavaScript reads it. The native core makes and writes tokens and
// owns their layout (the constants below come from it): the session id (16 bytes from the OS,
// base64url), then two times in ms since the epoch in base 36, when the session was issued and
// since when its user field has held its value (0: unknown, or none).

const native = require('./native.cjs');

const { SESSION_ID_CHARS, TOKEN_TIME_CHARS, TOKEN_ISSUED_AT, TOKEN_USER_SINCE } = native;

/** The time (ms) that starts at `at` in `token`. */
const timeAt = (token, at) => Number.parseInt(token.slice(at, at + TOKEN_TIME_CHARS), 36);

/**
 * The session id in `token`.
 * @param {string} token
 */
const idOf = (token) => token.slice(0, SESSION_ID_CHARS);

/**
 * When the session of `token` was issued (ms), or 0 when unknown.
 * @param {string} token
 */
const issuedAtOf = (token) => timeAt(token, TOKEN_ISSUED_AT);

/**
 * Since when (ms) the session's user field has held its value, or 0.
 * @param {string} token
 */
const userSinceOf = (token) => timeAt(token, TOKEN_USER_SINCE);

/** The token of a new session: a fresh id from the OS, issued now, no user yet. */
const newToken = () => native.newToken();

module.exports = { idOf, issuedAtOf, userSinceOf, newToken };
