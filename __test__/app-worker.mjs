// An app process for the fleet tests: a Koa app with sessions sealed by this package and logouts
// shared through Redis (redisRevocations), on a free loopback port it reports to its parent.
// Imported, this file gives the parent's side, `startApp`; run, it is the app:
//   node app-worker.mjs <redis url> [wait|serve-now]
// Routes: POST /login?user= (regenerate, then the user id), GET /me, POST /logout,
// POST /revoke-user?user= (log out everywhere). Each answers { user, sessionId }.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * Starts an app process on Redis `url`; resolves to `{ request(method, path, cookie), stop }`.
 * As a deployment does, it takes traffic once its revocations are loaded, unless `serveAtOnce`.
 */
export async function startApp(redisUrl, { serveAtOnce = false } = {}) {
  const args = [redisUrl, serveAtOnce ? 'serve-now' : 'wait'];
  const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port }] = await once(child, 'message');
  const base = `http://127.0.0.1:${port}`;
  return {
    /** Sends a request with the session `cookie` (`name=value`); the answer and the cookie it set, if any. */
    async request(method, path, cookie) {
      const res = await fetch(base + path, { method, headers: cookie ? { cookie } : {} });
      const set = res.headers
        .getSetCookie()
        .map((line) => line.split(';')[0])
        .find((pair) => pair.startsWith('koa.sess='));
      return { status: res.status, body: await res.json(), cookie: set };
    },
    async stop() {
      child.kill();
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    },
  };
}

/** Runs the app. */
async function serve(redisUrl, when) {
  const { default: Koa } = await import('koa');
  const { default: encryptedSession, redisRevocations } = await import('../index.mjs');
  const { KEY } = await import('./helpers.mjs');
  // Checks every 200 ms (not every minute) that Redis still holds what this process does.
  const revocations = redisRevocations({ url: redisUrl, checkInterval: 200 });
  const app = new Koa();
  app.use(encryptedSession({ secretKey: KEY, format: 'compact', revocations, userKey: 'userId' }, app));
  app.use(async (ctx) => {
    const route = `${ctx.method} ${ctx.path}`;
    if (route === 'POST /login') {
      await ctx.session.regenerate();
      ctx.session.userId = ctx.query.user;
    } else if (route === 'POST /logout') {
      ctx.session = null;
    } else if (route === 'POST /revoke-user') {
      await revocations.revokeUser(ctx.query.user);
    }
    ctx.body = { user: ctx.session?.userId ?? null, sessionId: ctx.sessionId ?? null };
  });
  if (when === 'wait') await revocations.ready;
  const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve(process.argv[2], process.argv[3]);
