// A session that would make a cookie browsers drop is refused loudly, not lost silently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import encryptedSession from '../index.mjs';
import { get, KEY, makeApp, sessionCookie } from './helpers.mjs';

/** An app that stores `size` characters in the session, and reports errors as JSON. */
function appStoring(opts) {
  const app = makeApp(encryptedSession, { secretKey: KEY, ...opts }, (ctx) => {
    ctx.session.blob = 'x'.repeat(Number(ctx.query.size));
    ctx.body = 'ok';
  });
  app.silent = true;
  return app;
}

describe('cookie size guard', () => {
  it('sets cookies up to the limit, name and attributes included', async () => {
    const app = appStoring({});
    const res = await get(app, '/?size=2500').expect(200);
    const line = res.headers['set-cookie'][0];
    assert.ok(line.length <= 4096, `${line.length} bytes`);
  });

  it('throws ERR_SESSION_TOO_LARGE past 4096 bytes and emits session:too-large', async () => {
    const app = appStoring({});
    const errors = [];
    app.on('error', (err) => errors.push(err));
    // Not events.once: it would reject on the 'error' event Koa emits for the 500 first.
    const event = new Promise((resolve) => app.on('session:too-large', (data) => resolve([data])));
    const res = await get(app, '/?size=3000');
    assert.equal(res.status, 500);
    assert.equal(sessionCookie(res), undefined, 'no oversized cookie was sent');
    const [{ ctx, size, limit }] = await event;
    assert.equal(limit, 4096);
    assert.ok(size > 4096);
    assert.equal(ctx.path, '/');
    assert.equal(errors[0].code, 'ERR_SESSION_TOO_LARGE');
    assert.match(errors[0].message, new RegExp(`would be ${size} bytes .* over the 4096-byte limit`));
  });

  it('a session too long for the codec to write at all is refused the same way', async () => {
    const app = appStoring({});
    const event = new Promise((resolve) => app.on('session:too-large', resolve));
    const errors = [];
    app.on('error', (err) => errors.push(err));
    assert.equal((await get(app, '/?size=20000')).status, 500);
    const { size, limit } = await event;
    assert.equal(limit, 4096);
    assert.ok(size > 20_000, `${size}`);
    assert.match(errors[0].message, /over the 4096-byte limit \(maxCookieBytes\)/);
  });

  it('honours maxCookieBytes', async () => {
    const app = appStoring({ maxCookieBytes: 1000 });
    await get(app, '/?size=400').expect(200);
    await get(app, '/?size=900').expect(500);
  });

  it('counts every attribute the cookies module writes, priority and partitioned included', async () => {
    const full = { domain: 'example.com', path: '/app', sameSite: 'none', priority: 'high', partitioned: true };
    const app = makeApp(encryptedSession, { secretKey: KEY, format: 'compact', secure: false, ...full }, (ctx) => {
      ctx.session.blob = 'x'.repeat(Number(ctx.query.size));
      ctx.body = 'ok';
    });
    app.silent = true;
    for (let size = 2800; size < 3200; size++) {
      const res = await get(app, `/app?size=${size}`);
      if (res.status !== 200) {
        assert.equal(res.status, 500, 'refused, not dropped');
        return;
      }
      // What a browser holds against its limit: the line with the Secure attribute HTTPS adds.
      const line = `${res.headers['set-cookie'][0]}; secure`;
      assert.match(line, /priority=high.*partitioned/);
      assert.ok(line.length <= 4096, `a ${line.length}-byte cookie was set`);
    }
    assert.fail('a session that large should have been refused');
  });

  it('refuses a bad maxCookieBytes', () => {
    const app = makeApp(() => async () => {}, {});
    for (const maxCookieBytes of [0, -1, 1.5, '4096', 8193]) {
      assert.throws(() => encryptedSession({ secretKey: KEY, maxCookieBytes }, app), { code: 'ERR_OPTION_VALUE' });
    }
  });
});
