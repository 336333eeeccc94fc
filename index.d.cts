import Koa = require('koa');
import koaSession = require('koa-session');

/** koa-session middleware whose cookie is sealed with libsodium's secretbox. */
declare function encryptedSession(opts: encryptedSession.EncryptedSessionOptions, app: Koa): Koa.Middleware;

declare namespace encryptedSession {
  /** A 32-byte secret key: bytes, or base64 text (standard or url-safe) as `gen-key` prints it. */
  export type SecretKey = string | Uint8Array;

  /** Cookie wire format: koa-encrypted-session's (`legacy`) or the smaller, versioned `compact`. */
  export type CookieFormat = 'legacy' | 'compact';

  /** Where the key comes from: a `secretKey`, or a `secret` passphrase with an optional `salt`. */
  export interface KeyOptions {
    /** The 32-byte key, or keys newest first (the first seals, any opens). Wins over `secret`. */
    secretKey?: SecretKey | SecretKey[];
    /** A passphrase of at least 32 bytes (or several, newest first), stretched with Argon2id as koa-encrypted-session does. */
    secret?: string | Uint8Array | Array<string | Uint8Array>;
    /** 16 bytes (a string is taken as its ASCII bytes); default koa-encrypted-session's salt. */
    salt?: string | Uint8Array;
  }

  /** Options of `createCodec`. */
  export interface CodecOptions extends KeyOptions {
    /** The cookie's name (koa-session's option), default `koa.sess`: cookies are bound to it. */
    key?: string;
    /** Format cookies are written in (default `'legacy'`); both are always read. */
    format?: CookieFormat;
    /**
     * Oldest a session may get, in ms from its issue time, which is sealed in the session's
     * metadata; a session without one is refused (see `assumeIssuedAt`).
     */
    maxLifetime?: number;
    /**
     * An instant (a Date or ms since the epoch, not in the future) from which sessions sealed
     * without an issue time (by koa-encrypted-session) count, rather than being refused by
     * `maxLifetime`: usually the time of the deploy that turns `maxLifetime` on.
     */
    assumeIssuedAt?: Date | number;
    /**
     * Whether legacy cookies koa-encrypted-session sealed last are accepted (default true). Set
     * false once no node runs it: they then start a fresh session.
     */
    acceptKoaEncryptedSession?: boolean;
  }

  /**
   * Options of `encryptedSession`: every koa-session option, plus ours. `encode` and `decode` belong
   * to this package and `signed` is always off.
   */
  export interface EncryptedSessionOptions
    extends Omit<Partial<koaSession.opts>, 'encode' | 'decode' | 'signed'>,
      CodecOptions {
    /** Largest cookie (name, value and attributes) to set, default 4096; past it saving throws `ERR_SESSION_TOO_LARGE`. */
    maxCookieBytes?: number;
    /**
     * Logouts that end the session everywhere: from `memoryRevocations()` or `redisRevocations()`.
     * `ctx.session = null` and `regenerate()` then revoke the session's id.
     */
    revocations?: Revocations;
    /** The session field holding the user's id, which `revocations.revokeUser(id)` matches. */
    userKey?: string;
    /** Ignored: the cipher authenticates the cookie, so it is never signed. */
    signed?: boolean;
    /** Not allowed: this package owns the hooks. */
    encode?: never;
    /** Not allowed: this package owns the hooks. */
    decode?: never;
  }

  /** The encode/decode hooks the middleware seals cookies with (usable as koa-session's own). */
  export interface Codec {
    /** Seals a session object (as `JSON.stringify` renders it) into a cookie value. */
    encode(session: object): string;
    /**
     * Opens a cookie value in either format. Throws a `CookieRefusedError` (a `SyntaxError`) for
     * anything that is not a genuine cookie for this key.
     */
    decode(cookie: string): Record<string, unknown>;
  }

  /** Why a cookie was refused. */
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
    | 'key-pending';

  /** Emitted on the app as `session:rejected` when a cookie is refused (never with its contents). */
  export interface SessionRejectedEvent {
    ctx: Koa.Context;
    reason: CookieRefusalReason;
  }

  /** Emitted on the app as `session:too-large` before saving throws `ERR_SESSION_TOO_LARGE`. */
  export interface SessionTooLargeEvent {
    ctx: Koa.Context;
    size: number;
    limit: number;
  }

  /** The error `decode` throws for a cookie it refuses. */
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
      | 'ERR_REVOCATIONS_LOADING'
      | 'ERR_KEY_PENDING';
    reason: CookieRefusalReason;
  }

  /** Codes of the errors thrown when a middleware, codec or key is set up with bad options. */
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
   * Codes of errors raised while serving: an oversized session, a session saved before a
   * passphrase's key is derived, or no loadable native addon.
   */
  export type RuntimeErrorCode =
    | 'ERR_SESSION_TOO_LARGE'
    | 'ERR_SESSION_UNBOUNDED'
    | 'ERR_KEY_PENDING'
    | 'ERR_NATIVE_ADDON';

  /** The encode/decode pair the middleware uses, for use without Koa. */
  export function createCodec(opts: CodecOptions): Codec;

  /** A koa-session external store: `get`, `set` and `destroy`, each possibly async. */
  export interface SessionStore {
    get(key: string, maxAge: number | 'session' | undefined, options: { rolling: boolean; ctx: Koa.Context }): unknown;
    set(
      key: string,
      sess: unknown,
      maxAge: number | 'session' | undefined,
      options: { rolling: boolean; changed: boolean; ctx: Koa.Context },
    ): unknown;
    destroy(key: string, options: { ctx: Koa.Context }): unknown;
  }

  /** Options of `encryptedStore`: the keys, and a callback told why a stored value was refused. */
  export interface EncryptedStoreOptions extends KeyOptions {
    onRejected?: (reason: CookieRefusalReason | 'wrong-id') => void;
  }

  /**
   * Wraps a store so that it never sees session ids (only keyed hashes of them) and what it holds
   * is sealed, with the session's metadata, and bound to its session id; an altered, moved or
   * foreign value reads as a missing session.
   */
  export function encryptedStore(store: SessionStore, opts: EncryptedStoreOptions): SessionStore;

  /** A fresh random 32-byte key from libsodium's CSPRNG. */
  export function generateKey(): Buffer;

  /** koa-encrypted-session's Argon2id key derivation, on the thread pool. */
  export function deriveKey(secret: string | Uint8Array, salt?: string | Uint8Array): Promise<Buffer>;

  /** koa-encrypted-session's Argon2id key derivation, blocking for about a second. */
  export function deriveKeySync(secret: string | Uint8Array, salt?: string | Uint8Array): Buffer;

  /** Options of `memoryRevocations` and `redisRevocations`. */
  export interface RevocationOptions {
    /** Default lifetime of an entry in ms, when `revoke` or `revokeUser` get no `until`; default one day. */
    horizon?: number;
  }

  /**
   * A Redis client the app already has: an ioredis `Redis`, or a node-redis client (v4 or later,
   * connected by the app). Only its raw-command, duplicate and subscribe methods are used.
   */
  export type RedisClientLike =
    | { call(command: string, ...args: string[]): Promise<unknown>; duplicate(): unknown }
    | { sendCommand(args: string[]): Promise<unknown>; duplicate(): unknown; readonly isOpen: boolean };

  /** Options of `redisRevocations`: `url` or `client`, not both. */
  export interface RedisRevocationOptions extends RevocationOptions {
    /** A Redis URL; needs ioredis or redis (node-redis) installed. Its connections are closed on `close()`. */
    url?: string;
    /** A client the app already has; left open on `close()` (only the subscriber duplicated from it is closed). */
    client?: RedisClientLike;
    /** Prefix of the keys and channel, default `kss:revocations:`. */
    prefix?: string;
    /** How long `close()` waits for queued writes to reach Redis, ms; default 2000. */
    closeTimeout?: number;
    /** How often, in ms, each process checks that Redis still holds what it does (default 60 000). */
    checkInterval?: number;
    /** Told of each Redis error (a retry follows each); default: ignored. */
    onError?: (err: Error) => void;
  }

  /**
   * Logouts that end sessions: held in an in-memory mirror that every check reads (never the
   * network), shared through Redis by `redisRevocations`.
   */
  export interface Revocations {
    /**
     * Revokes one session (its id, 22 base64url characters): refused in this process at once, and
     * everywhere once stored. `until` (ms) is when the entry may go; default now + horizon.
     */
    revoke(sessionId: string, until?: number): Promise<void>;
    /** Revokes every session of `userId` issued before now; `until` as for `revoke`. */
    revokeUser(userId: string | number, until?: number): Promise<void>;
    /** True when this process knows the session to be revoked. */
    isRevoked(sessionId: string): boolean;
    /** The latest time (ms) before which the user's sessions are revoked, or 0. */
    userRevokedAt(userId: string | number): number;
    /** True once the mirror holds a complete load of the shared revocations (always, in memory). */
    readonly loaded: boolean;
    /** Resolves when `loaded` first becomes true; never rejects. */
    readonly ready: Promise<void>;
    /** Stops timers and subscriptions; for Redis, first waits (up to `closeTimeout`) for queued writes. */
    close(): Promise<void>;
  }

  /** Codes of the errors the revocations raise: bad arguments, a missing client library, use after close. */
  export type RevocationErrorCode =
    | 'ERR_SESSION_ID'
    | 'ERR_USER_ID'
    | 'ERR_UNTIL'
    | 'ERR_REDIS_CLIENT'
    | 'ERR_REVOCATIONS_CLOSED'
    | 'ERR_REVOCATION_MESSAGE';

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
     * The current session's id (22 base64url characters), sealed with it, the same for as long as
     * the session lasts; `undefined` once `ctx.session = null` ended it. Pass it to
     * `revocations.revoke(id)` to sign that session out ("sign out that device").
     */
    readonly sessionId: string | undefined;
  }
}

export = encryptedSession;
