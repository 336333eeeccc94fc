// README, the one-line migration: a koa-encrypted-session app with only the import changed, its
// key from the environment (gen-key prints one).
import Koa from 'koa';
import encryptedSession from 'koa-sodium-session';

const app = new Koa();
app.use(
  encryptedSession(
    {
      key: 'session',
      maxAge: 7 * 24 * 3600 * 1000,
      secretKey: process.env.SESSION_SECRET_KEY, // 32 bytes, base64: make one with `npx gen-key`
    },
    app,
  ),
);

app.use((ctx) => {
  ctx.session.views = (ctx.session.views ?? 0) + 1;
  ctx.body = `views: ${ctx.session.views}`;
});
app.listen(3000);
