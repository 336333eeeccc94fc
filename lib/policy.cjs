'use strict';

const { codedError, describe } = require('./errors.cjs');
const { idOf, issuedAtOf, userSinceOf, withIssuedAt } = require('./metadata.cjs');
const { isRevocations } = require('./revocations/revocations.cjs');

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
 * Checks `userKey`: the name of the session field that holds the user's id.
 * @param {unknown} value
 */
function toUserKey(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `userKey must be the name of a session field, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Checks `revocations`: what `memoryRevocations()` or `redisRevocations()` returned.
 * @param {unknown} value
 */
function toRevocations(value) {
  if (value === undefined || value === null) return undefined;
  if (!isRevocations(value)) {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `revocations must come from memoryRevocations() or redisRevocations(), got ${describe(value)}`,
    );
  }
  return value;
}

/** koa-session's maxAge when none is set: one day. */
const ONE_DAY = 24 * 3600 * 1000;
/**
 * How long after a logout a request that was already in flight may still seal the session: a
 * revocation lasts this much longer than the cookies it stops.
 */
const IN_FLIGHT_MS = 60_000;

/**
 * The checks an opened session's metadata must pass, and what may be sealed:
 * - `maxLifetime` (ms): the session must carry an issue time, no more than a few seconds ahead
 *   of this clock, and be no older than `maxLifetime`;
 * - `assumeIssuedAt` (ms): a session that carries no issue time (sealed by
 *   koa-encrypted-session, or by this package before it stamped one) counts as issued then,
 *   never as issued when first seen;
 * - `acceptKoaEncryptedSession` (default true): false refuses legacy cookies that
 *   koa-encrypted-session sealed last, once no node runs it any more;
 * - `revocations`: the session must not be revoked, nor, with `userKey`, its user since before
 *   it was issued to them; until the revocations are loaded, no session can be told apart from a
 *   revoked one, so none is admitted. A revocation lasts as long as the longest a cookie can be
 *   used, so with revocations every cookie must expire within that: `maxLifetime`, or else the
 *   middleware's `maxAge` (default one day), which a session's own maxAge may not exceed.
 * @param {{ maxLifetime?: number, assumeIssuedAt?: number, acceptKoaEncryptedSession?: boolean, revocations?: object, userKey?: string, maxAge?: unknown }} options
 */
function sessionPolicy({
  maxLifetime = 0,
  assumeIssuedAt = 0,
  acceptKoaEncryptedSession = true,
  revocations,
  userKey,
  maxAge,
} = {}) {
  const longest = longestUse(maxLifetime, maxAge);

  /** Refuses a session issued at `issued` (ms; 0 unknown) that maxLifetime cannot accept. */
  const checkLifetime = (issued) => {
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
  };

  /** The session's user id (its `userKey` field, as text), or undefined. */
  const userOf = (session) => {
    const user = userKey === undefined ? undefined : session?.[userKey];
    return typeof user === 'string' || typeof user === 'number' ? String(user) : undefined;
  };

  /** Why revocations refuse the session of `token`, or undefined when they do not. */
  const revokedBecause = (token, session) => {
    if (revocations.isRevoked(idOf(token))) return 'session was signed out';
    const user = userOf(session);
    const revokedAt = user === undefined ? 0 : revocations.userRevokedAt(user);
    if (revokedAt && (userSinceOf(token) || issuedAtOf(token)) < revokedAt) {
      return "every session of the session's user issued before it was signed out";
    }
    return undefined;
  };

  /** Refuses a session whose cookie could outlive a revocation: one with no expiry, or a later one than `longest` allows. */
  const checkBounded = (session) => {
    if (maxLifetime) return; // every cookie ends with its lifetime
    const expire = session._expire;
    if (typeof expire !== 'number' || expire - Date.now() > longest + CLOCK_SKEW_MS) {
      throw refusal(
        'ERR_COOKIE_UNBOUNDED',
        'unbounded',
        `session cookie ${typeof expire === 'number' ? 'expires later than a revocation would last' : 'never expires'} (sealed before revocations were on, or by koa-encrypted-session with maxAge 'session'); with revocations on, such a cookie could not be signed out for good`,
      );
    }
  };

  return {
    /** True when the policy depends on metadata a plain store would not keep. */
    needsSealedStore: maxLifetime > 0 || revocations !== undefined,
    revocations,
    userKey,
    userOf,
    /**
     * The token to keep for an opened session (with the assumed issue time filled in), or
     * throws the refusal.
     * @param {{ token: string, adopted: boolean, session: Record<string, unknown> }} opened from `openValue`
     */
    admit({ token, adopted, session }) {
      if (adopted && !acceptKoaEncryptedSession) {
        throw refusal(
          'ERR_COOKIE_METADATA',
          'metadata',
          'cookie was last sealed by koa-encrypted-session, which acceptKoaEncryptedSession: false refuses',
        );
      }
      if (assumeIssuedAt && issuedAtOf(token) === 0) token = withIssuedAt(token, assumeIssuedAt);
      if (maxLifetime) checkLifetime(issuedAtOf(token));
      if (!revocations) return token;
      if (!revocations.loaded) {
        throw refusal(
          'ERR_REVOCATIONS_LOADING',
          'revocations-loading',
          'the revocations are not loaded yet (Redis unreachable since this process started), so no session can be told from a revoked one',
        );
      }
      const revoked = revokedBecause(token, session);
      if (revoked) throw refusal('ERR_COOKIE_REVOKED', 'revoked', revoked);
      checkBounded(session);
      return token;
    },
    /**
     * Whether a session with `token` may be sealed as koa-session hands it over (`session`, with
     * its `_expire`, `_maxAge` or `_session`): false when it was revoked since it was opened (a
     * request in flight during its logout must not seal it again). Throws `ERR_SESSION_UNBOUNDED`
     * when, with revocations on, its cookie would outlive what a revocation covers.
     * @param {string} token
     * @param {Record<string, unknown>} session
     */
    sealable(token, session) {
      const user = userKey === undefined ? undefined : session[userKey];
      if (user !== undefined && user !== null && typeof user !== 'string' && typeof user !== 'number') {
        throw codedError(
          TypeError,
          'ERR_OPTION_VALUE',
          `the session field userKey names (${userKey}) must hold the user's id as a string or a number, got ${describe(user)}`,
        );
      }
      if (!revocations) return true;
      const ownMaxAge = session._session ? 'session' : session._maxAge;
      if (!maxLifetime && (ownMaxAge === 'session' || ownMaxAge > longest)) unbounded(ownMaxAge, longest);
      return revokedBecause(token, session) === undefined;
    },
    /** Throws `ERR_SESSION_UNBOUNDED` when revocations are on and nothing bounds how long a cookie lasts. */
    checkBound() {
      if (revocations && longest === undefined) unbounded('session');
    },
    /**
     * The last instant any copy of the cookie of a session with `token` and `ownMaxAge` could still
     * be accepted, counted from now.
     * @param {string} token
     * @param {unknown} ownMaxAge the session's maxAge in this request
     */
    lastValid(token, ownMaxAge) {
      const now = Date.now();
      const cookieAge = typeof ownMaxAge === 'number' && ownMaxAge > 0 ? Math.min(ownMaxAge, longest) : longest;
      const byLifetime = maxLifetime ? (issuedAtOf(token) || now) + maxLifetime + CLOCK_SKEW_MS : Infinity;
      return Math.min(byLifetime, now + cookieAge + IN_FLIGHT_MS);
    },
    /** The longest a revocation must last: as long as a cookie may be used, and a minute for requests in flight. */
    horizon: () => longest + IN_FLIGHT_MS,
  };
}

/**
 * The longest a cookie may be used for, in ms from when it is sealed: its lifetime, or the
 * middleware's `maxAge` (koa-session's default, one day, when unset); undefined when nothing
 * bounds it (`maxAge: 'session'` without `maxLifetime`).
 * @param {number} maxLifetime
 * @param {unknown} maxAge
 */
function longestUse(maxLifetime, maxAge) {
  if (maxLifetime) return maxLifetime + CLOCK_SKEW_MS;
  if (maxAge === 'session') return undefined;
  return typeof maxAge === 'number' && maxAge > 0 ? maxAge : ONE_DAY;
}

/**
 * Throws `ERR_SESSION_UNBOUNDED`: a cookie with `maxAge` would outlive a revocation (`longest` ms).
 * @param {unknown} maxAge
 * @param {number} [longest]
 */
function unbounded(maxAge, longest) {
  throw codedError(
    TypeError,
    'ERR_SESSION_UNBOUNDED',
    maxAge === 'session'
      ? "with revocations, every cookie must expire: maxAge 'session' cookies carry no expiry, so set maxLifetime too (a revocation lasts until the last copy of the cookie could still be used)"
      : `with revocations, a session's maxAge (${maxAge} ms) may not exceed the middleware's (${longest} ms), which a revocation lasts: raise the middleware's maxAge, or set maxLifetime`,
  );
}

/**
 * The policy `createCodec` and `encryptedSession` options ask for, each option checked.
 * @param {{ maxLifetime?: unknown, assumeIssuedAt?: unknown, acceptKoaEncryptedSession?: unknown, revocations?: unknown, userKey?: unknown, maxAge?: unknown }} opts
 */
function policyFrom(opts) {
  return sessionPolicy({
    maxLifetime: toMillis('maxLifetime', opts.maxLifetime),
    assumeIssuedAt: toInstant('assumeIssuedAt', opts.assumeIssuedAt),
    acceptKoaEncryptedSession: toBoolean('acceptKoaEncryptedSession', opts.acceptKoaEncryptedSession, true),
    revocations: toRevocations(opts.revocations),
    userKey: toUserKey(opts.userKey),
    maxAge: opts.maxAge,
  });
}

module.exports = { CLOCK_SKEW_MS, refusal, sessionPolicy, policyFrom };
