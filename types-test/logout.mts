// README, logout that ends the session: in one process with memoryRevocations (redisRevocations
// shares the same interface); sign in, sign out, sign out one device, sign out everywhere.
import Koa from 'koa';
import encryptedSession, { memoryRevocations } from 'koa-sodium-session';

const app = new Koa();
const revocations = memoryRevocations();
app.use(encryptedSession({ secretKey: process.env.SESSION_SECRET_KEY, revocations, userKey: 'userId' }, app));

app.use(async (ctx, next) => {
  if (ctx.path === '/login') {
    await ctx.session.regenerate(); // a new session id; the old one ends
    ctx.session.userId = 'u-1';
  } else if (ctx.path === '/logout') {
    ctx.session = null; // this session ends, on every process
  } else if (ctx.path === '/logout-device') {
    await revocations.revoke(String(ctx.query.id)); // an id this user's `ctx.sessionId` gave earlier
  } else if (ctx.path === '/logout-everywhere') {
    await revocations.revokeUser(ctx.session.userId); // every session of the user issued before now
    ctx.session = null;
  } else {
    const id: string | undefined = ctx.sessionId; // this session's id: keep it to list a user's devices
    ctx.body = { id };
  }
  await next();
});

await revocations.close(); // on shutdown
