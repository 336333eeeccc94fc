// README, errors and events: why a cookie was refused, and a session too large to save.
import Koa from 'koa';
import encryptedSession, {
  type RuntimeErrorCode,
  type SessionRejectedEvent,
  type SessionTooLargeEvent,
} from 'koa-sodium-session';

const app = new Koa();
app.use(encryptedSession({ secretKey: process.env.SESSION_SECRET_KEY }, app));

app.on('session:rejected', ({ ctx, reason }: SessionRejectedEvent) => {
  // 'revoked', 'lifetime', 'authentication' (tampered or another key), …: never the cookie itself
  console.info(`${ctx.method} ${ctx.path}: session cookie refused (${reason})`);
});
app.on('session:too-large', ({ ctx, size, limit }: SessionTooLargeEvent) => {
  console.warn(`${ctx.path}: session of ${size} bytes, over the limit of ${limit}`);
});
app.on('error', (err: Error & { code?: RuntimeErrorCode }) => {
  if (err.code === 'ERR_SESSION_TOO_LARGE') console.warn('a session was not saved');
});
