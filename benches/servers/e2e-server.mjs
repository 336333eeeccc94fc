// One contender of the end-to-end benchmark, in its own process: a Koa server on 127.0.0.1 whose
// handler reads and rewrites the session on every request. Argument: contender name. Tells its
// parent its port, answers 'cpu' with its CPU time so far (µs).
import Koa from 'koa';
import legacyEncryptedSession from 'koa-encrypted-session';
import session from 'koa-session';
import session7 from 'koa-session-7';
import encryptedSession from '../../index.mjs';

const key = Buffer.alloc(32, 7);
const middlewares = {
  'koa-sodium-session (compact)': (app) => encryptedSession({ secretKey: key, format: 'compact' }, app),
  'koa-sodium-session (legacy)': (app) => encryptedSession({ secretKey: key }, app),
  'koa-encrypted-session 3.0.7': (app) => legacyEncryptedSession({ secretKey: key }, app),
  'koa-session, signed (default)': (app) => {
    app.keys = ['a signing key for the benchmark'];
    return session({}, app);
  },
  'koa-session, unsigned': (app) => session({ signed: false }, app),
  'koa-session 7.0.2, unsigned': (app) => session7({ signed: false }, app),
};

const app = new Koa();
app.use(middlewares[process.argv[2]](app));
app.use((ctx) => {
  const size = Number(ctx.query.size ?? 0);
  if (ctx.session.data === undefined) ctx.session.data = 'x'.repeat(size);
  ctx.session.views = (ctx.session.views ?? 0) + 1;
  ctx.body = 'ok';
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  }
});
