// What a security review tried against logout, each a regression test: requests in flight for
// longer than any margin, "remember me" cookies, cookies that never expire, a store session
// replaced after logout, a logout while the revocations are not loaded, a logout before the
// middleware, user changes in store mode, expired store sessions.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import legacySession from 'koa-encrypted-session';
import encryptedSession, { encryptedStore, memoryRevocations, redisRevocations } from '../index.mjs';
import { get, KEY, makeApp, mapStore, sessionCookie } from './helpers.mjs';
import { freePort } from './servers.mjs';

const DAY = 24 * 3600 * 1000;
const realNow = Date.now;
/** Moves this process's clock `ms` ahead (koa-session, the codec and the revocations all read it). */
const advance = (ms) => {
  const before = Date.now;
  Date.now = () => before() + ms;
};
after(() => {
  Date.now = realNow;
});

/** An app with /login?user=&maxAge=, /logout, /slow?ms= and / answering { user, id }. */
function appWith(opts = {}) {
  const app = makeApp(
    encryptedSession,
    { secretKey: KEY, revocations: memoryRevocations(), userKey: 'userId', ...opts },
    async (ctx) => {
      if (ctx.path === '/login') {
        await ctx.session.regenerate();
        ctx.session.userId = ctx.query.user;
        if (ctx.query.maxAge)
          ctx.session.maxAge = ctx.query.maxAge === 'session' ? 'session' : Number(ctx.query.maxAge);
      } else if (ctx.path === '/logout') {
        ctx.session = null;
        ctx.body = {};
        return;
      } else if (ctx.path === '/slow') {
        ctx.session.touched = Date.now(); // the session changes, so it is sealed again
        await new Promise((resolve) => setTimeout(resolve, Number(ctx.query.ms)));
      }
      ctx.body = { user: ctx.session.userId ?? null, id: ctx.sessionId };
    },
  );
  app.silent = true;
  return app;
}

describe('logout holds under attack', () => {
  for (const mode of ['cookie', 'store']) {
    it(`${mode}: a request in flight during logout, however long, seals nothing afterwards`, async () => {
      const raw = mapStore();
      const app = appWith(mode === 'store' ? { store: encryptedStore(raw, { secretKey: KEY }) } : {});
      const cookie = sessionCookie(await get(app, '/login?user=alice'));
      const slow = get(app, '/slow?ms=150', cookie).then((res) => res); // sent now (supertest waits for then)
      await new Promise((resolve) => setTimeout(resolve, 50));
      await get(app, '/logout', cookie);
      const late = await slow;
      assert.equal(late.body.user, 'alice', 'the slow request opened the session before the logout');
      if (mode === 'cookie') assert.equal(sessionCookie(late), 'koa.sess=', 'an empty cookie, no sealed session');
      else assert.equal(raw.data.size, 0, 'nothing written back to the store');
      advance(DAY + 5 * 60_000); // long after the revocation itself is gone
      assert.equal((await get(app, '/', sessionCookie(late) ?? cookie)).body.user, null);
      Date.now = realNow;
    });
  }

  it("a session's own maxAge above the middleware's (remember me) is refused unless maxLifetime bounds it", async () => {
    const errors = [];
    const app = appWith({ maxAge: DAY });
    app.on('error', (err) => errors.push(err.code));
    await get(app, `/login?user=alice&maxAge=${30 * DAY}`).expect(500);
    assert.deepEqual(errors, ['ERR_SESSION_UNBOUNDED']);

    const bounded = appWith({ maxAge: DAY, maxLifetime: 60 * DAY });
    const cookie = sessionCookie(await get(bounded, `/login?user=alice&maxAge=${30 * DAY}`).expect(200));
    await get(bounded, '/logout', cookie);
    advance(DAY + 5 * 60_000);
    assert.equal((await get(bounded, '/', cookie)).body.user, null, 'the revocation outlasts the 30-day cookie');
    Date.now = realNow;
  });

  it("a session switched to maxAge 'session' in store mode is refused too", async () => {
    const errors = [];
    const app = appWith({ store: encryptedStore(mapStore(), { secretKey: KEY }) });
    app.on('error', (err) => errors.push(err.code));
    await get(app, '/login?user=alice&maxAge=session').expect(500);
    assert.deepEqual(errors, ['ERR_SESSION_UNBOUNDED']);
  });

  it('a cookie that never expires (from before revocations, or koa-encrypted-session) is refused: it could not be revoked for good', async () => {
    const theirs = makeApp(legacySession, { secretKey: KEY, maxAge: 'session' }, (ctx) => {
      ctx.session.userId = 'alice';
      ctx.body = 'ok';
    });
    const forever = sessionCookie(await get(theirs));
    const app = appWith();
    const rejected = new Promise((resolve) => app.once('session:rejected', ({ reason }) => resolve(reason)));
    assert.equal((await get(app, '/', forever)).body.user, null);
    assert.equal(await rejected, 'unbounded');
  });

  it('store: a new session object after logout is kept under a new id, never the one a copy of the cookie carries', async () => {
    const raw = mapStore();
    const app = makeApp(
      encryptedSession,
      {
        secretKey: KEY,
        revocations: memoryRevocations(),
        userKey: 'userId',
        store: encryptedStore(raw, { secretKey: KEY }),
      },
      (ctx) => {
        if (ctx.path === '/login') ctx.session.userId = 'alice';
        if (ctx.path === '/logout') {
          ctx.session = null;
          ctx.session = { flash: 'signed out' };
        }
        ctx.body = { user: ctx.session.userId ?? null, flash: ctx.session.flash ?? null };
      },
    );
    const stolen = sessionCookie(await get(app, '/login'));
    const fresh = sessionCookie(await get(app, '/logout', stolen));
    assert.notEqual(fresh, stolen, 'a new id');
    assert.deepEqual((await get(app, '/', fresh)).body, { user: null, flash: 'signed out' }, 'the new object is kept');
    assert.deepEqual((await get(app, '/', stolen)).body, { user: null, flash: null });
    assert.equal(raw.data.size, 1, 'only the new session is stored');
    const signedInAgain = sessionCookie(await get(app, '/login', stolen));
    assert.notEqual(signedInAgain, stolen, 'a new id');
    assert.deepEqual((await get(app, '/', stolen)).body, { user: null, flash: null });
  });

  for (const [pattern, replace] of [
    [
      'ended twice, replaced twice',
      (ctx) => {
        ctx.session = null;
        ctx.session = { flash: 'signed out' };
        ctx.session = null;
        ctx.session = { flash: 'signed out' };
      },
    ],
    [
      'replaced by an equal object (the id rotated, the data kept)',
      (ctx) => {
        const kept = { ...ctx.session.toJSON() };
        ctx.session = null;
        ctx.session = kept;
      },
    ],
    [
      'replaced, then ended again',
      (ctx) => {
        ctx.session = null;
        ctx.session = { flash: 'signed out' };
        ctx.session = null;
      },
    ],
  ]) {
    for (const revocations of [undefined, memoryRevocations()]) {
      it(`store, ${pattern}, revocations ${revocations ? 'on' : 'off'}: the ended session's value goes, a copy of its cookie opens nothing`, async () => {
        const raw = mapStore();
        const app = makeApp(
          encryptedSession,
          { secretKey: KEY, revocations, store: encryptedStore(raw, { secretKey: KEY }) },
          (ctx) => {
            if (ctx.path === '/login') ctx.session.userId = 'alice';
            if (ctx.path === '/logout') replace(ctx);
            ctx.body = { user: ctx.session?.userId ?? null };
          },
        );
        const stolen = sessionCookie(await get(app, '/login'));
        const out = await get(app, '/logout', stolen);
        const fresh = sessionCookie(out);
        assert.notEqual(fresh, stolen, 'the browser gets another id, or none');
        assert.equal(raw.data.size, pattern.startsWith('replaced, then ended') ? 0 : 1, 'only a new session is stored');
        if (pattern.includes('equal object'))
          assert.equal((await get(app, '/', fresh)).body.user, 'alice', 'its data kept');
        assert.deepEqual((await get(app, '/', stolen)).body, { user: null });
      });
    }
  }

  it('cookie, replaced by an equal object: a new cookie is set, so the browser does not keep the ended one', async () => {
    const revocations = memoryRevocations();
    const app = makeApp(encryptedSession, { secretKey: KEY, revocations }, (ctx) => {
      if (ctx.path === '/login') ctx.session.userId = 'alice';
      if (ctx.path === '/rotate') {
        const kept = { ...ctx.session.toJSON() };
        ctx.session = null;
        ctx.session = kept;
      }
      ctx.body = { user: ctx.session.userId ?? null, id: ctx.sessionId };
    });
    const before = await get(app, '/login');
    const rotated = await get(app, '/rotate', sessionCookie(before));
    assert.notEqual(rotated.body.id, before.body.id);
    const after = await get(app, '/', sessionCookie(rotated));
    assert.deepEqual(after.body, { user: 'alice', id: rotated.body.id }, 'the browser holds the new session');
    assert.equal((await get(app, '/', sessionCookie(before))).body.user, null, 'the ended one is revoked');
  });

  it('a logout on a process whose revocations are not loaded still revokes the session', async () => {
    const loaded = memoryRevocations();
    const maker = appWith({ revocations: loaded });
    const cookie = sessionCookie(await get(maker, '/login?user=alice'));
    const { id } = (await get(maker, '/', cookie)).body;
    const unreachable = redisRevocations({ url: `redis://127.0.0.1:${await freePort()}`, closeTimeout: 50 });
    try {
      assert.equal(unreachable.loaded, false);
      const app = appWith({ revocations: unreachable });
      await get(app, '/logout', cookie);
      assert.equal(unreachable.isRevoked(id), true);
    } finally {
      await unreachable.close().catch(() => {});
    }
  });

  it('ctx.session = null before the middleware revokes for as long as the cookie lasts', async () => {
    const revocations = memoryRevocations();
    const app = new (await import('koa')).default();
    app.use(async (ctx, next) => {
      if (ctx.path === '/logout') ctx.session = null;
      await next();
    });
    app.use(encryptedSession({ secretKey: KEY, revocations, userKey: 'userId', maxAge: 7 * DAY }, app));
    app.use((ctx) => {
      if (ctx.path === '/login') ctx.session.userId = 'alice';
      ctx.body = { user: ctx.session?.userId ?? null };
    });
    const cookie = sessionCookie(await get(app, '/login'));
    await get(app, '/logout', cookie);
    advance(DAY + 5 * 60_000);
    assert.equal((await get(app, '/', cookie)).body.user, null, 'still revoked after a day, the cookie lasting seven');
    Date.now = realNow;
  });

  it('store: a session that becomes the user’s after revokeUser works, without regenerate', async () => {
    const revocations = memoryRevocations();
    const app = makeApp(
      encryptedSession,
      { secretKey: KEY, revocations, userKey: 'userId', store: encryptedStore(mapStore(), { secretKey: KEY }) },
      (ctx) => {
        if (ctx.path === '/login') ctx.session.userId = 'alice';
        ctx.session.views = (ctx.session.views ?? 0) + 1;
        ctx.body = { user: ctx.session.userId ?? null };
      },
    );
    const anonymous = sessionCookie(await get(app, '/'));
    await revocations.revokeUser('alice');
    await new Promise((resolve) => setTimeout(resolve, 2));
    await get(app, '/login', anonymous);
    assert.equal((await get(app, '/', anonymous)).body.user, 'alice');
  });

  it('store: an expired session’s id and issue time do not pass to the fresh one', async () => {
    const app = appWith({ store: encryptedStore(mapStore(), { secretKey: KEY }), maxAge: 60_000 });
    const cookie = sessionCookie(await get(app, '/login?user=alice'));
    const { id } = (await get(app, '/', cookie)).body;
    advance(61_000); // expired, though the store keeps the value 10 s longer
    const fresh = (await get(app, '/', cookie)).body;
    Date.now = realNow;
    assert.equal(fresh.user, null);
    assert.notEqual(fresh.id, id);
  });
});
