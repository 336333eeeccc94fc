// A strict TypeScript consumer of the public types: compiled (not run) by `npm run check:types`.
import Koa from 'koa';
import encryptedSession, {
  type Codec,
  type CookieRefusedError,
  createCodec,
  deriveKey,
  deriveKeySync,
  type EncryptedSessionOptions,
  generateKey,
  type SessionRejectedEvent,
} from 'koa-sodium-session';

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
// @ts-expect-error maxCookieBytes is a number
encryptedSession({ secretKey: key, maxCookieBytes: '4k' }, app);
