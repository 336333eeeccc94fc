// `npm run demo`: starts the demo on 127.0.0.1:$PORT (default 3000).
// SESSION_SECRET_KEY: the key (base64, `npx gen-key`). Without it, outside production, a development
// key is kept in SESSION_KEY_FILE (default .demo-session-key in the repository, git-ignored).
// SESSION_STORE=redis with REDIS_URL, or SESSION_STORE=postgres with DATABASE_URL, keeps sessions
// in that server, sealed; default: in the cookie. TRUST_PROXY=1 behind a proxy that sets
// X-Forwarded-*; NODE_ENV=production or SECURE_COOKIES=1 marks cookies Secure (behind HTTPS).
// Signing out ends the session: in Redis mode through redisRevocations, on every process.
import { fileURLToPath } from 'node:url';
import { memoryRevocations, redisRevocations } from '../../index.mjs';
import { createApp } from './app.mjs';
import { developmentKey } from './dev-key.mjs';
import { postgresStore, redisStore } from './stores.mjs';

const production = process.env.NODE_ENV === 'production';

/** The key from SESSION_SECRET_KEY or, outside production, from the development key file. */
function secretKey() {
  if (process.env.SESSION_SECRET_KEY) return process.env.SESSION_SECRET_KEY;
  if (production) {
    console.error('SESSION_SECRET_KEY is required in production: make one with `npx gen-key`');
    process.exit(2);
  }
  const file = process.env.SESSION_KEY_FILE ?? fileURLToPath(new URL('../../.demo-session-key', import.meta.url));
  const { key, created } = developmentKey(file);
  console.warn(
    `SESSION_SECRET_KEY is not set: using the development key ${created ? 'just written to' : 'kept in'} ${file}.` +
      ' Production needs its own SESSION_SECRET_KEY (`npx gen-key`), kept secret.',
  );
  return key;
}

const mode = process.env.SESSION_STORE ?? 'cookie';
const stores = {
  cookie: () => undefined,
  redis: () => redisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
  postgres: () => postgresStore(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres'),
};
if (!Object.hasOwn(stores, mode)) {
  console.error(`SESSION_STORE must be 'cookie', 'redis' or 'postgres', got '${mode}'`);
  process.exit(2);
}
const store = stores[mode]();
// With Redis, logouts reach every process of the demo through it; otherwise they hold in this one.
const revocations = mode === 'redis' ? redisRevocations({ client: store.redis }) : memoryRevocations();
const app = createApp({
  secretKey: secretKey(),
  store,
  revocations,
  secure: production || process.env.SECURE_COOKIES === '1',
  trustProxy: process.env.TRUST_PROXY === '1',
});
// Sessions are checked against the revocations only once they are loaded (until then every
// session counts as signed out): take traffic once they are.
if (!revocations.loaded) console.log('loading the revocations from Redis…');
await revocations.ready;
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`demo on http://127.0.0.1:${port}/ (sessions: ${mode}); sign in as alice / wonderland`);
});
server.on('error', (err) => {
  if (err.code !== 'EADDRINUSE') throw err;
  console.error(
    `port ${process.env.PORT ?? 3000} is taken: run \`PORT=3001 npm run demo\`, or stop what listens there`,
  );
  process.exit(1);
});
