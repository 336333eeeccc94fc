// The demo's login flow, with sessions in the cookie and, when redis-server is installed, in a
// real Redis server started on a free loopback port.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../examples/demo/app.mjs';
import { redisStore } from '../examples/demo/stores.mjs';
import { cookieValue, KEY, sessionCookie } from './helpers.mjs';

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

/** A free TCP port on 127.0.0.1. */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

describe('demo: sessions in Redis', { skip: !haveRedis && 'redis-server is not installed' }, () => {
  let server;
  let store;
  let url;

  before(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    url = `redis://127.0.0.1:${port}`;
    store = redisStore(url);
    for (let i = 0; i < 50 && (await store.redis.ping().catch(() => '')) !== 'PONG'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    store?.redis.disconnect();
    server?.kill();
  });

  it('holds sealed values only, with a TTL, bound to a session id that login regenerates', async () => {
    const app = createApp({ secretKey: KEY, store });
    const agent = request.agent(app.callback());
    const before = sessionCookie(await agent.get('/').expect(200), 'demo.sid');
    const res = await login(agent).expect(200);
    const id = cookieValue(sessionCookie(res, 'demo.sid'));
    assert.notEqual(id, cookieValue(before), 'login gives a new session id');
    assert.equal(await store.redis.exists(`sess:${cookieValue(before)}`), 0, 'the old id is gone');
    const stored = await store.redis.get(`sess:${id}`);
    assert.match(stored, /^v1\.[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(stored, /alice|admin|u-1|\{/);
    const ttl = await store.redis.pttl(`sess:${id}`);
    assert.ok(ttl > 24 * 3600 * 1000 && ttl <= 24 * 3600 * 1000 + 10_000, `TTL ${ttl} ms`);
  });

  it('keeps the session across an app restart, and logout deletes it', async () => {
    const agent = request.agent(createApp({ secretKey: KEY, store }).callback());
    const id = cookieValue(sessionCookie(await login(agent).expect(200), 'demo.sid'));
    const freshStore = redisStore(url); // a new app process would have a new connection too
    try {
      const restarted = request(createApp({ secretKey: KEY, store: freshStore }).callback());
      await restarted
        .get('/me')
        .set('Cookie', `demo.sid=${id}`)
        .expect(200, { user: { name: 'alice', role: 'admin' } });
    } finally {
      freshStore.redis.disconnect();
    }
    await agent.post('/logout').expect(302);
    assert.equal(await store.redis.exists(`sess:${id}`), 0);
  });

  it('refuses a value altered in Redis', async () => {
    const agent = request.agent(createApp({ secretKey: KEY, store }).callback());
    const id = cookieValue(sessionCookie(await login(agent).expect(200), 'demo.sid'));
    const stored = await store.redis.get(`sess:${id}`);
    const flipped = `${stored.slice(0, 20)}${stored[20] === 'A' ? 'B' : 'A'}${stored.slice(21)}`;
    await store.redis.set(`sess:${id}`, flipped, 'PX', 60_000);
    await agent.get('/me').expect(401);
  });
});
