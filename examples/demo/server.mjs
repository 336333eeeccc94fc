// `npm run demo`: starts the demo on 127.0.0.1:$PORT (default 3000).
// SESSION_SECRET_KEY: the key (base64, `npx gen-key`); without it one is generated at start.
// SESSION_STORE=redis with REDIS_URL, or SESSION_STORE=postgres with DATABASE_URL, keeps sessions
// in that server, sealed; default: in the cookie.
import { generateKey } from '../../index.mjs';
import { createApp } from './app.mjs';
import { postgresStore, redisStore } from './stores.mjs';

let secretKey = process.env.SESSION_SECRET_KEY;
if (!secretKey) {
  secretKey = generateKey().toString('base64');
  console.warn('SESSION_SECRET_KEY is not set: using a key generated now, so sessions will not survive a restart.');
}
const mode = process.env.SESSION_STORE ?? 'cookie';
const stores = {
  cookie: () => undefined,
  redis: () => redisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
  postgres: () => postgresStore(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres'),
};
if (!(mode in stores)) {
  console.error(`SESSION_STORE must be 'cookie', 'redis' or 'postgres', got '${mode}'`);
  process.exit(2);
}
const store = stores[mode]();
const port = Number(process.env.PORT ?? 3000);
// Behind HTTPS (NODE_ENV=production or SECURE_COOKIES=1), cookies are marked Secure.
const secure = process.env.NODE_ENV === 'production' || process.env.SECURE_COOKIES === '1';
const app = createApp({ secretKey, store, secure });
app.listen(port, '127.0.0.1', () => {
  console.log(`demo on http://127.0.0.1:${port}/ (sessions: ${mode}); sign in as alice / wonderland`);
});
