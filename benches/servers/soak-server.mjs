// The soak test's server, in its own process so its memory is measured alone: Koa with
// encryptedSession and two keys. Tells its parent its port and a cookie sealed with the older key,
// and answers 'rss' messages with its resident set size.
import Koa from 'koa';
import encryptedSession, { createCodec, generateKey } from '../../index.mjs';

const [newKey, oldKey] = [generateKey(), generateKey()];
const app = new Koa();
app.use(encryptedSession({ secretKey: [newKey, oldKey], format: 'compact' }, app));
app.use((ctx) => {
  ctx.session.views = (ctx.session.views ?? 0) + 1;
  ctx.session.seen = Date.now();
  ctx.body = { views: ctx.session.views };
});
const server = app.listen(0, '127.0.0.1', () => {
  const oldCookie = createCodec({ secretKey: oldKey }).encode({ user: 'alice', views: 1 });
  process.send({ port: server.address().port, oldCookie });
});
process.on('message', (message) => {
  if (message === 'rss') {
    globalThis.gc?.();
    process.send({ rss: process.memoryUsage().rss });
  }
});
