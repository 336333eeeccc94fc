'use strict';

const { newToken } = require('./metadata.cjs');
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
    /** @type {string | undefined} the store key the session was read under, when not the newest key's */
    this.staleStoreKey = undefined;
  }

  /** The token to seal the session with: the one it was opened with, or a new one. */
  tokenToSeal() {
    this.token ??= newToken(Date.now());
    return this.token;
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
