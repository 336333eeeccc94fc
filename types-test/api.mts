// The rest of the public API, as a strict TypeScript consumer uses it: every option, the store
// and revocation types, and the Redis clients redisRevocations takes.
import { Cluster, Redis as IORedis } from 'ioredis';
import Koa from 'koa';
import encryptedSession, {
  type EncryptedSessionOptions,
  type EncryptedStoreOptions,
  encryptedStore,
  generateKey,
  type OptionErrorCode,
  type RedisRevocationOptions,
  type RevocationErrorCode,
  type Revocations,
  redisRevocations,
  type Session,
  type SessionRefusalReason,
  type SessionStore,
} from 'koa-sodium-session';
import { createClient, createCluster } from 'redis';

const app = new Koa();
const key: Buffer = generateKey();

// Every option at once: koa-session's and this package's.
const opts: EncryptedSessionOptions = {
  key: '__Host-session',
  maxAge: 'session',
  rolling: true,
  renew: false,
  autoCommit: true,
  secure: true,
  httpOnly: true,
  sameSite: 'lax',
  path: '/',
  overwrite: true,
  priority: 'high',
  partitioned: false,
  signed: false,
  prefix: 'sess:',
  valid: (ctx, session) => session.ua === ctx.get('user-agent'),
  beforeSave: (_ctx, session: Session) => {
    session.savedAt = Date.now();
  },
  genid: (ctx) => `${ctx.ip}-${Date.now()}`,
  externalKey: { get: (ctx) => ctx.get('x-session'), set: (ctx, value) => ctx.set('x-session', value) },
  secretKey: [key, key.toString('base64')],
  format: 'compact',
  maxCookieBytes: 4096,
  maxCookies: 2,
  maxTotalCookieBytes: 6144,
  maxLifetime: 7 * 864e5,
  assumeIssuedAt: new Date('2026-12-01T00:00:00Z'),
  acceptKoaEncryptedSession: false,
  userKey: 'userId',
};
app.use(encryptedSession(opts, app));

// A store of the app's own, typed by hand, fits koa-session's store interface and encryptedStore.
const values = new Map<string, string>();
const mapStore: SessionStore = {
  get: (key) => values.get(key),
  set: (key, value) => void values.set(key, String(value)),
  destroy: (key) => void values.delete(key),
};
const storeOptions: EncryptedStoreOptions = {
  secretKey: key,
  maxValueBytes: 64 * 1024,
  onRejected: (reason: SessionRefusalReason) => console.warn(reason),
};
const sealed: SessionStore = encryptedStore(mapStore, storeOptions);
app.use(encryptedSession({ secretKey: key, store: sealed, maxLifetime: 864e5 }, app));

// An app with its own state and context types keeps them in the options' callbacks.
interface State {
  user?: string;
}
interface Context {
  requestId: string;
}
const typed = new Koa<State, Context>();
typed.use(
  encryptedSession(
    { secretKey: key, valid: (ctx, session) => ctx.requestId !== '' && session.userId === ctx.state.user },
    typed,
  ),
);

// ctx.session, with or without @types/koa-session.
app.use(async (ctx) => {
  const session: Session = ctx.session;
  session.maxAge = 30 * 864e5;
  const populated: boolean = session.populated && session.length > 0;
  const fields: Record<string, unknown> = session.toJSON();
  await session.save();
  await session.manuallyCommit();
  session.regenerate(() => {});
  ctx.session = { userId: 'u-1' };
  ctx.session = null;
  void [populated, fields];
});

// Revocations through Redis: from a url, or the app's ioredis or node-redis client, single or cluster.
const fromUrl: Revocations = redisRevocations({
  url: 'redis://127.0.0.1:6379',
  prefix: 'app:revocations:',
  horizon: 7 * 864e5,
  closeTimeout: 5000,
  checkInterval: 10_000,
  compactAfter: 3_600_000,
  onError: (err: Error & { code?: RevocationErrorCode }) => {
    if (err.code === 'ERR_REVOCATIONS_LOST') console.warn(err.message);
  },
});
redisRevocations({ client: new IORedis() });
redisRevocations({ client: new Cluster([{ host: '127.0.0.1', port: 7000 }]) });
redisRevocations({ client: createClient() });
redisRevocations({ client: createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }) });
const options: RedisRevocationOptions = { url: 'redis://127.0.0.1:6379' };

const revoked: boolean = fromUrl.isRevoked('AAAAAAAAAAAAAAAAAAAAAA');
const at: number = fromUrl.userRevokedAt(42);
const loaded: boolean = fromUrl.loaded;
const ready: Promise<void> = fromUrl.ready;
await fromUrl.revoke('AAAAAAAAAAAAAAAAAAAAAA', Date.now() + 60_000);
await fromUrl.revokeUser('u-1', Date.now() + 864e5);

try {
  encryptedSession({ secretKey: 'not base64!' }, app);
} catch (err) {
  const code = (err as { code?: OptionErrorCode }).code;
  console.log(code === 'ERR_KEY_ENCODING');
}
void [options, revoked, at, loaded, ready];
