// With @types/koa-session installed: what this package takes and returns fits koa-session's own
// types too, so options, stores and `ctx.session` can be shared between the two.
import Koa from 'koa';
import type koaSession from 'koa-session';
import encryptedSession, { encryptedStore, type SessionStore } from 'koa-sodium-session';

const app = new Koa();
const secretKey = process.env.SESSION_SECRET_KEY;

// A store typed by @types/koa-session goes into encryptedStore, and what comes out fits it again.
declare const theirs: koaSession.stores;
const ours: SessionStore = theirs;
const sealed: koaSession.stores = encryptedStore(theirs, { secretKey });
const shared = { key: 'session', maxAge: 864e5, rolling: true, store: sealed } satisfies Partial<koaSession.opts>;
app.use(encryptedSession({ ...shared, secretKey }, app));

app.use((ctx) => {
  const session: koaSession.Session = ctx.session; // koa-session's Session, and ours
  session.views = (session.views ?? 0) + 1;
  ctx.session = null;
});
void ours;
