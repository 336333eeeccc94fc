// Logout that ends the session: with revocations on, a copy of the cookie taken before logout no
// longer works, "log out everywhere" ends every session of a user issued before it, one device
// can be signed out by its session id, and a request in flight during logout cannot bring the
// session back. One process here (memoryRevocations); Redis fleets in redis-logout-fleet.test.mjs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import legacySession from 'koa-encrypted-session';
import encryptedSession, { encryptedStore, memoryRevocations } from '../index.mjs';
import { get, KEY, makeApp, mapStore, sessionCookie } from './helpers.mjs';

/**
 * An app with /login?user= (regenerate, then the user id), /logout, /me, a view counter on
 * every route, and ctx.sessionId in every answer.
 */
function appWith(opts = {}) {
  const revocations = opts.revocations ?? memoryRevocations();
  const app = makeApp(encryptedSession, { secretKey: KEY, revocations, userKey: 'userId', ...opts }, async (ctx) => {
    if (ctx.path === '/login') {
      if (ctx.query.regenerate !== 'no') await ctx.session.regenerate();
      ctx.session.userId = ctx.query.user;
    } else if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = { signedOut: true };
      return;
    } else if (ctx.path === '/slow') {
      ctx.state.user = ctx.session.userId; // an auth check reads the session first, then the work takes time
      await new Promise((resolve) => setTimeout(resolve, Number(ctx.query.ms)));
    }
    ctx.session.views = (ctx.session.views ?? 0) + 1;
    ctx.body = { user: ctx.session.userId ?? null, views: ctx.session.views, sessionId: ctx.sessionId };
  });
  app.revocations = revocations;
  return app;
}

/** Signs in as `user` on `app`; the session cookie. */
const login = async (app, user, query = '') => sessionCookie(await get(app, `/login?user=${user}${query}`));

for (const format of ['legacy', 'compact']) {
  describe(`logout ends the session (${format})`, () => {
    it('a copy of the cookie taken before logout is refused, with reason revoked', async () => {
      const app = appWith({ format });
      const cookie = await login(app, 'u-1');
      const copy = sessionCookie(await get(app, '/', cookie)) ?? cookie;
      await get(app, '/logout', copy).expect(200, { signedOut: true });
      const rejected = once(app, 'session:rejected');
      assert.deepEqual((await get(app, '/', copy)).body.user, null);
      assert.equal((await rejected)[0].reason, 'revoked');
      assert.equal((await get(app, '/', cookie)).body.user, null, 'an older copy too');
    });

    it('revokeUser ends every session of that user issued before, on every device; later ones work', async () => {
      const app = appWith({ format });
      const [phone, laptop, other] = [await login(app, 'u-1'), await login(app, 'u-1'), await login(app, 'u-2')];
      await app.revocations.revokeUser('u-1');
      assert.equal((await get(app, '/', phone)).body.user, null);
      assert.equal((await get(app, '/', laptop)).body.user, null);
      assert.equal((await get(app, '/', other)).body.user, 'u-2');
      await new Promise((resolve) => setTimeout(resolve, 2)); // a later millisecond
      const again = await login(app, 'u-1');
      assert.equal((await get(app, '/', again)).body.user, 'u-1', 'a session issued afterwards works');
    });

    it('a session that becomes the user’s after revokeUser works, even without regenerate', async () => {
      const app = appWith({ format });
      const anonymous = sessionCookie(await get(app, '/'));
      await app.revocations.revokeUser('u-1');
      await new Promise((resolve) => setTimeout(resolve, 2));
      const signedIn = sessionCookie(await get(app, '/login?user=u-1&regenerate=no', anonymous));
      assert.equal((await get(app, '/', signedIn)).body.user, 'u-1');
    });

    it('one device is signed out by its ctx.sessionId; the others stay', async () => {
      const app = appWith({ format });
      const phone = await login(app, 'u-1');
      const laptop = await login(app, 'u-1');
      const { sessionId } = (await get(app, '/', phone)).body;
      assert.match(sessionId, /^[A-Za-z0-9_-]{22}$/);
      await app.revocations.revoke(sessionId);
      assert.equal((await get(app, '/', phone)).body.user, null);
      assert.equal((await get(app, '/', laptop)).body.user, 'u-1');
    });

    it('rolling keeps the session id; regenerate makes a new one and ends the old', async () => {
      const app = appWith({ format, rolling: true });
      const cookie = await login(app, 'u-1');
      const first = (await get(app, '/', cookie)).body.sessionId;
      const rolled = sessionCookie(await get(app, '/', cookie));
      assert.equal((await get(app, '/', rolled)).body.sessionId, first);
      const regenerated = sessionCookie(await get(app, '/login?user=u-1', rolled));
      assert.notEqual((await get(app, '/', regenerated)).body.sessionId, first);
      assert.equal((await get(app, '/', rolled)).body.user, null, 'the session before regenerate is over');
    });

    it('with userKey, only sessions that have a user are revoked: an anonymous client cannot fill the revocations', async () => {
      const revocations = memoryRevocations();
      const app = appWith({ format, revocations });
      const anonymous = sessionCookie(await get(app, '/'));
      await get(app, '/logout', anonymous);
      assert.equal((await get(app, '/', anonymous)).body.views, 2, 'still an anonymous session, not revoked');
      const everyone = appWith({ format, userKey: undefined });
      const cookie = sessionCookie(await get(everyone, '/'));
      await get(everyone, '/logout', cookie);
      assert.equal((await get(everyone, '/', cookie)).body.views, 1, 'without userKey every session is');
    });

    it('a request in flight during logout that then sets the cookie cannot revive the session', async () => {
      const app = appWith({ format });
      const cookie = await login(app, 'u-1');
      const inFlight = get(app, '/slow?ms=150', cookie).then((res) => res); // sent now (supertest waits for then)
      await new Promise((resolve) => setTimeout(resolve, 50));
      await get(app, '/logout', cookie).expect(200);
      const answered = await inFlight;
      assert.equal(answered.body.user, 'u-1', 'the slow request opened the session before the logout');
      const late = sessionCookie(answered);
      assert.equal(late, 'koa.sess=', 'and, finishing after it, set an empty cookie rather than seal it again');
      assert.equal((await get(app, '/', cookie)).body.user, null);
    });
  });
}

describe('logout with encryptedStore', () => {
  it('logout deletes the value, and a value written back afterwards does not revive the session', async () => {
    const raw = mapStore();
    const app = appWith({ store: encryptedStore(raw, { secretKey: KEY }) });
    const cookie = await login(app, 'u-1');
    const [key, value] = [...raw.data].at(-1);
    await get(app, '/logout', cookie).expect(200);
    assert.equal(raw.data.has(key), false);
    raw.data.set(key, value); // an in-flight request, or a restored backup
    assert.equal((await get(app, '/', cookie)).body.user, null);
    assert.equal(raw.data.get(key), undefined, 'the revoked value is deleted when next read');
  });

  it('revoke and revokeUser hold for stored sessions too', async () => {
    const raw = mapStore();
    const app = appWith({ store: encryptedStore(raw, { secretKey: KEY }) });
    const [a, b] = [await login(app, 'u-1'), await login(app, 'u-2')];
    await app.revocations.revoke((await get(app, '/', b)).body.sessionId);
    await app.revocations.revokeUser('u-1');
    assert.equal((await get(app, '/', a)).body.user, null);
    assert.equal((await get(app, '/', b)).body.user, null);
  });
});

describe('revocation options', () => {
  it("refuses maxAge 'session' without maxLifetime, a plain store, and things that are not revocations", () => {
    const revocations = memoryRevocations();
    assert.throws(() => makeApp(encryptedSession, { secretKey: KEY, revocations, maxAge: 'session' }), {
      code: 'ERR_SESSION_UNBOUNDED',
    });
    makeApp(encryptedSession, { secretKey: KEY, revocations, maxAge: 'session', maxLifetime: 3_600_000 });
    const store = { get: async () => undefined, set: async () => {}, destroy: async () => {} };
    assert.throws(() => makeApp(encryptedSession, { secretKey: KEY, revocations, store }), {
      code: 'ERR_STORE_NOT_SEALED',
    });
    for (const bad of [{}, { isRevoked: () => false }, 'redis://x']) {
      assert.throws(() => makeApp(encryptedSession, { secretKey: KEY, revocations: bad }), {
        code: 'ERR_OPTION_VALUE',
      });
    }
    assert.throws(() => makeApp(encryptedSession, { secretKey: KEY, revocations, userKey: 5 }), {
      code: 'ERR_OPTION_VALUE',
    });
  });

  it("a session switched to maxAge 'session' without maxLifetime is not sealed", async () => {
    const app = makeApp(encryptedSession, { secretKey: KEY, revocations: memoryRevocations() }, (ctx) => {
      ctx.session.maxAge = 'session';
      ctx.session.views = 1;
      ctx.body = 'ok';
    });
    app.silent = true;
    const errors = [];
    app.on('error', (err) => errors.push(err.code));
    await get(app).expect(500);
    assert.deepEqual(errors, ['ERR_SESSION_UNBOUNDED']);
  });

  it('koa-encrypted-session nodes in a mixed fleet accept a revoked legacy cookie; ours refuse it', async () => {
    const ours = appWith();
    const theirs = makeApp(legacySession, { secretKey: KEY }, (ctx) => {
      ctx.body = { user: ctx.session.userId ?? null };
    });
    const cookie = await login(ours, 'u-1');
    await get(ours, '/logout', cookie);
    assert.equal((await get(theirs, '/', cookie)).body.user, 'u-1', 'documented: they check no revocations');
    assert.equal((await get(ours, '/', cookie)).body.user, null);
  });
});
