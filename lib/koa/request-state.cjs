'use strict';

const { codedError, refusal } = require('../errors.cjs');
const { openParts, partCount, partName, partsIn, tooLong } = require('../chunks.cjs');
const { MAX_COOKIE_CHARS } = require('../native.cjs');
const { openValue, sealValue } = require('../sealed.cjs');
const { idOf, newToken } = require('../token.cjs');

/** Why a session cannot be opened or sealed yet, when its key is still being derived. */
const KEY_PENDING =
  'the session key is still being derived from `secret`: register encryptedSession before middleware that reads ctx.session, or derive the key first with deriveKey() and pass it as secretKey';

/**
 * What the middleware shares with every request: the policy, the cookie keyring (null while a
 * passphrase is derived), the cookie's name, and how a sealed value is laid out in cookies.
 * @typedef {{
 *   policy: ReturnType<typeof import('../policy.cjs').sessionPolicy>,
 *   ring: () => import('../sealed.cjs').Keyring | null,
 *   key: string,
 *   maxCookies: number,
 *   maxTotalCookieBytes: number,
 *   layout: ReturnType<typeof import('./cookie.cjs').cookieLayout>,
 * }} Settings
 */

/**
 * What this package knows about the session of one request: the metadata token it was opened
 * with or will be sealed with, and what a logout must revoke. The middleware makes one per
 * request (see `koa-session.cjs`); the hooks koa-session calls and the store wrapper read it.
 */
class RequestState {
  /**
   * @param {import('koa').Context} ctx
   * @param {Settings} settings
   */
  constructor(ctx, settings) {
    this.ctx = ctx;
    this.settings = settings;
    /** @type {string | undefined} the current session's token, once opened or made */
    this.token = undefined;
    /** @type {string | undefined} the session's user id as its token last recorded it */
    this.user = undefined;
    /**
     * @type {{ token: string, user: string | undefined } | undefined} the genuine session this
     * request carried (admitted, or refused only because the revocations are not loaded): what a
     * logout in this request revokes, whatever new session the handler looked at first
     */
    this.opened = undefined;
    /** @type {string | undefined} the store's session id, once a store value was opened */
    this.storeId = undefined;
    /** Whether this request ended a session: whatever object follows is a new session. */
    this.ended = false;
    /** @type {string | undefined} the store id of the session this request ended, whose value goes */
    this.endedStoreId = undefined;
    /** @type {string | undefined} the store key the session was read under, when not the newest key's */
    this.staleStoreKey = undefined;
    /** @type {{ name: string, id: string, keys: string[] } | undefined} */
    this.storeKeyCache = undefined;
    /** True once the request's session cookie turned out to be split across several. */
    this.split = false;
    /** @type {Map<number, string> | undefined} the session's extra cookies the request carried, by index */
    this.carried = undefined;
    /** How many cookies the last save in this response set (0 before any). */
    this.written = 0;
  }

  /** The current session's id; a new session gets its token now. */
  get sessionId() {
    this.token ??= newToken();
    return idOf(this.token);
  }

  /** Starts a new session (koa-session asks a store for a new id): a new token; returns its id. */
  newSession() {
    this.token = newToken();
    this.user = undefined;
    return idOf(this.token);
  }

  /**
   * Opens the session cookie (its value `cookie`, joined with the other parts the request carried
   * when it is split) with the middleware's keyring, or throws the refusal. Parts that are too
   * many or too large are refused before any cryptography.
   * @param {unknown} cookie
   */
  openCookie(cookie) {
    const ring = this.settings.ring();
    if (!ring) throw refusal('ERR_KEY_PENDING', 'key-pending', KEY_PENDING);
    if (typeof cookie === 'string' && partCount(cookie) > 0) {
      const { maxCookies, maxTotalCookieBytes } = this.settings;
      this.split = true;
      const carried = this.partsCarried();
      const limits = { maxParts: maxCookies, maxChars: maxTotalCookieBytes };
      return openParts(ring, cookie, (index) => carried.get(index), limits);
    }
    if (typeof cookie === 'string' && cookie.length > MAX_COOKIE_CHARS) throw tooLong(cookie.length);
    return openValue(ring, cookie);
  }

  /** The session's extra cookies the request carried, by index, read off its Cookie header once. */
  partsCarried() {
    this.carried ??= partsIn(this.ctx.get('cookie'), this.settings.key);
    return this.carried;
  }

  /**
   * The indices of the session's extra cookies (`key.1`, `key.2`, …, never past what any session
   * may take) the browser may hold after this response so far: those the request carried and
   * those this response already set.
   */
  partsHeld() {
    const written = Array.from({ length: Math.max(0, this.written - 1) }, (_, i) => i + 1);
    return new Set([...this.partsCarried().keys(), ...written]);
  }

  /**
   * Expires, in this response, the extra cookies the browser may hold from index `from` on, and
   * the session cookie itself with `whole`: parts a smaller, ended or refused session no longer
   * needs. Nothing to look for while sessions are never split and this one was not. A cookie the
   * cookies module will not set here (a `secure` one over plain HTTP) is left for the next
   * response over HTTPS: a hostile cookie must not turn into an error.
   * @param {number} from
   * @param {boolean} [whole]
   */
  expireParts(from, whole = false) {
    const { key, maxCookies } = this.settings;
    if (maxCookies === 1 && !this.split && this.written <= 1) return;
    const names = [...this.partsHeld()].filter((index) => index >= from).map((index) => partName(key, index));
    if (whole) names.push(key);
    if (names.length > 0) {
      const options = { ...this.ctx.sessionOptions, expires: new Date(0), maxAge: false };
      for (const name of names) {
        try {
          this.ctx.cookies.set(name, '', options);
        } catch {
          return;
        }
      }
    }
    this.written = Math.min(this.written, from);
  }

  /**
   * Keeps the token of an opened cookie or store value once the policy admits it, or throws the
   * policy's refusal. A session refused only because the revocations are not loaded yet is still
   * remembered as the one a logout in this request must revoke.
   * @param {import('../sealed.cjs').Opened} opened
   * @param {number | undefined} expiresAt when its cookie expires (ms), if it does
   */
  admit(opened, expiresAt) {
    const { policy } = this.settings;
    const user = policy.userOf(opened.session);
    try {
      policy.admit(opened, expiresAt);
    } catch (err) {
      if (err.reason === 'revocations-loading') this.opened = { token: opened.token, user };
      throw err;
    }
    this.token = opened.token;
    this.user = user;
    this.opened = { token: opened.token, user };
  }

  /** Forgets the session koa-session refused after it was opened (expired, or not `valid`). */
  forget() {
    this.token = this.user = this.opened = undefined;
  }

  /**
   * Seals `session` (with `payload`, by default the session itself, as what is sealed) under
   * `ring`, with the maxAge it carries in this request; its user-since time moves to now when its
   * user field took a new value. Returns the value, or undefined when the session may not be
   * sealed because it was revoked after it was opened (a request in flight during its logout must
   * not bring it back).
   * @param {import('../sealed.cjs').Keyring} ring
   * @param {Record<string, unknown>} session
   * @param {unknown} ownMaxAge
   * @param {object} [payload]
   */
  seal(ring, session, ownMaxAge, payload = session) {
    const { policy } = this.settings;
    const user = policy.userOf(session);
    const userSince = user !== undefined && user !== this.user ? Date.now() : undefined;
    if (!policy.sealable(this.token, session, ownMaxAge, userSince)) return undefined;
    const sealed = sealValue(ring, this.token, payload, userSince);
    this.token = sealed.token;
    this.user = user;
    return sealed.value;
  }

  /**
   * The session cookie's value for `session` with the middleware's keyring, setting the other
   * cookies a split session takes and expiring those it no longer needs: empty when the session
   * was revoked since it was opened (the next request then starts afresh). Throws
   * `ERR_SESSION_TOO_LARGE`, with nothing set, when it would not fit in what browsers keep.
   * @param {Record<string, unknown>} session
   * @param {unknown} ownMaxAge
   * @param {object} cookieOptions the options the cookie will be set with
   */
  sealCookie(session, ownMaxAge, cookieOptions) {
    const ring = this.settings.ring();
    if (!ring) throw codedError(Error, 'ERR_KEY_PENDING', KEY_PENDING);
    let value;
    try {
      value = this.seal(ring, session, ownMaxAge);
    } catch (err) {
      if (err.code === 'ERR_SESSION_TOO_LARGE') this.settings.layout.refuse(err.size, cookieOptions, this.ctx);
      throw err;
    }
    if (value === undefined) {
      this.expireParts(1);
      return '';
    }
    const cookies = this.settings.layout.cookiesFor(value, cookieOptions, this.ctx);
    for (const [name, part] of cookies.slice(1)) this.ctx.cookies.set(name, part, cookieOptions);
    this.expireParts(cookies.length);
    this.written = cookies.length;
    return cookies[0][1];
  }

  /**
   * Ends the session (`ctx.session = null`, `regenerate()`): with revocations on, the session this
   * request carried is revoked for the revocations' horizon, past the last copy of its cookie (with
   * `userKey`, only one that has a user: an anonymous client cannot fill the revocations);
   * whatever is sealed next is a new session. The revocation holds in this process at once and
   * reaches the others without the response waiting for it.
   */
  end() {
    const { policy } = this.settings;
    const { opened, ctx } = this;
    this.expireParts(1);
    this.ended = true;
    // Only a stored session has an id to end (a replacement ended again has none yet).
    if (this.storeId !== undefined) this.endedStoreId = this.storeId;
    this.token = this.user = this.opened = this.storeId = undefined;
    if (!opened || !policy.revocations || (policy.userKey !== undefined && opened.user === undefined)) return;
    // For the revocations' horizon: at least as long as any cookie may be used, and a minute for
    // requests in flight, so every copy expires first, whatever maxAge it carried.
    policy.revocations.revoke(idOf(opened.token)).catch((err) => ctx.app.emit('error', err, ctx));
  }

  /**
   * Reports a refused cookie or store value with `session:rejected`, on the next turn as
   * koa-session reports its own events.
   * @param {string} reason
   */
  rejected(reason) {
    setImmediate(() => this.ctx.app.emit('session:rejected', { ctx: this.ctx, reason }));
  }

  /**
   * The store keys of session `id` of the cookie named `name` under `ring`, newest key first,
   * computed once per request.
   * @param {import('../sealed.cjs').Keyring} ring
   * @param {string} name
   * @param {string} id
   */
  storeKeys(ring, name, id) {
    const cached = this.storeKeyCache;
    if (cached?.id === id && cached.name === name) return cached.keys;
    const keys = ring.storeKeys(name, id);
    this.storeKeyCache = { name, id, keys };
    return keys;
  }
}

module.exports = { RequestState };
