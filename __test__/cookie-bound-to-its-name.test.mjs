// A cookie sealed for one cookie name does not open under another, with the same key: compact
// cookies are sealed under a subkey of the name, and a legacy cookie's metadata is tagged with one.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import legacySession from 'koa-encrypted-session';
import encryptedSession, { createCodec } from '../index.mjs';
import { cookieValue, get, KEY, makeApp, sessionCookie } from './helpers.mjs';

/** An app whose session cookie is called `key`; /admin marks the session as an admin's. */
function appNamed(key, format, { middleware = encryptedSession, ...options } = {}) {
  return makeApp(middleware, { secretKey: KEY, key, format, ...options }, (ctx) => {
    if (ctx.path === '/admin') ctx.session.admin = true;
    ctx.session.views = (ctx.session.views ?? 0) + 1;
    ctx.body = ctx.session.toJSON();
  });
}

describe('a cookie is bound to its name', () => {
  for (const [format, reason] of [
    ['compact', 'authentication'],
    ['legacy', 'metadata'],
  ]) {
    it(`${format}: a.sess's cookie does not open as b.sess`, async () => {
      const a = appNamed('a.sess', format);
      const b = appNamed('b.sess', format);
      const value = cookieValue(sessionCookie(await get(a, '/admin'), 'a.sess'));
      const rejected = once(b, 'session:rejected');
      const res = await get(b, '/', `b.sess=${value}`).expect(200);
      assert.deepEqual(res.body, { views: 1 });
      assert.equal((await rejected)[0].reason, reason);
      assert.equal((await get(a, '/', `a.sess=${value}`)).body.views, 2, 'it still opens under its own name');
    });
  }

  it("koa-encrypted-session's cookies carry no name: another name opens them, until acceptKoaEncryptedSession: false (SECURITY.md)", async () => {
    const theirs = appNamed('a.sess', undefined, { middleware: legacySession });
    const value = cookieValue(sessionCookie(await get(theirs, '/admin'), 'a.sess'));
    const res = await get(appNamed('b.sess', 'legacy'), '/', `b.sess=${value}`).expect(200);
    assert.deepEqual(res.body, { admin: true, views: 2 });
    const strict = appNamed('b.sess', 'legacy', { acceptKoaEncryptedSession: false });
    const rejected = once(strict, 'session:rejected');
    assert.deepEqual((await get(strict, '/', `b.sess=${value}`).expect(200)).body, { views: 1 });
    assert.ok((await rejected)[0].reason);
  });

  it('createCodec binds to its `key` option, koa.sess by default', () => {
    const cookie = createCodec({ secretKey: KEY, format: 'compact' }).encode({ a: 1 });
    assert.equal(createCodec({ secretKey: KEY, key: 'koa.sess' }).decode(cookie).a, 1);
    assert.throws(() => createCodec({ secretKey: KEY, key: 'other' }).decode(cookie), { reason: 'authentication' });
    assert.throws(() => createCodec({ secretKey: KEY, key: '' }), { code: 'ERR_OPTION_VALUE' });
  });
});
