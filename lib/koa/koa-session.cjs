'use strict';

// The one module that knows koa-session's insides. koa-session 6 keeps each request's session in
// a context object of its own, with a per-request copy of the options (`ctx.sessionOptions`) on
// which it calls the `encode` and `decode` hooks; it hands `{ ctx }` to a store, `ctx` to
// `genid` and `valid`; it writes `_expire` and `_maxAge` (or `_session`) into what it seals, and
// saves a session whose `_requireSave` is set. This module relies on exactly that, and on two
// private names: the symbol under which koa-session keeps its context object on `ctx`, that
// object's `commit(options)`, which `regenerate()` calls with `{ regenerate: true }`, and its
// `externalKey`, the store id that `ctx.session = {…}` keeps.
// __test__/koa-session-adapter.test.mjs fails if koa-session stops doing any of it.

const koaSession = require('koa-session');
const { RequestState } = require('./request-state.cjs');

/** Where a request's RequestState is kept: on koa-session's per-request options object and on `ctx`. */
const STATE = Symbol('koa-sodium-session request state');

/**
 * The RequestState of a request koa-session handles (through the middleware), or undefined when
 * no encryptedSession middleware is handling it.
 * @param {import('koa').Context} ctx
 * @returns {RequestState | undefined}
 */
const requestStateOf = (ctx) => ctx[STATE];

/**
 * When the cookie koa-session sealed `json` into expires (ms), or undefined when it never does.
 * @param {Record<string, unknown>} json
 */
const expiryOf = (json) => (typeof json._expire === 'number' ? json._expire : undefined);

/**
 * The maxAge `json` was sealed with: ms, or `'session'` for a cookie without expiry.
 * @param {Record<string, unknown>} json
 */
const ownMaxAgeOf = (json) => (json._session ? 'session' : json._maxAge);

/**
 * Makes koa-session save `session` at the end of the request even if nothing in it changed.
 * @param {Record<string, unknown>} session
 */
function requireSave(session) {
  session._requireSave = true;
}

/** Refusals that end once the key is derived or the revocations load: the cookie stays. */
const TEMPORARY = new Set(['key-pending', 'revocations-loading']);

/** koa-session's `ContextSession#commit`, which `regenerate()` calls; found on the first request. */
let commitOf;

/** Per request, in place of koa-session's `commit`: ends the session first when it regenerates. */
function commitEndingOnRegenerate(options) {
  if (options?.regenerate) this.opts[STATE].end();
  return commitOf.call(this, options);
}

/**
 * Installs koa-session on `app` with the hooks that seal and open through each request's
 * RequestState, and returns the middleware that makes that state for every request.
 * `sessionOptions` are koa-session's own (the caller's copy), `genid` (when given) makes the ids
 * of new sessions in a store from their tokens, `settings` are shared by every request.
 * @param {import('koa')} app
 * @param {Record<string, unknown>} sessionOptions
 * @param {import('./request-state.cjs').Settings & { storeIds?: boolean }} settings
 */
function sessionMiddleware(app, sessionOptions, settings) {
  const { valid, prefix = '' } = sessionOptions;
  const inner = koaSession(
    {
      // With encryptedStore, a new session's store id is its own session id, from the OS.
      ...(settings.storeIds ? { genid: (ctx) => prefix + stateOf(ctx).newSession() } : {}),
      ...sessionOptions,
      signed: false,
      encode(json) {
        return this[STATE].sealCookie(json, ownMaxAgeOf(json), this);
      },
      decode(cookie) {
        const state = this[STATE];
        try {
          const opened = state.openCookie(cookie);
          state.admit(opened, expiryOf(opened.session));
          const expire = expiryOf(opened.session);
          if (expire !== undefined && expire < Date.now())
            state.forget(); // koa-session refuses it next
          else if (opened.stale) requireSave(opened.session); // sealed again, with the newest key
          return opened.session;
        } catch (err) {
          if (err.reason) state.rejected(err.reason);
          // Parts of a refused session go with it, but not while the refusal may pass.
          if (!TEMPORARY.has(err.reason)) state.expireParts(1, state.split);
          throw err;
        }
      },
      valid(ctx, value) {
        const ok = typeof valid === 'function' ? Boolean(valid(ctx, value)) : true;
        if (!ok) stateOf(ctx).forget(); // koa-session starts a fresh session
        return ok;
      },
    },
    app,
  );
  const contextSession = Object.getOwnPropertySymbols(app.context).find(
    (symbol) => symbol.description === 'context#contextSession',
  );

  /**
   * The RequestState of `ctx`, made with its first use in the request and kept on koa-session's
   * per-request options (where the hooks find it), with a reference on `ctx` (where the context's
   * accessors find it without going through koa-session's).
   */
  function stateOf(ctx) {
    if (ctx[STATE]) return ctx[STATE];
    const perRequest = ctx[contextSession];
    commitOf ??= Object.getPrototypeOf(perRequest).commit;
    perRequest.commit = commitEndingOnRegenerate;
    ctx[STATE] = perRequest.opts[STATE] = new RequestState(ctx, settings);
    return ctx[STATE];
  }

  extendContext(app, stateOf, contextSession);
  return function encryptedSession(ctx, next) {
    stateOf(ctx);
    return inner(ctx, next);
  };
}

/**
 * Gives the app's context what koa-session's does not have: `ctx.session = null` ends the
 * session (revoking it when revocations are on), `ctx.sessionId` reads its id, and a middleware
 * that reads `ctx.session` before the session middleware runs still gets the request's state.
 * As koa-session does, only the first session middleware of an app defines them.
 * @param {import('koa')} app
 * @param {(ctx: import('koa').Context) => RequestState} stateOf
 * @param {symbol} contextSession koa-session's symbol for its per-request context object
 */
function extendContext(app, stateOf, contextSession) {
  if (Object.hasOwn(app.context, 'sessionId')) return;
  const { get, set, ...rest } = Object.getOwnPropertyDescriptor(app.context, 'session');
  Object.defineProperties(app.context, {
    session: {
      ...rest,
      get() {
        if (this[STATE] === undefined) stateOf(this);
        return get.call(this);
      },
      set(value) {
        const state = stateOf(this);
        const context = this[contextSession];
        if (value === null) {
          // Opened first, so that the session that ends is known.
          if (get.call(this) !== null) state.end();
          // koa-session destroys the stored value of the id it holds, which must be the ended
          // session's, even after a replacement (which holds a new id that nothing was stored under).
          if (state.endedStoreId !== undefined) context.externalKey = state.endedStoreId;
        } else if (state.ended) {
          // A new object after a logout: koa-session would keep the ended session's store id,
          // which a copy of the old cookie carries; without it, it makes a new one.
          context.externalKey = undefined;
        }
        set.call(this, value);
        // Saved even when it equals the ended session (koa-session saves only a changed one): the
        // browser gets the new session, and the ended one's stored value goes.
        if (value !== null && state.ended) requireSave(get.call(this));
      },
    },
    sessionId: {
      /** The current session's id (22 base64url characters), or undefined once it ended. */
      get() {
        const state = stateOf(this);
        return this.session === null ? undefined : state.sessionId;
      },
      configurable: true,
    },
  });
}

module.exports = { sessionMiddleware, requestStateOf, expiryOf, ownMaxAgeOf, requireSave };
