// koa-redis, the Redis store koa-session's users reach for, wrapped with encryptedStore, on a real
// redis-server started for the test (.ci/run installs it): Redis holds ciphertext only, with a TTL
// that follows maxAge; logout deletes it; a restarted app keeps the session. And the one thing
// koa-redis 4.0.1 cannot do, with or without encryptedStore: `maxAge: 'session'`.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Redis from 'ioredis';
import koaRedis from 'koa-redis';
import session from 'koa-session';
import encryptedSession, { encryptedStore } from '../index.mjs';
import { aliceUntilLogout, cookieValue, get, KEY, makeApp, notInstalled, sessionCookie } from './helpers.mjs';
import { startRedis } from './servers.mjs';

const HOUR = 3600 * 1000;

describe('koa-redis wrapped with encryptedStore', () => {
  let server;
  let admin;
  const clients = [];
  before(async () => {
    server = await startRedis();
    if (server) admin = new Redis(server.url);
  });
  beforeEach(() => admin?.flushall());
  after(() => {
    for (const client of [admin, ...clients]) client?.disconnect();
    server?.stop();
  });

  /** A fresh koa-redis store on the test's server, as a newly started app would make one. */
  function store() {
    const redisStore = koaRedis({ url: server.url });
    clients.push(redisStore.client);
    return redisStore;
  }

  /** An app counting views of a session that also names its user; `/logout` ends it. */
  function app(raw, opts = {}) {
    const app = makeApp(encryptedSession, { secretKey: KEY, maxAge: HOUR, ...opts, store: raw }, aliceUntilLogout);
    app.silent = true;
    return app;
  }
  const sealed = () => encryptedStore(store(), { secretKey: KEY });

  /** The one key Redis holds, and its value. */
  async function onlyEntry() {
    const keys = await admin.keys('*');
    assert.equal(keys.length, 1, `Redis holds ${keys.join(', ')}`);
    return { key: keys[0], value: await admin.get(keys[0]) };
  }

  it('holds ciphertext only, with a TTL that follows maxAge', async (t) => {
    if (!server) return t.skip(notInstalled('redis-server'));
    await get(app(sealed()), '/').expect(200, { user: 'alice', views: 1 });
    const { key, value } = await onlyEntry();
    // koa-redis stores JSON.stringify of what it is given: here the sealed string.
    assert.match(JSON.parse(value), /^v\d+\.[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(value, /alice|views/);
    // koa-session gives a store maxAge + 10 s; koa-redis rounds it up to whole seconds.
    const ttl = await admin.pttl(key);
    assert.ok(ttl > HOUR && ttl <= HOUR + 10_000, `expires in ${ttl} ms`);
  });

  it('keeps the session across a restart, and logout deletes it', async (t) => {
    if (!server) return t.skip(notInstalled('redis-server'));
    const cookie = sessionCookie(await get(app(sealed()), '/').expect(200));
    const restarted = app(sealed()); // a new app with a new Redis connection, the same key
    const again = await get(restarted, '/', cookie).expect(200, { user: 'alice', views: 2 });
    assert.equal(sessionCookie(again), cookie, 'the same session id');
    await get(restarted, '/logout', cookie).expect(200);
    assert.deepEqual(await admin.keys('*'), []);
    await get(restarted, '/', cookie).expect(200, { user: 'alice', views: 1 });
  });

  it('reads a value altered in Redis as a missing session', async (t) => {
    if (!server) return t.skip(notInstalled('redis-server'));
    const cookie = sessionCookie(await get(app(sealed()), '/').expect(200));
    const { key, value } = await onlyEntry();
    const text = JSON.parse(value);
    const at = Math.floor(text.length / 2);
    await admin.set(key, JSON.stringify(`${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`));
    const res = await get(app(sealed()), '/', cookie).expect(200, { user: 'alice', views: 1 });
    assert.notEqual(cookieValue(sessionCookie(res)), cookieValue(cookie), 'a fresh session id');
  });

  it("fails on maxAge: 'session', wrapped or not: koa-redis sends SETEX with the TTL 'session'", async (t) => {
    if (!server) return t.skip(notInstalled('redis-server'));
    for (const [name, raw, middleware] of [
      ['encryptedStore(koaRedis())', sealed(), encryptedSession],
      ['koaRedis() with plain koa-session', store(), session],
    ]) {
      const target = makeApp(middleware, { secretKey: KEY, maxAge: 'session', store: raw, signed: false });
      target.silent = true;
      const errors = [];
      target.on('error', (err) => errors.push(err.message));
      await get(target, '/').expect(500);
      assert.deepEqual(errors, ['ERR value is not an integer or out of range'], name);
    }
    assert.deepEqual(await admin.keys('*'), []);
  });
});
