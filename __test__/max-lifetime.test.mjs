// maxLifetime bounds a session's age from the issue time sealed in its metadata, which the app
// can neither read nor write through ctx.session, and fails closed when that time is missing.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import legacySession from 'koa-encrypted-session';
import encryptedSession, { createCodec, generateKey } from '../index.mjs';
import native from '../native/binding.cjs';
import { get, KEY, makeApp, sessionCookie } from './helpers.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A legacy cookie for `{ views }` sealed by another server whose clock reads `offset` ms ahead of
 * this one: its token says it was issued then.
 */
function sealedAhead(offset, views) {
  const ring = native.createCookieKeyring([KEY], 'koa.sess', false, native.MAX_COOKIE_CHARS, 0);
  const issued = (Date.now() + offset).toString(36).padStart(native.TOKEN_TIME_CHARS, '0');
  const token = `${'A'.repeat(native.SESSION_ID_CHARS)}${issued}${'0'.repeat(native.TOKEN_TIME_CHARS)}`;
  const json = JSON.stringify({ views, _expire: Date.now() + 60_000, _maxAge: 60_000 });
  return `koa.sess=${ring.seal(token, json).slice(native.TOKEN_CHARS)}`;
}

/** An app that copies the query into the session, as apps with a mass-assignment bug do. */
function massAssigning(opts) {
  return makeApp(encryptedSession, { secretKey: KEY, ...opts }, (ctx) => {
    Object.assign(ctx.session, ctx.query);
    ctx.session.views = (ctx.session.views ?? 0) + 1;
    ctx.body = ctx.session.toJSON();
  });
}

/** The reason of the next session:rejected on `app`. */
const nextRejection = async (app) => (await once(app, 'session:rejected'))[0].reason;

describe('maxLifetime', () => {
  for (const format of ['legacy', 'compact']) {
    it(`${format}: ends a maxAge 'session' session once older than maxLifetime, even while in use`, async () => {
      const app = makeApp(encryptedSession, { secretKey: KEY, format, maxAge: 'session', maxLifetime: 300 });
      let cookie = sessionCookie(await get(app));
      for (let i = 2; i <= 3; i++) {
        const res = await get(app, '/', cookie);
        assert.equal(res.body.views, i, 'rolling forward keeps the session');
        cookie = sessionCookie(res);
      }
      await sleep(350);
      const rejected = nextRejection(app);
      assert.equal((await get(app, '/', cookie)).body.views, 1);
      assert.equal(await rejected, 'lifetime');
    });
  }

  it('keeps the metadata out of ctx.session', async () => {
    for (const format of ['legacy', 'compact']) {
      const app = makeApp(encryptedSession, { secretKey: KEY, format, maxLifetime: 60_000 });
      const cookie = sessionCookie(await get(app));
      const { body } = await get(app, '/', cookie);
      assert.deepEqual(Object.keys(body).sort(), ['views']);
    }
  });

  for (const [name, value] of [
    ['never', 'never'],
    ['a far-future number', String(Date.now() + 1e12)],
    ['empty', ''],
  ]) {
    it(`a mass-assigned _iat (${name}) changes nothing`, async () => {
      const app = massAssigning({ maxLifetime: 300 });
      let cookie = sessionCookie(await get(app));
      cookie = sessionCookie(await get(app, `/?_iat=${encodeURIComponent(value)}`, cookie));
      await sleep(350);
      const rejected = nextRejection(app);
      assert.equal((await get(app, `/?_iat=${encodeURIComponent(value)}`, cookie)).body.views, 1);
      assert.equal(await rejected, 'lifetime');
    });
  }

  for (const format of ['legacy', 'compact']) {
    it(`${format}: a mass-assigned $kss (where legacy cookies keep the metadata) changes nothing`, async () => {
      const app = massAssigning({ maxLifetime: 300, format });
      const forged = `AAAAAAAAAAAAAAAAAAAAAA${(Date.now() + 1e9).toString(36)}000000000AAAAAAAAAAAAAAAAAAAAAA`;
      let cookie = sessionCookie(await get(app));
      const res = await get(app, `/?$kss=${forged}`, cookie).expect(200);
      assert.equal(res.body.$kss, forged, 'the app keeps its own field');
      cookie = sessionCookie(res);
      assert.equal((await get(app, '/', cookie)).body.views, 3);
      await sleep(350);
      assert.equal((await get(app, '/', cookie)).body.views, 1);
    });
  }

  it('refuses, and never restamps, an old cookie that carries no issue time', async () => {
    const theirs = makeApp(legacySession, { secretKey: KEY });
    const old = sessionCookie(await get(theirs)); // koa-encrypted-session seals no metadata
    const app = makeApp(encryptedSession, { secretKey: KEY, maxLifetime: 60_000 });
    const rejected = nextRejection(app);
    const res = await get(app, '/', old);
    assert.equal(res.body.views, 1, 'a fresh session');
    assert.equal(await rejected, 'lifetime');
  });

  it('assumeIssuedAt counts sessions without an issue time from that instant, not from when first seen', async () => {
    const theirs = makeApp(legacySession, { secretKey: KEY });
    const old = sessionCookie(await get(theirs));
    const app = makeApp(encryptedSession, { secretKey: KEY, maxLifetime: 400, assumeIssuedAt: new Date() });
    const resealed = sessionCookie(await get(app, '/', old));
    assert.equal((await get(app, '/', resealed)).body.views, 3, 'admitted, counted from the deploy instant');
    await sleep(450);
    assert.equal((await get(app, '/', resealed)).body.views, 1, 'the re-sealed cookie kept that issue time');
    assert.equal((await get(app, '/', old)).body.views, 1);
  });

  it('refuses a session issued ahead of this clock by more than the skew allowance', async () => {
    const app = makeApp(encryptedSession, { secretKey: KEY, maxLifetime: 60_000 });
    const rejected = nextRejection(app);
    assert.equal((await get(app, '/', sealedAhead(60_000, 1))).body.views, 1, 'a minute ahead: a fresh session');
    assert.equal(await rejected, 'lifetime');
    assert.equal((await get(app, '/', sealedAhead(2_000, 1))).body.views, 2, 'a few seconds of skew pass');
  });

  it('key rotation re-seals without extending the lifetime', async () => {
    const oldKey = generateKey();
    const before = makeApp(encryptedSession, { secretKey: oldKey, maxLifetime: 400 });
    const after = makeApp(encryptedSession, { secretKey: [generateKey(), oldKey], maxLifetime: 400 });
    const cookie = sessionCookie(await get(before));
    await sleep(200);
    const resealed = sessionCookie(await get(after, '/', cookie));
    assert.ok(resealed);
    await sleep(250);
    assert.equal((await get(after, '/', resealed)).body.views, 1);
  });

  it('createCodec enforces it, and keeps a decoded session’s issue time', async () => {
    const codec = createCodec({ secretKey: KEY, maxLifetime: 300 });
    const first = codec.encode({ a: 1 });
    await sleep(200);
    const again = codec.encode(codec.decode(first));
    await sleep(150);
    assert.throws(() => codec.decode(again), { reason: 'lifetime', code: 'ERR_COOKIE_LIFETIME' });
    assert.equal(codec.decode(codec.encode({ a: 1 })).a, 1, 'a new object is a new session');
    assert.equal(codec.decode(codec.encode({ _iat: 1 }))._iat, 1, 'an _iat in the data is only data');
  });

  it('refuses bad values', () => {
    for (const maxLifetime of [-5, '1d', Number.NaN]) {
      assert.throws(() => createCodec({ secretKey: KEY, maxLifetime }), { code: 'ERR_OPTION_VALUE' });
    }
    for (const assumeIssuedAt of ['yesterday', -1, Date.now() + 3_600_000, new Date(Number.NaN)]) {
      assert.throws(() => createCodec({ secretKey: KEY, assumeIssuedAt }), { code: 'ERR_OPTION_VALUE' });
    }
  });

  it('is refused with a store that does not seal the issue time', () => {
    const store = { get: async () => undefined, set: async () => {}, destroy: async () => {} };
    class ContextStore {
      get() {}
      set() {}
      destroy() {}
    }
    for (const opts of [{ store }, { ContextStore }]) {
      assert.throws(() => makeApp(encryptedSession, { secretKey: KEY, maxLifetime: 1000, ...opts }), {
        code: 'ERR_STORE_NOT_SEALED',
        message: /wrap the store with encryptedStore/,
      });
    }
  });
});
