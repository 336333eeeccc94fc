// A strict TypeScript consumer of the public types: compiled (not run) by `npm run check:types`.
import { Redis as IORedis } from 'ioredis';
import Koa from 'koa';
import encryptedSession, {
  type Codec,
  type CookieRefusedError,
  createCodec,
  deriveKey,
  deriveKeySync,
  type EncryptedSessionOptions,
  generateKey,
  memoryRevocations,
  type RedisRevocationOptions,
  type Revocations,
  redisRevocations,
  type SessionRejectedEvent,
} from 'koa-sodium-session';
import { createClient } from 'redis';

const app = new Koa();
const key: Buffer = generateKey();

const opts: EncryptedSessionOptions = {
  key: 'session',
  maxAge: 'session',
  rolling: true,
  sameSite: 'lax',
  secretKey: [key, key.toString('base64')],
  format: 'compact',
  maxCookieBytes: 4096,
  maxLifetime: 7 * 864e5,
  assumeIssuedAt: new Date('2026-12-01T00:00:00Z'),
  acceptKoaEncryptedSession: false,
  valid: (_ctx, sess) => typeof sess === 'object',
};
app.use(encryptedSession(opts, app));
app.use(encryptedSession({ secret: 'x'.repeat(32), salt: 'sixteen-byte-slt' }, app));

const codec: Codec = createCodec({ secretKey: key.toString('base64'), key: 'session', assumeIssuedAt: Date.now() });
const cookie: string = codec.encode({ user: 1 });
const session: Record<string, unknown> = codec.decode(cookie);
void session;

try {
  codec.decode('bogus');
} catch (err) {
  const refused = err as CookieRefusedError;
  const reason:
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
    | 'key-pending' = refused.reason;
  void reason;
}

const derived: Promise<Buffer> = deriveKey('x'.repeat(32));
const derivedSync: Buffer = deriveKeySync('x'.repeat(32), Buffer.alloc(16));
void derived;
void derivedSync;

// @ts-expect-error format takes 'legacy' or 'compact' only
encryptedSession({ secretKey: key, format: 'json' }, app);
// @ts-expect-error secretKey is text or bytes
encryptedSession({ secretKey: 42 }, app);
// @ts-expect-error this package owns encode
encryptedSession({ secretKey: key, encode: (s: object) => JSON.stringify(s) }, app);

app.on('session:rejected', ({ ctx, reason }: SessionRejectedEvent) => console.log(ctx.path, reason));
app.use(async (ctx) => {
  const id: string | undefined = ctx.sessionId;
  void id;
});
// @ts-expect-error maxCookieBytes is a number
encryptedSession({ secretKey: key, maxCookieBytes: '4k' }, app);

// Revocations: in memory, or through Redis from a url or an app's own ioredis or node-redis client.
const revocations: Revocations = memoryRevocations({ horizon: 7 * 864e5 });
const stored: Promise<void> = revocations.revoke('AAAAAAAAAAAAAAAAAAAAAA', Date.now() + 60_000);
void stored;
void revocations.revokeUser(42);
const refused: boolean = revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAA');
const at: number = revocations.userRevokedAt('u-1');
const loaded: boolean = revocations.loaded;
void [refused, at, loaded, revocations.ready, revocations.close()];
app.use(encryptedSession({ secretKey: key, revocations, userKey: 'userId', maxLifetime: 864e5 }, app));
redisRevocations({ url: 'redis://127.0.0.1:6379', prefix: 'app:', onError: (err: Error) => console.error(err) });
redisRevocations({ client: new IORedis(), closeTimeout: 5000 });
redisRevocations({ client: createClient() });
const options: RedisRevocationOptions = { url: 'redis://127.0.0.1:6379' };
void options;
// @ts-expect-error a client must be a Redis client
redisRevocations({ client: { get() {} } });
// @ts-expect-error revocations need options
redisRevocations();
