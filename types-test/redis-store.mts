// README, sessions in Redis: koa-redis's store wrapped with encryptedStore (Redis then holds only
// ciphertext under keyed hashes of the ids), and logouts shared through the app's ioredis client.
import { Redis } from 'ioredis';
import Koa from 'koa';
import koaRedis from 'koa-redis';
import encryptedSession, { encryptedStore, redisRevocations } from 'koa-sodium-session';

const app = new Koa();
const secretKey = process.env.SESSION_SECRET_KEY;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl); // the app's own client, which redisRevocations shares
const revocations = redisRevocations({ client: redis });

app.use(
  encryptedSession(
    {
      key: 'session',
      maxAge: 24 * 3600 * 1000,
      secretKey,
      store: encryptedStore(koaRedis({ url: redisUrl }), { secretKey }),
      revocations,
      userKey: 'userId',
    },
    app,
  ),
);

// On shutdown: queued logouts reach Redis first; the app's client stays the app's to close.
process.once('SIGTERM', async () => {
  await revocations.close();
  redis.disconnect();
});
