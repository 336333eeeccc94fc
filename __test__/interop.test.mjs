// Cookies cross between koa-encrypted-session 3.0.7 and this package, both ways, over HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import legacySession from 'koa-encrypted-session';
import encryptedSession from '../index.mjs';
import { cookieValue, get, KEY, makeApp, SALT, SECRET, sessionCookie } from './helpers.mjs';

const TRICKY = { text: 'a;b%c=d+e/f é ü 中文 🎉', nested: { list: [1, '%3B', null] } };

/** Stores TRICKY in the session, then counts views. */
async function storeTricky(ctx) {
  Object.assign(ctx.session, TRICKY);
  ctx.session.views = (ctx.session.views ?? 0) + 1;
  ctx.body = ctx.session.toJSON();
}

const keyings = {
  secretKey: { secretKey: KEY },
  'secret and salt': { secret: SECRET, salt: SALT },
};

for (const [name, keying] of Object.entries(keyings)) {
  describe(`interop with koa-encrypted-session 3.0.7 (${name})`, () => {
    const theirs = makeApp(legacySession, { ...keying }, storeTricky);
    const ours = makeApp(encryptedSession, { ...keying }, storeTricky);

    it('opens cookies koa-encrypted-session wrote', async () => {
      const first = await get(theirs);
      const cookie = sessionCookie(first);
      assert.ok(cookie, 'koa-encrypted-session set a cookie');
      const second = await get(ours, '/', cookie).expect(200);
      assert.equal(second.body.views, 2);
      assert.deepEqual(second.body.nested, TRICKY.nested);
      assert.equal(second.body.text, TRICKY.text);
    });

    it('writes cookies koa-encrypted-session opens', async () => {
      const first = await get(ours);
      const cookie = sessionCookie(first);
      const second = await get(theirs, '/', cookie).expect(200);
      assert.equal(second.body.views, 2);
      assert.equal(second.body.text, TRICKY.text);
    });

    it('survives a rolling deploy: ours, theirs, ours again', async () => {
      let cookie = sessionCookie(await get(ours));
      for (const app of [theirs, ours, theirs, ours]) {
        const res = await get(app, '/', cookie).expect(200);
        cookie = sessionCookie(res);
      }
      const last = await get(ours, '/', cookie).expect(200);
      assert.equal(last.body.views, 6);
    });

    it('writes the same shape as koa-encrypted-session', async () => {
      const pattern = /^(?:[A-Za-z0-9]|%2B|%2F|%3D)+%3B(?:[A-Za-z0-9]|%2B|%2F)+$/;
      assert.match(cookieValue(sessionCookie(await get(theirs))), pattern);
      assert.match(cookieValue(sessionCookie(await get(ours))), pattern);
    });
  });
}
