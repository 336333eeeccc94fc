// The demo app: the login / protected page / logout flow every Koa app has, with sessions in an
// encrypted cookie (default) or, sealed the same way, in Redis.
import { bodyParser } from '@koa/bodyparser';
import bcrypt from 'bcryptjs';
import Koa from 'koa';
import encryptedSession, { encryptedStore } from '../../index.mjs';

/** The one demo account: alice / wonderland, its password kept only as a bcrypt hash. */
const USERS = {
  alice: { id: 'u-1', role: 'admin', passwordHash: '$2b$10$e6ZxDCh.vpQQ.Z79UR7RAu2Ug7PSOM0BjNxoKrvb2ITk/evfnBJxK' },
};

const page = (title, body) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

/** Text made safe to place inside HTML. */
const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** Looks a user up by id, from the session's user id. */
const userById = (id) => Object.entries(USERS).find(([, user]) => user.id === id);

/**
 * Builds the demo app.
 * @param {{ secretKey: string | Buffer, store?: object, maxAge?: number, secure?: boolean }} options
 *   `store` is a raw koa-session store (get/set/destroy); the app seals what it holds with
 *   `encryptedStore`. `secure` marks cookies Secure: for a deployment behind HTTPS.
 */
export function createApp({ secretKey, store, maxAge = 24 * 3600 * 1000, secure = false }) {
  const app = new Koa();
  app.proxy = true; // trust X-Forwarded-Proto from the HTTPS proxy in front, so Secure cookies can be set
  // A session too large for a cookie is refused by koa-sodium-session when saved; say so, and
  // keep the cookie the browser already has.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err.code !== 'ERR_SESSION_TOO_LARGE') throw err;
      ctx.status = 413;
      ctx.type = 'html';
      ctx.body = page('Session too large', `<p id="too-large">${err.message}</p><p><a href="/dashboard">Back</a></p>`);
    }
  });
  app.use(
    encryptedSession(
      {
        key: 'demo.sid',
        maxAge,
        httpOnly: true,
        sameSite: 'lax',
        secure,
        secretKey,
        format: 'compact',
        maxLifetime: 7 * 24 * 3600 * 1000,
        ...(store ? { store: encryptedStore(store, { secretKey }) } : {}),
      },
      app,
    ),
  );
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use(async (ctx, next) => {
    const signedIn = ctx.session.userId ? userById(ctx.session.userId) : undefined;
    ctx.state.user = signedIn ? { name: signedIn[0], role: signedIn[1].role } : null;
    await next();
  });

  app.use(async (ctx) => {
    const { user } = ctx.state;
    const route = `${ctx.method} ${ctx.path}`;
    if (route === 'GET /') {
      ctx.session.visits = (ctx.session.visits ?? 0) + 1;
      ctx.body = user
        ? page(
            'Welcome back',
            `<p>Signed in as ${user.name}. <a href="/dashboard">Dashboard</a></p><p>Visits this session: ${ctx.session.visits}</p>`,
          )
        : page(
            'Sign in',
            `<form method="post" action="/login"><label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form><p>Visits this session: ${ctx.session.visits}</p>`,
          );
    } else if (route === 'POST /login') {
      const { username, password } = ctx.request.body ?? {};
      const account = typeof username === 'string' ? USERS[username] : undefined;
      const ok = account && typeof password === 'string' && (await bcrypt.compare(password, account.passwordHash));
      if (!ok) {
        ctx.status = 401;
        ctx.body = ctx.is('json')
          ? { error: 'Invalid username or password.' }
          : page('Sign in failed', '<p>Invalid username or password. <a href="/">Try again</a></p>');
        return;
      }
      await ctx.session.regenerate(); // a fresh session on login: no fixation
      ctx.session.userId = account.id;
      ctx.session.role = account.role;
      if (ctx.is('json')) ctx.body = { user: { name: username, role: account.role } };
      else ctx.redirect('/dashboard');
    } else if (route === 'GET /dashboard') {
      if (!user) {
        ctx.status = 401;
        ctx.body = page('Signed out', '<p>Please <a href="/">sign in</a>.</p>');
        return;
      }
      ctx.session.dashboardViews = (ctx.session.dashboardViews ?? 0) + 1;
      const notes = (ctx.session.notes ?? []).map((n) => `<li>${escapeHtml(n)}</li>`).join('');
      ctx.body = page(
        'Dashboard',
        `<p id="who">Signed in as ${user.name} (${user.role}).</p><p id="count">Dashboard views: ${ctx.session.dashboardViews}</p>
<ul id="notes">${notes}</ul>
<form method="post" action="/notes"><label>Note <input name="note"></label><button type="submit">Keep in session</button></form>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
      );
    } else if (route === 'POST /notes') {
      if (!user) {
        ctx.status = 401;
        return;
      }
      const note = String(ctx.request.body?.note ?? '');
      ctx.session.notes = [...(ctx.session.notes ?? []), note];
      ctx.redirect('/dashboard');
    } else if (route === 'GET /me') {
      if (!user) {
        ctx.status = 401;
        ctx.body = { user: null };
      } else {
        ctx.body = { user };
      }
    } else if (route === 'POST /logout') {
      ctx.session = null;
      if (ctx.is('json')) ctx.body = { user: null };
      else ctx.redirect('/');
    } else {
      ctx.status = 404;
      ctx.body = page('Not found', '<p><a href="/">Home</a></p>');
    }
  });
  return app;
}
