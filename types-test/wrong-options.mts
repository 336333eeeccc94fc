// Wrong options keep failing to compile, whether or not @types/koa-session is installed: each
// line below must be an error (tsc reports an unused @ts-expect-error).
import Koa from 'koa';
import encryptedSession, {
  createCodec,
  encryptedStore,
  generateKey,
  memoryRevocations,
  redisRevocations,
} from 'koa-sodium-session';

const app = new Koa();
const secretKey = generateKey();

// @ts-expect-error maxAge is ms or 'session', not a duration string
encryptedSession({ secretKey, maxAge: '1d' }, app);
// @ts-expect-error a typo of sameSite
encryptedSession({ secretKey, sameSit: 'lax' }, app);
// @ts-expect-error sameSite takes strict, lax or none
encryptedSession({ secretKey, sameSite: 'relaxed' }, app);
// @ts-expect-error a typo of secretKey
encryptedSession({ secretkey: secretKey }, app);
// @ts-expect-error format takes 'legacy' or 'compact' only
encryptedSession({ secretKey, format: 'json' }, app);
// @ts-expect-error secretKey is text or bytes
encryptedSession({ secretKey: 42 }, app);
// @ts-expect-error this package owns encode
encryptedSession({ secretKey, encode: (s: object) => JSON.stringify(s) }, app);
// @ts-expect-error this package owns decode
encryptedSession({ secretKey, decode: (s: string) => JSON.parse(s) }, app);
// @ts-expect-error maxCookieBytes is a number
encryptedSession({ secretKey, maxCookieBytes: '4k' }, app);
// @ts-expect-error maxCookies is a number
encryptedSession({ secretKey, maxCookies: true }, app);
// @ts-expect-error httpOnly is a boolean
encryptedSession({ secretKey, httpOnly: 'yes' }, app);
// @ts-expect-error priority takes low, medium or high
encryptedSession({ secretKey, priority: 'urgent' }, app);
// @ts-expect-error assumeIssuedAt is a Date or ms
encryptedSession({ secretKey, assumeIssuedAt: '2026-01-01' }, app);
// @ts-expect-error revocations come from memoryRevocations() or redisRevocations()
encryptedSession({ secretKey, revocations: true }, app);
// @ts-expect-error valid must say yes or no: a void function would refuse every session
encryptedSession({ secretKey, valid: (_ctx, _session) => {} }, app);
// @ts-expect-error a store needs get, set and destroy
encryptedSession({ secretKey, store: { get() {}, set() {} } }, app);
// @ts-expect-error the app is the second argument
encryptedSession({ secretKey });
// @ts-expect-error options come first
encryptedSession(app);

// @ts-expect-error a codec takes no koa-session option
createCodec({ secretKey, maxAge: 1000 });
// @ts-expect-error a codec needs its options
createCodec();
// @ts-expect-error encryptedStore needs a store
encryptedStore({}, { secretKey });
// @ts-expect-error encryptedStore needs its keys
encryptedStore({ get() {}, set() {}, destroy() {} });
// @ts-expect-error a typo of onRejected
encryptedStore({ get() {}, set() {}, destroy() {} }, { secretKey, onReject: () => {} });

// @ts-expect-error horizon is ms
memoryRevocations({ horizon: '1d' });
// @ts-expect-error revocations need options
redisRevocations();
// @ts-expect-error a url or a client
redisRevocations({ prefix: 'app:' });
// @ts-expect-error a url or a client, not both
redisRevocations({ url: 'redis://127.0.0.1:6379', client: { call: async () => 1, duplicate: () => ({}) } });
// @ts-expect-error a client must be a Redis client
redisRevocations({ client: { get() {} } });
// @ts-expect-error a typo of checkInterval
redisRevocations({ url: 'redis://127.0.0.1:6379', checkIntreval: 1000 });

const revocations = memoryRevocations();
// @ts-expect-error a session id is text
void revocations.revoke(42);
// @ts-expect-error until is ms since the epoch, not a Date
void revocations.revoke('AAAAAAAAAAAAAAAAAAAAAA', new Date());
// @ts-expect-error a user id is text or a number
void revocations.revokeUser({ id: 1 });

app.use((ctx) => {
  // @ts-expect-error the session id is text, or undefined once the session ended
  const id: number = ctx.sessionId;
  // @ts-expect-error ctx.sessionId is read-only
  ctx.sessionId = 'AAAAAAAAAAAAAAAAAAAAAA';
  // @ts-expect-error the session is an object, or null to end it
  ctx.session = 'logged out';
  void id;
});
