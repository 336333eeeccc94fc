'use strict';

/**
 * Makes an error of class `Type` whose `code` is stable across releases.
 * @param {ErrorConstructor} Type
 * @param {string} code
 * @param {string} message
 */
function codedError(Type, code, message) {
  const err = new Type(message);
  err.code = code;
  return err;
}

/**
 * Names what arrived, for messages: `number`, `null`, `Float32Array`, `string of 12 characters`.
 * @param {unknown} value
 */
function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}

/**
 * The error a refused cookie or store value raises: a SyntaxError, which koa-session answers with
 * a fresh session, carrying the short `reason` that `session:rejected` reports.
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
 * `ERR_SESSION_TOO_LARGE`: a session too large to save, saying why and what to do.
 * @param {string} why
 */
const sessionTooLarge = (why) =>
  codedError(
    Error,
    'ERR_SESSION_TOO_LARGE',
    `${why}; keep less in the session, or keep it in a store (encryptedStore)`,
  );

module.exports = { codedError, describe, refusal, sessionTooLarge };
