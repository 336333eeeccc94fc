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
  /** @param {ReturnType<typeof sessionPolicy>} policy */
  constructor(policy) {
    /** @type {import('koa').Context | undefined} */
    this.ctx = undefined;
    this.policy = policy;
    /** @type {string | undefined} the metadata token, once opened or made */
    this.token = undefined;
    /** @type {string | undefined} the session's user id as the token last recorded it */
    this.user = undefined;
    /** @type {string | undefined} the store key the session was read under, when not the newest key's */
    this.staleStoreKey = undefined;
  }

  /**
   * Keeps the token a cookie or store value was opened with, once the policy admitted it.
   * @param {string} token
   * @param {Record<string, unknown>} session
   */
  opened(token, session) {
    this.token = token;
    this.user = this.policy.userOf(session);
  }

  /** The session's token; a new one for a new session. */
  currentToken() {
    this.token ??= newToken(Date.now());
    return this.token;
  }

  /**
   * The token to seal `session` with: the current one, its user-since time set to now when the
   * session's user field took a new value in this request.
   * @param {Record<string, unknown>} session
   */
  tokenToSeal(session) {
    const user = this.policy.userOf(session);
    if (user !== undefined && user !== this.user) {
      this.token = withUserSince(this.currentToken(), Date.now());
      this.user = user;
    }
    return this.currentToken();
  }

  /**
   * Ends the session (`ctx.session = null`, `regenerate()`): its id is revoked, when revocations
   * are on, until the last copy of its cookie would have expired, and whatever is sealed next is
   * a new session. The revocation holds in this process at once; it reaches the others without
   * the response waiting for it.
   */
  end() {
    const { token, policy, ctx } = this;
    this.forget();
    if (token === undefined || !policy.revocations) return;
    const until = policy.lastValid(token, ctx?.sessionOptions.maxAge);
    policy.revocations.revoke(idOf(token), until).catch((err) => ctx?.app.emit('error', err, ctx));
  }

  /** Drops the token of a session koa-session refused after it was opened (expired, or not `valid`). */
  forget() {
    this.token = undefined;
    this.user = undefined;
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
  sessionOptions[STATE] ??= new RequestSession(policy);
  return sessionOptions[STATE];
}

module.exports = { requestSession };
