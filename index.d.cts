/// <reference types="node" />
// Every option this package takes, koa-session's included, is declared here, so that options are
// checked whether or not @types/koa-session is installed. @types/koa is the one peer these types
// build on, for the context and app types only.
import Koa = require('koa');

/**
 * koa-session middleware whose cookie is sealed with libsodium's secretbox: a drop-in for
 * koa-encrypted-session, so it takes the same `(opts, app)` and returns Koa middleware.
 */
declare function encryptedSession<StateT = Koa.DefaultState, ContextT = Koa.DefaultContext>(
  opts: encryptedSession.EncryptedSessionOptions<StateT, ContextT>,
  app: Koa<StateT, ContextT>,
): Koa.Middleware<StateT, ContextT>;

declare namespace encryptedSession {
  /** A 32-byte secret key: bytes, or base64 text (standard or url-safe) as `gen-key` prints it, so it can live in an environment variable. */
  export type SecretKey = string | Uint8Array;

  /**
   * Cookie wire format: `legacy` is koa-encrypted-session's, so a fleet can switch either way with
   * no logout; `compact` is smaller and versioned. Both are always read.
   */
  export type CookieFormat = 'legacy' | 'compact';

  /** How long a cookie lasts: ms, or `'session'` for a cookie that ends with the browser, as koa-session takes it. */
  export type MaxAge = number | 'session';

  /** Where the key comes from: a `secretKey`, or a `secret` passphrase with an optional `salt`, as in koa-encrypted-session. */
  export interface KeyOptions {
    /** The 32-byte key, or keys newest first, so keys rotate: the first seals, any opens. Wins over `secret`. */
    secretKey?: SecretKey | SecretKey[] | undefined;
    /** A passphrase of at least 32 bytes (or several, newest first), stretched with Argon2id as koa-encrypted-session does, so its cookies still open. */
    secret?: string | Uint8Array | Array<string | Uint8Array> | undefined;
    /** The Argon2id salt for `secret`: 16 bytes (a string is taken as its ASCII bytes); default koa-encrypted-session's. */
    salt?: string | Uint8Array | undefined;
  }

  /** Options of `createCodec`, which the middleware shares, so that a codec reads and writes the middleware's cookies. */
  export interface CodecOptions extends KeyOptions {
    /** The cookie's name (koa-session's option), default `koa.sess`: cookies are bound to it, so one cannot be replayed under another name. Printable Latin-1 without `;` or `=`, no space at either end. */
    key?: string | undefined;
    /** Format cookies are written in (default `'legacy'`, so koa-encrypted-session nodes still read them); both are always read. */
    format?: CookieFormat | undefined;
    /**
     * Oldest a session may get, in ms from its issue time, which is sealed in the session's
     * metadata, so that no cookie lives forever however often it is rolled or renewed; a session
     * without an issue time is refused (see `assumeIssuedAt`).
     */
    maxLifetime?: number | undefined;
    /**
     * An instant (a Date or ms since the epoch, not in the future) from which sessions sealed
     * without an issue time (by koa-encrypted-session) count, rather than being refused by
     * `maxLifetime`: usually the time of the deploy that turns `maxLifetime` on.
     */
    assumeIssuedAt?: Date | number | undefined;
    /**
     * Whether legacy cookies koa-encrypted-session sealed last are accepted (default true), so a
     * fleet can migrate node by node. Set false once no node runs it: they then start a fresh session.
     */
    acceptKoaEncryptedSession?: boolean | undefined;
    /**
     * How many cookies one session may be split across (`key`, `key.1`, …), default 1: more lets a
     * session outgrow one cookie without a store, at the cost of a larger Cookie header.
     */
    maxCookies?: number | undefined;
    /**
     * The most of the Cookie header a split session may take, name=value pairs included, so that
     * requests stay under what proxies accept (nginx refuses a header line past 8 KiB); default
     * 6144, and with the middleware at least `maxCookieBytes`.
     */
    maxTotalCookieBytes?: number | undefined;
  }

  /**
   * The cookie attributes koa-session passes to Koa's cookies, declared here so they are checked
   * without @types/koa-session.
   */
  export interface CookieAttributes {
    /** Path of the cookie, default `/`. */
    path?: string | undefined;
    /** Domain of the cookie; leave it unset for a `__Host-` cookie. */
    domain?: string | undefined;
    /** Whether the cookie is sent over HTTPS only; Koa sets it from the request when unset. */
    secure?: boolean | undefined;
    /** Whether scripts in the page are kept from reading the cookie, default true. */
    httpOnly?: boolean | undefined;
    /** Cross-site policy; `true` means `strict`. */
    sameSite?: 'strict' | 'lax' | 'none' | boolean | undefined;
    /** Whether a cookie of the same name set earlier in the response is replaced, default true. */
    overwrite?: boolean | undefined;
    /** Chromium's cookie priority, which decides what it evicts first. */
    priority?: 'low' | 'medium' | 'high' | undefined;
    /** CHIPS: keep the cookie per top-level site, for sessions in third-party iframes. */
    partitioned?: boolean | undefined;
  }

  /**
   * koa-session's own options, which pass through unchanged, declared here so that a typo or a
   * wrong type fails to compile whether or not @types/koa-session is installed.
   */
  export interface KoaSessionOptions<StateT = Koa.DefaultState, ContextT = Koa.DefaultContext>
    extends CookieAttributes {
    /** How long the cookie (and a stored session) lasts, default one day. */
    maxAge?: MaxAge | undefined;
    /** @deprecated koa-session's older spelling of `maxAge`, still read; use `maxAge`. */
    maxage?: MaxAge | undefined;
    /** Whether every response sets the cookie again, restarting `maxAge`. */
    rolling?: boolean | undefined;
    /** Whether a session past half its `maxAge` is saved again, restarting `maxAge`. */
    renew?: boolean | undefined;
    /** Whether the session is saved when the middleware returns (default true); false leaves it to `ctx.session.manuallyCommit()`. */
    autoCommit?: boolean | undefined;
    /** Tells whether an opened session may be used; false starts a fresh one, so it must return a boolean. */
    valid?:
      | ((ctx: Koa.ParameterizedContext<StateT, ContextT>, session: Record<string, unknown>) => boolean)
      | undefined;
    /** Called before a session is saved, to change it last. */
    beforeSave?: ((ctx: Koa.ParameterizedContext<StateT, ContextT>, session: Session) => void) | undefined;
    /** Makes the id a new session gets in a `store`; with `encryptedStore`, leave it unset: the store id is then the session's own id. */
    genid?: ((ctx: Koa.ParameterizedContext<StateT, ContextT>) => string) | undefined;
    /** Prefix of new store ids. */
    prefix?: string | undefined;
    /** Where sessions are kept instead of the cookie: wrap it with `encryptedStore`, which `maxLifetime` and `revocations` need. */
    store?: SessionStore | undefined;
    /** A store made per request; `maxLifetime` and `revocations` refuse one (it cannot be sealed). */
    ContextStore?: (new (ctx: Koa.ParameterizedContext<StateT, ContextT>) => SessionStore) | undefined;
    /** Where a `store`'s session id travels, when not in the cookie (a header, for instance). */
    externalKey?: ExternalKey<StateT, ContextT> | undefined;
    /** Ignored: the cipher authenticates the cookie, so it is never signed; accepted so koa-encrypted-session options still compile. */
    signed?: boolean | undefined;
  }

  /** koa-session's `externalKey`: reads and writes a store's session id somewhere other than the cookie. */
  export interface ExternalKey<StateT = Koa.DefaultState, ContextT = Koa.DefaultContext> {
    /** The session id the request carries, if any. */
    get(ctx: Koa.ParameterizedContext<StateT, ContextT>): string | undefined;
    /** Hands the client the session id to send back. */
    set(ctx: Koa.ParameterizedContext<StateT, ContextT>, value: string): void;
  }

  /**
   * Options of `encryptedSession`: koa-session's, plus the key, format and limits of this package.
   * `encode` and `decode` belong to this package, so they are refused.
   */
  export interface EncryptedSessionOptions<StateT = Koa.DefaultState, ContextT = Koa.DefaultContext>
    extends KoaSessionOptions<StateT, ContextT>,
      CodecOptions {
    /**
     * Largest cookie (name, value and attributes) to set, default 4096, because browsers drop a
     * larger one silently; past it (and `maxCookies`) saving throws `ERR_SESSION_TOO_LARGE`.
     */
    maxCookieBytes?: number | undefined;
    /**
     * Logouts that end the session everywhere: from `memoryRevocations()` or `redisRevocations()`.
     * `ctx.session = null` and `regenerate()` then revoke the session's id.
     */
    revocations?: Revocations | undefined;
    /** The session field holding the user's id, which `revocations.revokeUser(id)` matches. */
    userKey?: string | undefined;
    /** Not allowed: this package seals the cookie in it; `createCodec()` reaches the same code. */
    encode?: never;
    /** Not allowed: this package opens the cookie in it; `createCodec()` reaches the same code. */
    decode?: never;
  }

  /**
   * `ctx.session`: the app's own fields, and koa-session's methods. Fields are typed loosely, as
   * koa-session's own types do, because each app keeps its own shape in them.
   */
  export interface Session {
    // biome-ignore lint/suspicious/noExplicitAny: the app's own fields, whatever it keeps in them
    [field: string]: any;
    /** True for a session that started in this request. */
    readonly isNew?: boolean | undefined;
    /** How many fields the session holds. */
    readonly length: number;
    /** Whether the session holds any field; an empty one is not saved. */
    readonly populated: boolean;
    /** This session's own maxAge, which overrides the middleware's until it ends. */
    maxAge: MaxAge | undefined;
    /** The session's fields, as they are sealed. */
    toJSON(): Record<string, unknown>;
    /** Saves the session in this response even if nothing changed. */
    save(): Promise<void>;
    save(callback: (err?: unknown) => void): void;
    /** Ends this session (revoking it, with revocations) and starts a new one with a new id: do it at login. */
    regenerate(): Promise<void>;
    regenerate(callback: (err?: unknown) => void): void;
    /** Saves the session now, with `autoCommit: false`. */
    manuallyCommit(): Promise<void>;
  }

  /**
   * What @types/koa-session, when installed, says `ctx.session` is, so that this package's
   * `ctx.session` is compatible with it; `unknown` (no constraint) when it is not installed.
   */
  export type PeerSession = Koa.BaseContext extends { session: infer S } ? NonNullable<S> : unknown;

  /** The encode/decode hooks the middleware seals cookies with, for use without Koa. */
  export interface Codec {
    /** Seals a session object (as `JSON.stringify` renders it) into a cookie value. */
    encode(session: object): string;
    /**
     * Opens a cookie value in either format. Throws a `CookieRefusedError` (a `SyntaxError`) for
     * anything that is not a genuine cookie for this key, so a caller cannot mistake one for a session.
     */
    decode(cookie: string): Record<string, unknown>;
    /**
     * Seals a session into the cookies that hold it: one named `key` when it fits in
     * `maxValueChars`, else up to `maxCookies`. Throws `ERR_SESSION_TOO_LARGE` past `maxCookies`
     * or `maxTotalCookieBytes`, so nothing a browser would drop is ever set. Set every cookie
     * returned, and expire the others of those names.
     */
    encodeCookies(session: object, maxValueChars: number): SessionCookie[];
    /**
     * Opens a session from its cookies, reading each by name with `read`: undefined when there is
     * no session cookie; otherwise as `decode`, refused with reason `chunks` when the parts are not
     * all there and all from one save.
     */
    decodeCookies(read: (name: string) => string | undefined): Record<string, unknown> | undefined;
  }

  /** One cookie `encodeCookies` returns, so that any framework can set it. */
  export interface SessionCookie {
    /** `key`, or `key.1`, `key.2`, … for the further parts of a split session. */
    name: string;
    /** The cookie's value, to set as it is. */
    value: string;
  }

  /** Why a cookie was refused, in `session:rejected` and on a `CookieRefusedError`, so an app can tell a replay from tampering. */
  export type CookieRefusalReason =
    | 'malformed'
    | 'oversized'
    | 'authentication'
    | 'not-json'
    | 'not-object'
    | 'metadata'
    | 'lifetime'
    | 'revoked'
    | 'revocations-loading'
    | 'unbounded'
    | 'key-pending'
    | 'chunks';

  /** Why a cookie or a value `encryptedStore` read was refused: `wrong-id` is a stored value moved to another session. */
  export type SessionRefusalReason = CookieRefusalReason | 'wrong-id';

  /** Emitted on the app as `session:rejected` when a cookie or stored value is refused (never with its contents, which may be an attacker's). */
  export interface SessionRejectedEvent {
    /** The request that carried it. */
    ctx: Koa.Context;
    /** Why it was refused. */
    reason: SessionRefusalReason;
  }

  /** Emitted on the app as `session:too-large` before saving throws `ERR_SESSION_TOO_LARGE`, so the app can log what grew. */
  export interface SessionTooLargeEvent {
    /** The request whose session was not saved. */
    ctx: Koa.Context;
    /** Bytes the session would take. */
    size: number;
    /** The limit it passed: `maxCookieBytes`, `maxTotalCookieBytes` or `maxValueBytes`. */
    limit: number;
  }

  /** The error `decode` and `decodeCookies` throw for a cookie they refuse: a `SyntaxError`, which koa-session answers with a fresh session. */
  export interface CookieRefusedError extends SyntaxError {
    code:
      | 'ERR_COOKIE_MALFORMED'
      | 'ERR_COOKIE_TOO_LARGE'
      | 'ERR_COOKIE_AUTHENTICATION'
      | 'ERR_COOKIE_NOT_TEXT'
      | 'ERR_COOKIE_NOT_JSON'
      | 'ERR_COOKIE_NOT_OBJECT'
      | 'ERR_COOKIE_METADATA'
      | 'ERR_COOKIE_ISSUE_TIME'
      | 'ERR_COOKIE_LIFETIME'
      | 'ERR_COOKIE_REVOKED'
      | 'ERR_COOKIE_UNBOUNDED'
      | 'ERR_COOKIE_CHUNKS'
      | 'ERR_REVOCATIONS_LOADING'
      | 'ERR_KEY_PENDING';
    reason: CookieRefusalReason;
  }

  /** Codes of the errors thrown when a middleware, codec, store or key is set up with bad options, so that start-up fails loudly. */
  export type OptionErrorCode =
    | 'ERR_OPTIONS_REQUIRED'
    | 'ERR_APP_REQUIRED'
    | 'ERR_KEY_MISSING'
    | 'ERR_KEY_TYPE'
    | 'ERR_KEY_ENCODING'
    | 'ERR_KEY_LENGTH'
    | 'ERR_SECRET_TYPE'
    | 'ERR_SECRET_LENGTH'
    | 'ERR_SALT_TYPE'
    | 'ERR_SALT_LENGTH'
    | 'ERR_FORMAT'
    | 'ERR_OPTION_VALUE'
    | 'ERR_STORE'
    | 'ERR_STORE_NOT_SEALED'
    | 'ERR_SESSION_UNBOUNDED'
    | 'ERR_HOOKS_OWNED';

  /**
   * Codes of errors raised while serving, so a handler can tell them apart: a session too large to
   * save (also from `encryptedStore`'s `maxValueBytes`) or that would outlive a revocation, a
   * session saved before a passphrase's key is derived, `encryptedStore` called outside
   * `encryptedSession`, a bad store id or `userKey` field, a codec given what it cannot seal, or
   * no loadable native addon.
   */
  export type RuntimeErrorCode =
    | 'ERR_SESSION_TOO_LARGE'
    | 'ERR_SESSION_UNBOUNDED'
    | 'ERR_KEY_PENDING'
    | 'ERR_STORE_CONTEXT'
    | 'ERR_STORE'
    | 'ERR_OPTION_VALUE'
    | 'ERR_INVALID_ARG_TYPE'
    | 'ERR_NATIVE_ADDON';

  /** The encode/decode pair the middleware uses, for use without Koa (another framework, a worker, a test). */
  export function createCodec(opts: CodecOptions): Codec;

  /** The maxAge koa-session hands a store: ms, `'session'`, or undefined when none was set. */
  export type StoreMaxAge = MaxAge | undefined;

  /**
   * A koa-session external store: `get`, `set` and `destroy`, each possibly async, with the
   * arguments koa-session passes. koa-redis's store and `encryptedStore`'s both fit, and so does
   * any store typed by @types/koa-session, whose `destroy` takes only the key.
   */
  export interface SessionStore {
    /** The value stored under `key`, or undefined (or null) when there is none. */
    get(key: string, maxAge: StoreMaxAge, options: { rolling: boolean | undefined; ctx: Koa.Context }): unknown;
    /** Stores `value` under `key` for `maxAge` (plus the margin koa-session adds). */
    set(
      key: string,
      value: unknown,
      maxAge: StoreMaxAge,
      options: { rolling: boolean | undefined; changed: boolean; ctx: Koa.Context },
    ): unknown;
    /** Deletes the value under `key`; koa-session passes `{ ctx }`, which `encryptedStore`'s needs. */
    destroy(key: string, options?: { ctx: Koa.Context }): unknown;
  }

  /** Options of `encryptedStore`: the keys, and what it accepts, so that the store never sees a session id or plaintext. */
  export interface EncryptedStoreOptions extends KeyOptions {
    /** Told why a stored value was refused (it also reaches `session:rejected`), so that tampering with the store shows. */
    onRejected?: ((reason: SessionRefusalReason) => void) | undefined;
    /** Largest sealed value handed to the store, default one MiB; past it saving throws `ERR_SESSION_TOO_LARGE` and the store keeps what it had. */
    maxValueBytes?: number | undefined;
  }

  /**
   * Wraps a store so that it never sees session ids (only keyed hashes of them) and what it holds
   * is sealed, with the session's metadata, and bound to its session id; an altered, moved or
   * foreign value reads as a missing session. Works only inside `encryptedSession`
   * (`ERR_STORE_CONTEXT` otherwise), which needs it for `maxLifetime` and `revocations`.
   */
  export function encryptedStore(store: SessionStore, opts: EncryptedStoreOptions): SessionStore;

  /** A fresh random 32-byte key from libsodium's CSPRNG, for `secretKey`. */
  export function generateKey(): Buffer;

  /** koa-encrypted-session's Argon2id key derivation, on the thread pool, so a passphrase's key can be derived once at start-up. */
  export function deriveKey(secret: string | Uint8Array, salt?: string | Uint8Array): Promise<Buffer>;

  /** koa-encrypted-session's Argon2id key derivation, blocking the thread while it runs. */
  export function deriveKeySync(secret: string | Uint8Array, salt?: string | Uint8Array): Buffer;

  /** Options of `memoryRevocations` and `redisRevocations`. */
  export interface RevocationOptions {
    /**
     * Default lifetime of an entry in ms, when `revoke` or `revokeUser` get no `until`; default one
     * day. The middleware raises it to its longest cookie lifetime, so no entry ends before the cookies it stops.
     */
    horizon?: number | undefined;
  }

  /**
   * A Redis client the app already has: an ioredis `Redis` or `Cluster`, or a node-redis client or
   * cluster (v4 or later, connected by the app). Only its raw-command and duplicate methods are
   * used, so any version with them fits.
   */
  export type RedisClientLike =
    | { call(command: string, ...args: string[]): Promise<unknown>; duplicate(): unknown }
    | { sendCommand(args: string[]): Promise<unknown>; duplicate(): unknown; readonly isOpen: boolean }
    | {
        sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
        duplicate(): unknown;
        readonly isOpen: boolean;
      };

  /** Settings of `redisRevocations` besides where Redis is. */
  export interface RedisRevocationSettings extends RevocationOptions {
    /** Prefix of the keys, default `kss:revocations:`, so several apps can share one Redis. */
    prefix?: string | undefined;
    /** How long `close()` waits for queued writes to reach Redis, ms; default 2000. */
    closeTimeout?: number | undefined;
    /**
     * How often, in ms, each process checks that Redis still holds the history it follows (and
     * writes back what Redis lost), and compacts; default 10 000.
     */
    checkInterval?: number | undefined;
    /** How long an entry stays as written before its live revocations are repacked, ms; default one hour. */
    compactAfter?: number | undefined;
    /** Told of each Redis error (a retry follows each) and of what Redis lost; default: ignored. */
    onError?: ((err: Error) => void) | undefined;
  }

  /**
   * Options of `redisRevocations`: a Redis `url` (needs ioredis or redis installed; its
   * connections are closed on `close()`), or a `client` the app already has (left open on
   * `close()`), not both.
   */
  export type RedisRevocationOptions = RedisRevocationSettings &
    ({ url: string; client?: undefined } | { client: RedisClientLike; url?: undefined });

  /**
   * Logouts that end sessions: held in an in-memory mirror that every check reads (never the
   * network), shared through Redis by `redisRevocations`.
   */
  export interface Revocations {
    /**
     * Revokes one session (its id, 22 base64url characters, as `ctx.sessionId` gives it): refused
     * in this process at once, and everywhere once stored. `until` (ms since the epoch, from 2001
     * on, so a time in seconds is caught) is when the entry may go; default now + horizon. Rejects
     * with `ERR_REVOCATION_REFUSED` when Redis refuses to store it (it then holds in this process
     * only), or `ERR_REVOCATIONS_CLOSED`.
     */
    revoke(sessionId: string, until?: number): Promise<void>;
    /** Revokes every session of `userId` (well-formed text, or a number) issued before now; `until` and rejections as for `revoke`. */
    revokeUser(userId: string | number, until?: number): Promise<void>;
    /** True when this process knows the session to be revoked. */
    isRevoked(sessionId: string): boolean;
    /** The latest time (ms) before which the user's sessions are revoked, or 0. */
    userRevokedAt(userId: string | number): number;
    /** True once the mirror holds a complete load of the shared revocations (always, in memory); until then no session is admitted. */
    readonly loaded: boolean;
    /** Resolves when `loaded` first becomes true, so a process can wait before taking traffic; never rejects. */
    readonly ready: Promise<void>;
    /** Stops timers and connections; for Redis, first waits (up to `closeTimeout`) for queued writes. */
    close(): Promise<void>;
  }

  /** Codes of the errors the revocations raise or report to `onError`, so each can be handled: bad arguments, the client, use after close, and what Redis did. */
  export type RevocationErrorCode =
    | 'ERR_SESSION_ID'
    | 'ERR_USER_ID'
    | 'ERR_UNTIL'
    | 'ERR_REDIS_CLIENT'
    | 'ERR_REVOCATIONS_CLOSED'
    | 'ERR_REVOCATIONS_LOST'
    | 'ERR_REVOCATION_REFUSED'
    | 'ERR_REVOCATION_ENTRY'
    | 'ERR_REDIS_EVICTION'
    | 'ERR_REDIS_TIMEOUT';

  /** Revocations for a single process. */
  export function memoryRevocations(opts?: RevocationOptions): Revocations;

  /** Revocations shared by every process through Redis, checked from an in-memory mirror. */
  export function redisRevocations(opts: RedisRevocationOptions): Revocations;

  /** The middleware factory again, for `import { encryptedSession }` and `require(...).default`. */
  const self: typeof encryptedSession;

  export { self as encryptedSession, self as default };
}

declare module 'koa' {
  interface ExtendableContext {
    /**
     * The session: read it to use it (it is made on first use), set it to an object to replace
     * it, or to null to end it (revoking it, with revocations). It reads as null only after this
     * request set it to null.
     */
    get session(): encryptedSession.Session & encryptedSession.PeerSession;
    set session(value: object | null);
    /**
     * The current session's id (22 base64url characters), sealed with it, the same for as long as
     * the session lasts; `undefined` once `ctx.session = null` ended it. Pass it to
     * `revocations.revoke(id)` to sign that session out ("sign out that device").
     */
    readonly sessionId: string | undefined;
  }
}

export = encryptedSession;
