// The koa-session behaviours users rely on, through our middleware.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import encryptedSession from '../index.mjs';
import { cookieValue, get, KEY, makeApp, sessionCookie } from './helpers.mjs';

const opts = (extra = {}) => ({ secretKey: KEY, ...extra });

describe('koa-session behaviour through encryptedSession', () => {
  it('sets no cookie for an untouched session', async () => {
    const app = makeApp(encryptedSession, opts(), (ctx) => {
      ctx.body = 'hello';
    });
    const res = await get(app).expect(200);
    assert.equal(sessionCookie(res), undefined);
  });

  it('does not re-send an unchanged session', async () => {
    const app = makeApp(encryptedSession, opts(), (ctx) => {
      if (ctx.path === '/set') ctx.session.user = 'alice';
      ctx.body = ctx.session.user ?? 'nobody';
    });
    const cookie = sessionCookie(await get(app, '/set'));
    const res = await get(app, '/read', cookie).expect(200, 'alice');
    assert.equal(sessionCookie(res), undefined);
  });

  it('expires the cookie when the session is set to null', async () => {
    const app = makeApp(encryptedSession, opts(), (ctx) => {
      if (ctx.path === '/logout') ctx.session = null;
      else ctx.session.user = 'alice';
      ctx.body = 'ok';
    });
    const cookie = sessionCookie(await get(app, '/login'));
    const res = await get(app, '/logout', cookie).expect(200);
    const line = res.headers['set-cookie'].find((l) => l.startsWith('koa.sess='));
    assert.match(line, /^koa\.sess=;/);
    assert.match(line, /expires=Thu, 01 Jan 1970/);
  });

  it('starts a fresh session once maxAge has passed, and says so with session:expired', async () => {
    const app = makeApp(encryptedSession, opts({ maxAge: 60_000 }));
    const cookie = sessionCookie(await get(app));
    assert.equal((await get(app, '/', cookie)).body.views, 2);
    // A minute later by the clock koa-session reads: no sleeping, and no race with a slow request.
    const now = Date.now;
    Date.now = () => now() + 61_000;
    try {
      const expired = once(app, 'session:expired');
      assert.equal((await get(app, '/', cookie)).body.views, 1);
      await expired;
    } finally {
      Date.now = now;
    }
  });

  it("writes no expiry for maxAge: 'session'", async () => {
    const app = makeApp(encryptedSession, opts({ maxAge: 'session' }));
    const res = await get(app);
    const line = res.headers['set-cookie'].find((l) => l.startsWith('koa.sess='));
    assert.doesNotMatch(line, /expires=/);
    assert.equal((await get(app, '/', sessionCookie(res))).body.views, 2);
  });

  it('regenerates: same data, new cookie', async () => {
    const app = makeApp(encryptedSession, opts(), async (ctx) => {
      ctx.session.user = 'alice';
      if (ctx.path === '/regenerate') await ctx.session.regenerate();
      ctx.body = ctx.session.toJSON();
    });
    const cookie = sessionCookie(await get(app));
    const res = await get(app, '/regenerate', cookie).expect(200);
    const fresh = sessionCookie(res);
    assert.ok(fresh);
    assert.notEqual(fresh, cookie);
  });

  it('re-sends the cookie on every response with rolling', async () => {
    const app = makeApp(encryptedSession, opts({ rolling: true }), (ctx) => {
      if (ctx.path === '/set') ctx.session.user = 'alice';
      ctx.body = ctx.session.user ?? 'nobody';
    });
    const cookie = sessionCookie(await get(app, '/set'));
    const res = await get(app, '/read', cookie).expect(200, 'alice');
    assert.ok(sessionCookie(res));
  });

  it('drops a session that valid() rejects and emits session:invalid', async () => {
    const app = makeApp(encryptedSession, opts({ valid: (_ctx, sess) => sess.views < 2 }));
    const first = sessionCookie(await get(app));
    const second = sessionCookie(await get(app, '/', first));
    const invalid = once(app, 'session:invalid');
    assert.equal((await get(app, '/', second)).body.views, 1);
    const [{ value }] = await invalid;
    assert.equal(value.views, 2);
  });

  it('runs beforeSave before sealing', async () => {
    const app = makeApp(
      encryptedSession,
      opts({
        beforeSave: (_ctx, sess) => {
          sess.savedAt = 'now';
        },
      }),
    );
    const cookie = sessionCookie(await get(app));
    assert.equal((await get(app, '/', cookie)).body.savedAt, 'now');
  });

  it('passes cookie options through and never signs', async () => {
    const app = makeApp(
      encryptedSession,
      opts({ key: 'sid', path: '/app', httpOnly: false, sameSite: 'strict', signed: true }),
    );
    app.keys = ['would-be-signing-key'];
    const res = await get(app, '/app');
    const lines = res.headers['set-cookie'];
    assert.equal(lines.length, 1, 'no .sig cookie');
    assert.match(lines[0], /^sid=/);
    assert.match(lines[0], /path=\/app/);
    assert.match(lines[0], /samesite=strict/);
    assert.doesNotMatch(lines[0], /httponly/);
  });

  it('works with an external store, keeping only the id in the cookie', async () => {
    const saved = new Map();
    const store = {
      get: async (key) => saved.get(key),
      set: async (key, sess) => {
        saved.set(key, sess);
      },
      destroy: async (key) => {
        saved.delete(key);
      },
    };
    const app = makeApp(encryptedSession, opts({ store, genid: () => 'id-1' }));
    const cookie = sessionCookie(await get(app));
    assert.equal(cookieValue(cookie), 'id-1');
    assert.equal(saved.get('id-1').views, 1);
    assert.equal((await get(app, '/', cookie)).body.views, 2);
  });

  it('supports autoCommit: false with manual commit', async () => {
    const app = makeApp(encryptedSession, opts({ autoCommit: false }), async (ctx) => {
      ctx.session.views = 1;
      if (ctx.path === '/commit') await ctx.session.manuallyCommit();
      ctx.body = 'ok';
    });
    assert.equal(sessionCookie(await get(app, '/nocommit')), undefined);
    assert.ok(sessionCookie(await get(app, '/commit')));
  });
});
