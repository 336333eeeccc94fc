'use strict';

const { idOf, newToken, withUserSince } = require('./metadata.cjs');
const { sessionPolicy } = require('./policy.cjs');

/** Where a request's `RequestSession` is kept on koa-session's per-request options object. */
const STATE = Symbol('koa-sodium-session request');
/** The policy of a request no encryptedSession middleware saw (an encryptedStore used alone). */
const NO_POLICY = sessionPolicy();

/**
 * What this package knows about the session of one request: the metadata token it was opened
 * with or will be sealed with, and the context. koa-session makes one options object per
 * request (`ctx.sessionOptions`) and calls the encode and decode hooks on it, and it hands the
 * context to a store, so the hooks, the store wrapper and the middleware all reach the same
 * `RequestSession` from there.
 */
class RequestSession {
  /**
   * @param {ReturnType<typeof sessionPolicy>} policy
   * @param {{ maxAge?: unknown }} options koa-session's options object of this request
   */
  constructor(policy, options) {
    /** @type {import('koa').Context | undefined} */
    this.ctx = undefined;
    this.policy = policy;
    this.options = options;
    /** @type {string | undefined} the metadata token, once opened or made */
    this.token = undefined;
    /** @type {{ token: string, user: string | undefined } | undefined} a cookie refused only because the revocations were not loaded */
    this.unverified = undefined;
    /** @type {string | undefined} the session's user id as the token last recorded it */
    this.user = undefined;
    /** @type {string | undefined} the store's session id, once a store value was opened */
    this.storeId = undefined;
    /** @type {string | undefined} the store's session id of a session this request ended */
    this.endedStoreId = undefined;
    /** @type {string | undefined} the store key the session was read under, when not the newest key's */
    this.staleStoreKey = undefined;
  }

  /**
   * Keeps the token of an opened cookie or store value (`openValue`'s result, with the app's
   * `session` object) once the policy admits it, or throws the policy's refusal. The token of a
   * session refused only because the revocations are not loaded yet is kept aside, so that a
   * logout in this request still revokes it; that of an expired session, which koa-session
   * refuses next, is not kept at all.
   * @param {{ token: string, adopted: boolean, session: Record<string, unknown> }} opened
   */
  admit(opened) {
    let token;
    try {
      token = this.policy.admit(opened);
    } catch (err) {
      if (err.reason === 'revocations-loading') {
        this.unverified = { token: opened.token, user: this.policy.userOf(opened.session) };
      }
      throw err;
    }
    if (opened.session._expire < Date.now()) return;
    this.token = token;
    this.user = this.policy.userOf(opened.session);
  }

  /** The session's token; a new one for a new session. */
  currentToken() {
    this.token ??= newToken(Date.now());
    return this.token;
  }

  /**
   * The token to seal `session` (as koa-session hands it over) with: the current one, its
   * user-since time set to now when the session's user field took a new value in this request;
   * or null when the session may not be sealed because it was revoked after it was opened (a
   * request in flight during its logout must not bring it back).
   * @param {Record<string, unknown>} session
   */
  tokenToSeal(session) {
    const user = this.policy.userOf(session);
    if (user !== undefined && user !== this.user) {
      this.token = withUserSince(this.currentToken(), Date.now());
      this.user = user;
    }
    return this.policy.sealable(this.currentToken(), session) ? this.token : null;
  }

  /**
   * Ends the session (`ctx.session = null`, `regenerate()`): when revocations are on, its id is
   * revoked until the last copy of its cookie would have expired (with `userKey`, only a session
   * that has a user: an anonymous client cannot fill the revocations); whatever is sealed next is
   * a new session. The revocation holds in this process at once and reaches the others without
   * the response waiting for it.
   */
  end() {
    const { policy, ctx } = this;
    const { token, user } = this.token === undefined ? (this.unverified ?? {}) : this;
    this.endedStoreId = this.storeId;
    this.token = this.unverified = this.user = this.storeId = undefined;
    if (token === undefined || !policy.revocations || (policy.userKey !== undefined && user === undefined)) return;
    const until = policy.lastValid(token, this.options.maxAge);
    policy.revocations.revoke(idOf(token), until).catch((err) => ctx?.app.emit('error', err, ctx));
  }

  /** Drops the token of a session koa-session refused after it was opened (expired, or not `valid`). */
  forget() {
    this.token = this.user = undefined;
  }

  /**
   * Reports a refused cookie or store value with `session:rejected`, on the next turn as
   * koa-session reports its own events, once the context is known.
   * @param {string} reason
   */
  rejected(reason) {
    setImmediate(() => this.ctx?.app.emit('session:rejected', { ctx: this.ctx, reason }));
  }
}

/**
 * The `RequestSession` of a request, from koa-session's per-request options (the `this` of the
 * encode and decode hooks, and `ctx.sessionOptions`); made on first use with `policy`.
 * @param {object} sessionOptions
 * @param {ReturnType<typeof sessionPolicy>} [policy]
 * @returns {RequestSession}
 */
function requestSession(sessionOptions, policy = NO_POLICY) {
  sessionOptions[STATE] ??= new RequestSession(policy, sessionOptions);
  return sessionOptions[STATE];
}

module.exports = { requestSession };
