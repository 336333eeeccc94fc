// The demo app: the login / protected page / logout flow every Koa app has, with sessions in an
// encrypted cookie (default) or, sealed the same way, in an external store.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import encryptedSession, { encryptedStore, memoryRevocations } from '../../index.mjs';
import { assets } from './assets.mjs';
import { errorPages } from './error-pages.mjs';
import { crossSite, dashboard, notFound, signIn, signInFirst, welcome } from './pages.mjs';
import { sameOriginOnly } from './same-origin.mjs';
import { securityHeaders } from './security-headers.mjs';
import { recordSessionReports, reported, signedOutMessage } from './session-reports.mjs';
import { showingReads } from './stores.mjs';
import { authenticate, userById } from './users.mjs';

const COOKIE = 'demo.sid';

/** Why this request's session cookie was refused, for a person, or undefined if it was not. */
const signedOut = (ctx) => ctx.state.signedOut && signedOutMessage(ctx.state.signedOut);

/** Answers 401 with a sign-in link unless someone is signed in. */
async function requireUser(ctx, next) {
  if (ctx.state.user) return next();
  ctx.status = 401;
  ctx.body = signInFirst(signedOut(ctx));
}

/**
 * The cookies the browser sent for the session, as the dashboard describes them: the session
 * sealed in the cookie (`compact (v2)` or `legacy`), in several parts when it outgrew one cookie
 * (`maxCookies`), or, with a store, the session's id there.
 */
function sessionCookies(ctx, inStore) {
  const value = ctx.cookies.get(COOKIE) ?? '';
  if (inStore) return [{ name: COOKIE, value, format: 'session id' }];
  const parts = Number(value.match(/^c(\d+)\./)?.[1] ?? 1);
  const names = [COOKIE, ...Array.from({ length: parts - 1 }, (_, i) => `${COOKIE}.${i + 1}`)];
  return names.map((name, index) => {
    const part = ctx.cookies.get(name) ?? '';
    const version = (parts > 1 ? value.slice(value.indexOf('.', 3) + 1) : part).match(/^v(\d+)\./)?.[1];
    const format = version ? `compact (v${version})` : 'legacy (koa-encrypted-session)';
    return { name, value: part, format: parts > 1 ? `${format}, part ${index + 1} of ${parts}` : format };
  });
}

/**
 * The routes: `/`, `POST /login`, `GET /dashboard`, `POST /notes`, `GET /me`, `POST /logout`,
 * `POST /logout-everywhere`.
 */
function routes(revocations, inStore) {
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.session.visits = (ctx.session.visits ?? 0) + 1;
    ctx.body = ctx.state.user
      ? welcome(ctx.state.user, ctx.session.visits)
      : signIn({ signedOut: signedOut(ctx), visits: ctx.session.visits });
  });

  router.post('/login', async (ctx) => {
    const { username, password } = ctx.request.body ?? {};
    const account = await authenticate(username, password);
    if (!account) {
      ctx.status = 401;
      ctx.body = ctx.is('json') ? { error: 'Invalid username or password.' } : signIn({ failed: { username } });
      return;
    }
    ctx.session = {}; // nothing from before the login carries over
    await ctx.session.regenerate(); // and, with a store, a new session id: no fixation
    ctx.session.userId = account.id;
    ctx.session.role = account.role;
    if (ctx.is('json')) ctx.body = { user: { name: account.name, role: account.role } };
    else ctx.redirect('/dashboard');
  });

  router.get('/dashboard', requireUser, (ctx) => {
    // Nothing changes here, so the cookie shown is still the one the browser holds afterwards.
    ctx.body = dashboard({
      user: ctx.state.user,
      notes: ctx.session.notes ?? [],
      cookies: sessionCookies(ctx, inStore),
      opened: ctx.session.toJSON(),
      sessionId: ctx.sessionId,
      stored: ctx.state.storeRead,
    });
  });

  router.post('/notes', requireUser, (ctx) => {
    ctx.session.notes = [...(ctx.session.notes ?? []), String(ctx.request.body?.note ?? '')];
    ctx.redirect('/dashboard');
  });

  router.get('/me', (ctx) => {
    if (ctx.state.user) {
      ctx.body = { user: ctx.state.user };
      return;
    }
    ctx.status = 401;
    ctx.body = { user: null, ...(ctx.state.signedOut ? { signedOutBecause: ctx.state.signedOut } : {}) };
  });

  // Ends this session: a copy of the cookie taken before stops working too (revocations).
  router.post('/logout', (ctx) => {
    ctx.session = null;
    if (ctx.is('json')) ctx.body = { user: null };
    else ctx.redirect('/');
  });

  // Ends every session of this user, on every device (and, with Redis, on every process).
  router.post('/logout-everywhere', requireUser, async (ctx) => {
    await revocations.revokeUser(ctx.session.userId);
    ctx.session = null;
    if (ctx.is('json')) ctx.body = { user: null };
    else ctx.redirect('/');
  });
  return router;
}

/**
 * Builds the demo app.
 * @param {{ secretKey: string | Buffer, store?: object, maxAge?: number, secure?: boolean,
 *   trustProxy?: boolean, revocations?: object, maxCookies?: number }} options `store` is a raw koa-session store
 *   (get/set/destroy); the app seals what it holds with `encryptedStore`. `secure` marks cookies
 *   Secure, for a deployment behind HTTPS. `trustProxy` believes the X-Forwarded-* headers: only
 *   behind a proxy that sets them. `revocations` shares logouts between processes
 *   (`redisRevocations`); by default they hold in this process only. `maxCookies`: how many
 *   cookies a session may take before a save is refused (it outgrows one at about 3 KB).
 */
export function createApp({
  secretKey,
  store,
  maxAge = 24 * 3600 * 1000,
  secure = false,
  trustProxy = false,
  revocations = memoryRevocations(),
  maxCookies = 2,
}) {
  const app = new Koa();
  app.proxy = trustProxy;
  recordSessionReports(app);
  app.use(securityHeaders());
  app.use(errorPages());
  app.use(assets());
  app.use(
    sameOriginOnly((ctx) => {
      ctx.body = crossSite();
    }),
  );
  app.use(
    encryptedSession(
      {
        key: COOKIE,
        maxAge,
        httpOnly: true,
        sameSite: 'lax',
        secure,
        secretKey,
        format: 'compact',
        maxLifetime: 7 * 24 * 3600 * 1000,
        revocations,
        userKey: 'userId',
        maxCookies,
        ...(store ? { store: encryptedStore(showingReads(store), { secretKey }) } : {}),
      },
      app,
    ),
  );
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use(async (ctx, next) => {
    const user = ctx.session.userId ? userById(ctx.session.userId) : undefined;
    ctx.state.user = user ? { name: user.name, role: user.role } : null;
    // A cookie was sent but no session came of it: the package or koa-session said why.
    if (ctx.cookies.get(COOKIE) && ctx.session.isNew) {
      await reported();
      ctx.state.signedOut = ctx.state.refusedBecause ?? 'missed';
    }
    await next();
  });
  const router = routes(revocations, Boolean(store));
  app.use(router.routes()).use(router.allowedMethods());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = notFound();
  });
  return app;
}
