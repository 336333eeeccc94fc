'use strict';

// Revocations: which sessions and users have been signed out, held in memory (the mirror) so that
// checking a cookie never waits on anything. Only logouts are stored, never sessions, and each only
// until the cookies it stops would have expired anyway. `memoryRevocations` serves one process;
// `redisRevocations` (redis.cjs) shares the same interface across a fleet.

const { codedError, describe } = require('../errors.cjs');
const { kinds, readOptions, ONE_DAY } = require('../options.cjs');
const { Mirror, MAX_UNTIL } = require('./mirror.cjs');
const { isSessionId } = require('./revocation-set.cjs');

/** Options both backends take: `horizon`, the default lifetime of an entry (as koa-session's default maxAge). */
const REVOCATION_OPTIONS = { horizon: kinds.duration(ONE_DAY) };
/** How often the mirror drops expired entries. */
const PRUNE_INTERVAL = 60 * 1000;
/** 2001-01-01 in ms: an `until` before it is a time in seconds (a JWT habit), or no time at all. */
const EARLIEST_UNTIL = Date.UTC(2001, 0, 1);
const BRAND = Symbol('koa-sodium-session revocations');

/**
 * Checks a session id and returns it.
 * @param {unknown} sessionId
 * @returns {string}
 */
function toSessionId(sessionId) {
  if (isSessionId(sessionId)) return sessionId;
  const what = typeof sessionId === 'string' && sessionId.length === 22 ? 'with a character outside base64url' : '';
  throw codedError(
    TypeError,
    'ERR_SESSION_ID',
    `session id must be 22 base64url characters (16 random bytes, unpadded), got ${describe(sessionId)} ${what}`.trim(),
  );
}

/**
 * Checks a user id (a non-empty string, or a finite number taken as its String()) and returns it.
 * @param {unknown} userId
 * @returns {string}
 */
function toUserId(userId) {
  if (typeof userId === 'number' && Number.isFinite(userId)) return String(userId);
  if (typeof userId === 'string' && userId.length > 0 && userId.isWellFormed()) return userId;
  if (typeof userId === 'string' && userId.length > 0) {
    // Redis stores text as UTF-8, where a lone surrogate becomes U+FFFD: a process loading it
    // would not refuse the user the app named.
    throw codedError(
      TypeError,
      'ERR_USER_ID',
      `user id must be well-formed text, got a string with a lone surrogate (UTF-16 code unit 0x${loneSurrogate(userId)}), which cannot be stored as UTF-8`,
    );
  }
  throw codedError(TypeError, 'ERR_USER_ID', `user id must be a non-empty string or a number, got ${describe(userId)}`);
}

/** The first lone surrogate of `text`, in hex. */
function loneSurrogate(text) {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const next = text.charCodeAt(i + 1);
    if (high && next >= 0xdc00 && next <= 0xdfff) i++;
    else if (unit >= 0xd800 && unit <= 0xdfff) return unit.toString(16);
  }
  return '';
}

/**
 * The time (ms) an entry may be dropped: `until` as given, or `now + horizon` when absent; one
 * past what the mirror holds (2106) is held until then, which outlasts any cookie.
 * @param {unknown} until
 * @param {number} now
 * @param {number} horizon
 */
function toUntil(until, now, horizon) {
  if (until === undefined) return Math.min(now + horizon, MAX_UNTIL);
  if (typeof until !== 'number' || Number.isNaN(until) || until < EARLIEST_UNTIL) {
    const got =
      typeof until !== 'number'
        ? describe(until)
        : until >= 0
          ? `${until}, before 2001 in ms (a time in seconds?)`
          : until;
    throw codedError(
      typeof until === 'number' ? RangeError : TypeError,
      'ERR_UNTIL',
      `until must be a time in ms since the epoch, such as Date.now() + 3600000, got ${got}`,
    );
  }
  return Math.min(until, MAX_UNTIL);
}

/**
 * The interface both backends share, over a fresh mirror. `connect(mirror)` returns the backend,
 * which shares entries beyond this process: `{ store(entry), close(), loaded, ready }`, where an
 * entry is `{ sessions: [{ id, until }], users: [{ userId, at, until }] }`.
 * @param {{ horizon: number }} settings
 * @param {(mirror: Mirror) => { store: (entry: object) => Promise<void>, close: () => Promise<void>, loaded: boolean, ready: Promise<void> }} connect
 */
function createRevocations(settings, connect) {
  const mirror = new Mirror();
  const state = { horizon: settings.horizon, closed: false };
  const backend = connect(mirror);
  const pruning = setInterval(() => mirror.prune(), PRUNE_INTERVAL).unref();
  const closedError = () =>
    codedError(Error, 'ERR_REVOCATIONS_CLOSED', 'revocations are closed: close() was called, nothing more is stored');

  const revocations = {
    /**
     * Revokes one session: refused in this process at once, everywhere once propagated.
     * @param {string} sessionId
     * @param {number} [until] ms timestamp after which the entry may be dropped
     */
    revoke(sessionId, until) {
      try {
        const now = Date.now();
        const entry = { id: toSessionId(sessionId), until: Math.ceil(toUntil(until, now, state.horizon)) };
        if (state.closed) throw closedError();
        if (entry.until <= now) return Promise.resolve();
        mirror.addSession(entry.id, entry.until, now);
        return backend.store({ sessions: [entry], users: [] });
      } catch (err) {
        return Promise.reject(err);
      }
    },

    /**
     * Revokes every session of `userId` issued before now.
     * @param {string | number} userId
     * @param {number} [until] ms timestamp after which the entry may be dropped
     */
    revokeUser(userId, until) {
      try {
        const now = Date.now();
        const entry = { userId: toUserId(userId), at: now, until: Math.ceil(toUntil(until, now, state.horizon)) };
        if (state.closed) throw closedError();
        if (entry.until <= now) return Promise.resolve();
        mirror.addUser(entry.userId, entry.at, entry.until, now);
        return backend.store({ sessions: [], users: [entry] });
      } catch (err) {
        return Promise.reject(err);
      }
    },

    /**
     * True when this process knows `sessionId` to be revoked (mirror only, never the network).
     * @param {string} sessionId
     */
    isRevoked(sessionId) {
      return mirror.sessions.has(sessionId);
    },

    /**
     * The latest time (ms) before which `userId`'s sessions are revoked, or 0.
     * @param {string | number} userId
     */
    userRevokedAt(userId) {
      const entry = mirror.users.get(typeof userId === 'number' ? String(userId) : userId);
      return entry !== undefined && entry.until > Date.now() ? entry.at : 0;
    },

    /** True once the mirror holds a complete load of the shared revocations. */
    get loaded() {
      return backend.loaded;
    },

    /** Resolves once `loaded` is true; never rejects. */
    ready: backend.ready,

    /** Stops timers and connections; see each backend for what it flushes first. */
    async close() {
      if (state.closed) return;
      state.closed = true;
      clearInterval(pruning);
      await backend.close();
    },
  };
  // Not enumerable: a copy made with spread or Object.assign is not one of ours.
  return Object.defineProperty(revocations, BRAND, { value: state });
}

/**
 * Revocations for a single process: the mirror is all there is.
 * @param {{ horizon?: number }} [options] `horizon`: default lifetime of an entry, ms (default one day)
 */
function memoryRevocations(options) {
  const { values } = readOptions('memoryRevocations(options)', options, REVOCATION_OPTIONS);
  return createRevocations(values, () => ({
    store: async () => {},
    close: async () => {},
    loaded: true,
    ready: Promise.resolve(),
  }));
}

/**
 * True when `value` was made by `memoryRevocations` or `redisRevocations`.
 * @param {unknown} value
 */
function isRevocations(value) {
  return typeof value === 'object' && value !== null && BRAND in value;
}

/**
 * Makes `revocations`' default entry lifetime at least `ms`, so that an entry outlives every
 * cookie it stops (the middleware passes its longest cookie lifetime). Internal.
 * @param {object} revocations
 * @param {number} ms
 */
function extendHorizon(revocations, ms) {
  if (!isRevocations(revocations)) {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `revocations must come from memoryRevocations() or redisRevocations(), got ${describe(revocations)}`,
    );
  }
  if (typeof ms !== 'number' || !(ms > 0)) {
    throw codedError(TypeError, 'ERR_OPTION_VALUE', `a horizon must be a positive number of ms, got ${describe(ms)}`);
  }
  const state = revocations[BRAND];
  state.horizon = Math.max(state.horizon, ms);
}

module.exports = { memoryRevocations, createRevocations, isRevocations, extendHorizon, REVOCATION_OPTIONS };
