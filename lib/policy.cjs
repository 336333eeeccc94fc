'use strict';

// What a session's metadata must show for it to be let in, and what may be sealed: the checks of
// `maxLifetime`, `acceptKoaEncryptedSession` and `revocations`, as plain decisions over a token,
// the session's data and the times the caller reads off it. Nothing here knows Koa.

const { codedError, describe, refusal } = require('./errors.cjs');
const { ONE_DAY } = require('./options.cjs');
const { idOf, issuedAtOf, userSinceOf } = require('./token.cjs');

/** How far ahead of this server's clock an issue time may lie (another server's clock skew). */
const CLOCK_SKEW_MS = 5000;
/**
 * How long after a logout a request that was already in flight (on a process that had not heard
 * of it yet) may still seal the session: a revocation lasts this much longer than the cookies it
 * stops.
 */
const IN_FLIGHT_MS = 60_000;

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
 * The checks an opened session's metadata must pass, and what may be sealed:
 * - `maxLifetime` (ms, 0 for none): the session must carry an issue time (the keyring fills in
 *   `assumeIssuedAt` for one that has none), no more than a few seconds ahead of this clock,
 *   and be no older than `maxLifetime`;
 * - `acceptKoaEncryptedSession` (default true): false refuses legacy cookies that
 *   koa-encrypted-session sealed last, once no node runs it any more;
 * - `revocations`: the session must not be revoked, nor, with `userKey`, its user since before
 *   it was issued to them; until the revocations are loaded, no session can be told apart from a
 *   revoked one, so none is admitted. A revocation lasts as long as the longest a cookie can be
 *   used, so with revocations every cookie must expire within that: `maxLifetime`, or else the
 *   middleware's `maxAge` (default one day), which a session's own maxAge may not exceed.
 * @param {{ maxLifetime?: number, acceptKoaEncryptedSession?: boolean, revocations?: object, userKey?: string, maxAge?: unknown }} settings
 */
function sessionPolicy({ maxLifetime = 0, acceptKoaEncryptedSession = true, revocations, userKey, maxAge } = {}) {
  const longest = longestUse(maxLifetime, maxAge);

  /** Refuses a session issued at `issued` (ms; 0 unknown) that maxLifetime cannot accept. */
  const checkLifetime = (issued, now) => {
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

  /**
   * Why revocations refuse the session of `token` with `user` (whose field has held it since
   * `userSince`, ms, 0 for unknown), or undefined when they do not.
   */
  const revokedBecause = (token, user, userSince = userSinceOf(token)) => {
    if (revocations.isRevoked(idOf(token))) return 'session was signed out';
    const revokedAt = user === undefined ? 0 : revocations.userRevokedAt(user);
    if (revokedAt && (userSince || issuedAtOf(token)) < revokedAt) {
      return "every session of the session's user issued before it was signed out";
    }
    return undefined;
  };

  /** Refuses a session whose cookie could outlive a revocation: one with no expiry, or a later one than `longest` allows. */
  const checkBounded = (expiresAt, now) => {
    if (maxLifetime) return; // every cookie ends with its lifetime
    if (typeof expiresAt !== 'number' || expiresAt - now > longest + CLOCK_SKEW_MS) {
      throw refusal(
        'ERR_COOKIE_UNBOUNDED',
        'unbounded',
        `session cookie ${typeof expiresAt === 'number' ? 'expires later than a revocation would last' : 'never expires'} (sealed before revocations were on, or by koa-encrypted-session with maxAge 'session'); with revocations on, such a cookie could not be signed out for good`,
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
     * Refuses an opened session the policy does not let in, with the refusal koa-session answers
     * with a fresh session.
     * @param {import('./sealed.cjs').Opened} opened
     * @param {number | undefined} expiresAt when its cookie expires (ms), if it does
     * @param {number} [now]
     */
    admit({ token, adopted, session }, expiresAt, now = Date.now()) {
      if (adopted && !acceptKoaEncryptedSession) {
        throw refusal(
          'ERR_COOKIE_METADATA',
          'metadata',
          'cookie was last sealed by koa-encrypted-session, which acceptKoaEncryptedSession: false refuses',
        );
      }
      if (maxLifetime) checkLifetime(issuedAtOf(token), now);
      if (!revocations) return;
      if (!revocations.loaded) {
        throw refusal(
          'ERR_REVOCATIONS_LOADING',
          'revocations-loading',
          'the revocations are not loaded yet (Redis unreachable since this process started), so no session can be told from a revoked one',
        );
      }
      const revoked = revokedBecause(token, userOf(session));
      if (revoked) throw refusal('ERR_COOKIE_REVOKED', 'revoked', revoked);
      checkBounded(expiresAt, now);
    },
    /**
     * Whether `session` may be sealed with `token` (undefined for a new session), the maxAge it
     * carries in this request (`'session'` for none) and `userSince` (ms, when its user field took
     * its value in this request): false when it was revoked since it was opened (a request in
     * flight during its logout must not seal it again). Throws `ERR_SESSION_UNBOUNDED` when, with
     * revocations on, its cookie would outlive what a revocation covers, and `ERR_OPTION_VALUE`
     * when its `userKey` field holds no user id.
     * @param {string | undefined} token
     * @param {Record<string, unknown>} session
     * @param {unknown} ownMaxAge
     * @param {number} [userSince]
     */
    sealable(token, session, ownMaxAge, userSince) {
      const user = userKey === undefined ? undefined : session[userKey];
      if (user !== undefined && user !== null && typeof user !== 'string' && typeof user !== 'number') {
        throw codedError(
          TypeError,
          'ERR_OPTION_VALUE',
          `the session field userKey names (${userKey}) must hold the user's id as a string or a number, got ${describe(user)}`,
        );
      }
      if (!revocations) return true;
      if (!maxLifetime && (ownMaxAge === 'session' || ownMaxAge > longest)) unbounded(ownMaxAge, longest);
      return token === undefined || revokedBecause(token, userOf(session), userSince) === undefined;
    },
    /** Throws `ERR_SESSION_UNBOUNDED` when revocations are on and nothing bounds how long a cookie lasts. */
    checkBound() {
      if (revocations && longest === undefined) unbounded('session');
    },
    /** The longest a revocation must last: as long as a cookie may be used, and a minute for requests in flight. */
    horizon: () => longest + IN_FLIGHT_MS,
  };
}

module.exports = { sessionPolicy, CLOCK_SKEW_MS };
