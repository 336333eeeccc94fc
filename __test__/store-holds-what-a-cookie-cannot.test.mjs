// encryptedStore keeps sessions a cookie could not hold, on real Redis and PostgreSQL servers
// (.ci/run installs both): a 200 KB session round-trips; one past maxValueBytes is refused when
// saved and the stored session stays as it was; no cookie a client sends makes a 500; and the
// session id the app sees is the one the store holds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postgresStore, redisStore } from '../examples/demo/stores.mjs';
import encryptedSession, { encryptedStore } from '../index.mjs';
import { cookieValue, get, KEY, makeApp, mapStore, notInstalled, sessionCookie } from './helpers.mjs';
import { redisInstalled, startPostgres, startRedis } from './servers.mjs';

/** An app over `raw` whose `/?add=n` appends n characters to the session and `/` reads it. */
function appOver(raw, storeOpts = {}) {
  const store = encryptedStore(raw, { secretKey: KEY, ...storeOpts });
  const app = makeApp(encryptedSession, { secretKey: KEY, store }, (ctx) => {
    const add = Number(ctx.query.add ?? 0);
    if (add) ctx.session.data = (ctx.session.data ?? '') + 'x'.repeat(add);
    ctx.body = { length: ctx.session.data?.length ?? 0, sessionId: ctx.sessionId };
  });
  app.silent = true;
  return app;
}

const servers = {
  redis: {
    start: async () => (redisInstalled() ? startRedis() : undefined),
    store: (server) => redisStore(server.url, { log: () => {} }),
    close: (store) => store.redis.disconnect(),
  },
  PostgreSQL: {
    start: startPostgres,
    store: (server) => postgresStore(server.url, { log: () => {} }),
    close: (store) => store.close(),
  },
};

for (const [name, { start, store: storeOn, close }] of Object.entries(servers)) {
  describe(`encryptedStore on ${name}`, () => {
    let server;
    let raw;
    before(async () => {
      server = await start();
      if (server) raw = storeOn(server);
    });
    after(async () => {
      if (raw) await close(raw);
      server?.stop();
    });

    it('a 200 KB session round-trips', async (t) => {
      if (!server) return t.skip(notInstalled(name));
      const app = appOver(raw);
      const cookie = sessionCookie(await get(app, '/?add=200000').expect(200));
      assert.deepEqual((await get(app, '/', cookie).expect(200)).body.length, 200_000);
      assert.deepEqual((await get(app, '/?add=1000', cookie).expect(200)).body.length, 201_000);
    });

    it('a session over maxValueBytes is refused at save, and the stored one kept', async (t) => {
      if (!server) return t.skip(notInstalled(name));
      const app = appOver(raw, { maxValueBytes: 50_000 });
      const events = [];
      app.on('session:too-large', (event) => events.push(event));
      const cookie = sessionCookie(await get(app, '/?add=30000').expect(200));
      const refused = await get(app, '/?add=30000', cookie);
      assert.equal(refused.status, 500);
      assert.equal(sessionCookie(refused), undefined, 'the cookie is left as it was');
      assert.equal((await get(app, '/', cookie).expect(200)).body.length, 30_000, 'the stored session is intact');
      await new Promise(setImmediate);
      assert.equal(events.length, 1);
      assert.equal(events[0].limit, 50_000);
      assert.ok(events[0].size > 50_000, `${events[0].size}`);
    });
  });
}

describe('encryptedStore, whatever the cookie', () => {
  it('cookies of 8184 to 8192 characters, and longer, get a fresh session, not a 500', async () => {
    const app = appOver(mapStore());
    for (const length of [8184, 8185, 8190, 8191, 8192, 8193, 12_000]) {
      const res = await get(app, '/', `koa.sess=${'A'.repeat(length)}`);
      assert.equal(res.status, 200, `${length} characters`);
      assert.equal(res.body.length, 0);
    }
    for (const value of ['%', '\u00e9'.repeat(100), '"quoted"', ' ', 'v2.', 'a;b']) {
      assert.equal((await get(app, '/', `koa.sess=${encodeURIComponent(value)}`)).status, 200, value);
    }
  });

  it('ctx.sessionId equals the id the store holds', async () => {
    const app = appOver(mapStore());
    const res = await get(app, '/?add=1').expect(200);
    const cookie = sessionCookie(res);
    assert.equal(res.body.sessionId, cookieValue(cookie), 'a new session');
    assert.equal((await get(app, '/', cookie)).body.sessionId, cookieValue(cookie), 'an existing one');
  });
});
