// Logout across a fleet: app processes sharing revocations through a real Redis (started here):
// a logout, or a log-out-everywhere, on one process ends the session on the others; through a
// Redis outage live sessions keep working and a logout made meanwhile holds at once where it was
// made and everywhere once Redis is back; a process that starts while Redis is down treats
// sessions as signed out until it has loaded the revocations (it fails closed). No test asserts
// how soon anything arrives (the benchmarks measure it): they wait, with a generous timeout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApp } from './app-worker.mjs';
import { eventually, notInstalled } from './helpers.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

/** Signs in as `user` at `app`; the session cookie. */
const login = async (app, user) => (await app.request('POST', `/login?user=${user}`)).cookie;
/** Who `app` says the holder of `cookie` is. */
const whoIs = async (app, cookie) => (await app.request('GET', '/me', cookie)).body.user;

describe('logout across a fleet, on Redis', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  let redis;
  const apps = [];
  let a;
  let b;
  let c;

  before(async () => {
    redis = await startRedis();
    [a, b, c] = await Promise.all([1, 2, 3].map(() => startApp(redis.url)));
    apps.push(a, b, c);
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    redis?.stop();
  });

  it('a logout on one process ends the session on the others', async () => {
    const cookie = await login(a, 'u-1');
    assert.deepEqual(await Promise.all([a, b, c].map((app) => whoIs(app, cookie))), ['u-1', 'u-1', 'u-1']);
    await b.request('POST', '/logout', cookie);
    for (const app of [a, b, c])
      await eventually('the logout everywhere', async () => (await whoIs(app, cookie)) === null);
  });

  it('log out everywhere: every session of the user issued before, on every process', async () => {
    const [phone, laptop, other] = [await login(a, 'u-2'), await login(b, 'u-2'), await login(c, 'u-3')];
    await c.request('POST', '/revoke-user?user=u-2');
    for (const app of [a, b, c]) {
      await eventually(
        'u-2 signed out',
        async () => (await whoIs(app, phone)) === null && (await whoIs(app, laptop)) === null,
      );
      assert.equal(await whoIs(app, other), 'u-3');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await login(a, 'u-2');
    assert.deepEqual(await Promise.all([a, b, c].map((app) => whoIs(app, again))), ['u-2', 'u-2', 'u-2']);
  });

  it('through a Redis outage: sessions keep working, a logout holds at once where made and everywhere once Redis is back', async () => {
    const live = await login(a, 'u-4');
    const leaving = await login(b, 'u-5');
    await redis.kill();
    assert.deepEqual(await Promise.all([a, b, c].map((app) => whoIs(app, live))), ['u-4', 'u-4', 'u-4']);
    await a.request('POST', '/logout', leaving);
    assert.equal(await whoIs(a, leaving), null, 'at once, on the process that made it');
    await redis.restart();
    for (const app of [b, c]) await eventually('the outage’s logout', async () => (await whoIs(app, leaving)) === null);
    assert.deepEqual(await Promise.all([a, b, c].map((app) => whoIs(app, live))), ['u-4', 'u-4', 'u-4']);
  });

  it('revocations Redis loses while the fleet stays connected (evicted keys, FLUSHDB) are written back', async () => {
    const cookie = await login(a, 'u-8');
    await a.request('POST', '/logout', cookie);
    await eventually('the logout everywhere', async () => (await whoIs(c, cookie)) === null);
    const Redis = (await import('ioredis')).default;
    const admin = new Redis(redis.url).on('error', () => {});
    await admin.flushall();
    await eventually('the logout written back', async () => (await admin.exists('kss:revocations:stream')) > 0);
    admin.disconnect();
    const late = await startApp(redis.url);
    apps.push(late);
    await eventually('the late process loaded', async () => (await whoIs(late, await login(a, 'u-9'))) === 'u-9');
    assert.equal(await whoIs(late, cookie), null, 'a process started afterwards refuses the revoked cookie');
  });

  it('a process started while Redis is down fails closed until it has loaded the revocations', async () => {
    const live = await login(a, 'u-6');
    const revoked = await login(a, 'u-7');
    await a.request('POST', '/logout', revoked);
    await eventually('the logout in Redis', async () => (await whoIs(b, revoked)) === null);
    await redis.kill();
    const late = await startApp(redis.url, { serveAtOnce: true });
    apps.push(late);
    assert.equal(await whoIs(late, live), null, 'signed out while nothing is loaded');
    await redis.restart();
    await eventually('the late process loaded', async () => (await whoIs(late, live)) === 'u-6');
    // This Redis restarted empty (no persistence): the running processes write back what it lost.
    await eventually('the lost logout written back', async () => (await whoIs(late, revoked)) === null);
  });
});
