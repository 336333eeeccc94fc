// README, sessions larger than one cookie: split across up to four cookies (`session`,
// `session.1`, …), within a Cookie header budget; a save past it is refused, never cut.
import Koa from 'koa';
import encryptedSession, { type SessionTooLargeEvent } from 'koa-sodium-session';

const app = new Koa();
app.use(
  encryptedSession(
    {
      key: 'session',
      secretKey: process.env.SESSION_SECRET_KEY,
      format: 'compact',
      maxCookieBytes: 4096,
      maxCookies: 4,
      maxTotalCookieBytes: 8192,
    },
    app,
  ),
);
app.on('session:too-large', ({ ctx, size, limit }: SessionTooLargeEvent) => {
  console.warn(`${ctx.path}: session of ${size} bytes, over ${limit}`);
});
