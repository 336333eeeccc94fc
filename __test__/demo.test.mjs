// The demo's login flow, with sessions in the cookie and in real Redis and PostgreSQL servers
// started on free loopback ports (.ci/run installs both).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../examples/demo/app.mjs';
import { postgresStore, redisStore } from '../examples/demo/stores.mjs';
import { cookieValue, KEY, notInstalled, sessionCookie } from './helpers.mjs';
import { startPostgres, startRedis } from './servers.mjs';

const login = (agent, password = 'wonderland') => agent.post('/login').send({ username: 'alice', password });

describe('demo: cookie sessions', () => {
  const app = createApp({ secretKey: KEY });

  it('shows the form signed out, and /me answers 401', async () => {
    const agent = request.agent(app.callback());
    const home = await agent.get('/').expect(200);
    assert.match(home.text, /<form method="post" action="\/login">/);
    await agent.get('/me').expect(401, { user: null });
    await agent.get('/dashboard').expect(401);
  });

  it('refuses a wrong password or user with one generic message', async () => {
    const agent = request.agent(app.callback());
    const wrong = await login(agent, 'nope').expect(401);
    const unknown = await agent.post('/login').send({ username: 'bob', password: 'wonderland' }).expect(401);
    assert.deepEqual(wrong.body, { error: 'Invalid username or password.' });
    assert.deepEqual(unknown.body, wrong.body);
    await agent.get('/me').expect(401);
  });

  it('signs in (form and JSON), keeps only id and role in the session, and signs out', async () => {
    const agent = request.agent(app.callback());
    await agent.post('/login').type('form').send({ username: 'alice', password: 'wonderland' }).expect(302);
    await agent.get('/me').expect(200, { user: { name: 'alice', role: 'admin' } });
    const dashboard = await agent.get('/dashboard').expect(200);
    assert.match(dashboard.text, /Signed in as alice/);
    await agent.post('/logout').expect(302);
    await agent.get('/me').expect(401);

    const res = await login(request(app.callback())).expect(200);
    const cookie = sessionCookie(res, 'demo.sid');
    assert.match(cookieValue(cookie), /^v1\./);
    assert.doesNotMatch(cookieValue(cookie), /alice|admin/);
  });
});

describe('demo: behind an HTTPS proxy', () => {
  it('marks the cookie Secure, httpOnly and SameSite=Lax', async () => {
    const app = createApp({ secretKey: KEY, secure: true });
    const res = await login(request(app.callback())).set('X-Forwarded-Proto', 'https').expect(200);
    const line = res.headers['set-cookie'].find((l) => l.startsWith('demo.sid='));
    assert.match(line, /; secure/);
    assert.match(line, /; samesite=lax/);
    assert.match(line, /; httponly/);
  });
});

/**
 * The external stores the demo supports, each with raw access to what its server holds.
 * `open` starts the server and returns `{ store(), raw: { get, set, exists, ttl }, stop }`.
 */
const BACKENDS = {
  Redis: async () => {
    const server = await startRedis();
    if (!server) return undefined;
    const stores = [];
    const store = () => {
      const s = redisStore(server.url);
      stores.push(s);
      return s;
    };
    const admin = store().redis;
    return {
      store,
      raw: {
        get: (id) => admin.get(`sess:${id}`),
        set: (id, value) => admin.set(`sess:${id}`, value, 'PX', 60_000),
        exists: async (id) => (await admin.exists(`sess:${id}`)) === 1,
        ttl: (id) => admin.pttl(`sess:${id}`),
      },
      stop: () => {
        for (const s of stores) s.redis.disconnect();
        server.stop();
      },
    };
  },
  PostgreSQL: async () => {
    const server = await startPostgres();
    if (!server) return undefined;
    const stores = [];
    const store = () => {
      const s = postgresStore(server.url);
      stores.push(s);
      return s;
    };
    const admin = store();
    await admin.get('warm-up'); // creates the table
    const row = async (id) =>
      (await admin.pool.query('SELECT value, expires_at FROM koa_sessions WHERE id = $1', [id])).rows[0];
    return {
      store,
      raw: {
        get: async (id) => (await row(id))?.value,
        set: (id, value) => admin.pool.query('UPDATE koa_sessions SET value = $2 WHERE id = $1', [id, value]),
        exists: async (id) => (await row(id)) !== undefined,
        ttl: async (id) => new Date((await row(id)).expires_at).getTime() - Date.now(),
      },
      stop: async () => {
        await Promise.all(stores.map((s) => s.close()));
        server.stop();
      },
    };
  },
};

for (const [name, open] of Object.entries(BACKENDS)) {
  describe(`demo: sessions in ${name}`, () => {
    let backend;
    before(async () => {
      backend = await open();
    });
    after(() => backend?.stop());

    it('holds sealed values only, with an expiry, bound to a session id that login regenerates', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const agent = request.agent(createApp({ secretKey: KEY, store: backend.store() }).callback());
      const first = sessionCookie(await agent.get('/').expect(200), 'demo.sid');
      const id = cookieValue(sessionCookie(await login(agent).expect(200), 'demo.sid'));
      assert.notEqual(id, cookieValue(first), 'login gives a new session id');
      assert.equal(await backend.raw.exists(cookieValue(first)), false, 'the old id is gone');
      const stored = await backend.raw.get(id);
      assert.match(stored, /^v1\.[A-Za-z0-9_-]+$/);
      assert.doesNotMatch(stored, /alice|admin|u-1|\{/);
      const ttl = await backend.raw.ttl(id);
      assert.ok(ttl > 24 * 3600 * 1000 && ttl <= 24 * 3600 * 1000 + 10_000, `expires in ${ttl} ms`);
    });

    it('keeps the session across an app restart, and logout deletes it', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const agent = request.agent(createApp({ secretKey: KEY, store: backend.store() }).callback());
      const id = cookieValue(sessionCookie(await login(agent).expect(200), 'demo.sid'));
      const restarted = request(createApp({ secretKey: KEY, store: backend.store() }).callback());
      await restarted
        .get('/me')
        .set('Cookie', `demo.sid=${id}`)
        .expect(200, { user: { name: 'alice', role: 'admin' } });
      await agent.post('/logout').expect(302);
      assert.equal(await backend.raw.exists(id), false);
    });

    it('refuses a value altered in the store', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const agent = request.agent(createApp({ secretKey: KEY, store: backend.store() }).callback());
      const id = cookieValue(sessionCookie(await login(agent).expect(200), 'demo.sid'));
      const stored = await backend.raw.get(id);
      await backend.raw.set(id, `${stored.slice(0, 20)}${stored[20] === 'A' ? 'B' : 'A'}${stored.slice(21)}`);
      await agent.get('/me').expect(401);
    });
  });
}
