'use strict';

const { codedError, describe } = require('./errors.cjs');
const { issuedAtOf, withIssuedAt } = require('./metadata.cjs');

/** How far ahead of this server's clock an issue time may lie (another server's clock skew). */
const CLOCK_SKEW_MS = 5000;

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
 * Checks an instant option: a Date or a time in ms since the epoch, not in the future (0 or
 * absent: none).
 * @param {string} name
 * @param {unknown} value
 */
function toInstant(name, value) {
  if (value === undefined || value === null) return 0;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > Date.now() + CLOCK_SKEW_MS) {
    const got = value instanceof Date || typeof value === 'number' ? String(value) : describe(value);
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `${name} must be a Date or a time in ms since the epoch, not in the future, got ${got}`,
    );
  }
  return ms;
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
 * Checks a boolean option, `fallback` when absent.
 * @param {string} name
 * @param {unknown} value
 * @param {boolean} fallback
 */
function toBoolean(name, value, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') {
    throw codedError(TypeError, 'ERR_OPTION_VALUE', `${name} must be true or false, got ${describe(value)}`);
  }
  return value;
}

/**
 * The checks an opened session's metadata must pass:
 * - `maxLifetime` (ms): the session must carry an issue time, no more than a few seconds ahead
 *   of this clock, and be no older than `maxLifetime`;
 * - `assumeIssuedAt` (ms): a session that carries no issue time (sealed by
 *   koa-encrypted-session, or by this package before it stamped one) counts as issued then,
 *   never as issued when first seen;
 * - `acceptKoaEncryptedSession` (default true): false refuses legacy cookies that
 *   koa-encrypted-session sealed last, once no node runs it any more.
 * @param {{ maxLifetime?: number, assumeIssuedAt?: number, acceptKoaEncryptedSession?: boolean }} options
 */
function sessionPolicy({ maxLifetime = 0, assumeIssuedAt = 0, acceptKoaEncryptedSession = true } = {}) {
  return {
    /** True when the policy depends on metadata a plain store would not keep. */
    needsSealedStore: maxLifetime > 0,
    /**
     * The token to keep for an opened session (with the assumed issue time filled in), or
     * throws the refusal.
     * @param {{ token: string, adopted: boolean }} opened from `openValue`
     */
    admit({ token, adopted }) {
      if (adopted && !acceptKoaEncryptedSession) {
        throw refusal(
          'ERR_COOKIE_METADATA',
          'metadata',
          'cookie was last sealed by koa-encrypted-session, which acceptKoaEncryptedSession: false refuses',
        );
      }
      if (!maxLifetime && !assumeIssuedAt) return token;
      let issued = issuedAtOf(token);
      if (issued === 0 && assumeIssuedAt) {
        issued = assumeIssuedAt;
        token = withIssuedAt(token, issued);
      }
      if (!maxLifetime) return token;
      const now = Date.now();
      if (issued === 0) {
        throw refusal(
          'ERR_COOKIE_ISSUE_TIME',
          'lifetime',
          'session carries no issue time (sealed by koa-encrypted-session, or before this package stamped one); set assumeIssuedAt to count such sessions from a fixed instant',
        );
      }
      if (issued > now + CLOCK_SKEW_MS) {
        throw refusal(
          'ERR_COOKIE_ISSUE_TIME',
          'lifetime',
          `session issue time lies ${issued - now} ms ahead of this server's clock`,
        );
      }
      if (now - issued > maxLifetime) {
        throw refusal('ERR_COOKIE_LIFETIME', 'lifetime', `session is older than maxLifetime (${maxLifetime} ms)`);
      }
      return token;
    },
  };
}

/**
 * The policy `createCodec` and `encryptedSession` options ask for, each option checked.
 * @param {{ maxLifetime?: unknown, assumeIssuedAt?: unknown, acceptKoaEncryptedSession?: unknown }} opts
 */
function policyFrom(opts) {
  return sessionPolicy({
    maxLifetime: toMillis('maxLifetime', opts.maxLifetime),
    assumeIssuedAt: toInstant('assumeIssuedAt', opts.assumeIssuedAt),
    acceptKoaEncryptedSession: toBoolean('acceptKoaEncryptedSession', opts.acceptKoaEncryptedSession, true),
  });
}

module.exports = { CLOCK_SKEW_MS, refusal, sessionPolicy, policyFrom };
