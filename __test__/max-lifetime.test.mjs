// maxLifetime bounds a session's age from inside the sealed payload, whatever maxAge says.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import encryptedSession, { createCodec } from '../index.mjs';
import { cookieValue, get, KEY, makeApp, sessionCookie } from './helpers.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('maxLifetime', () => {
  it("ends a maxAge: 'session' session once it is older than maxLifetime, even while in use", async () => {
    const app = makeApp(encryptedSession, { secretKey: KEY, maxAge: 'session', maxLifetime: 150 });
    let cookie = sessionCookie(await get(app));
    const born = createCodec({ secretKey: KEY }).decode(cookieValue(cookie))._iat;
    assert.equal(typeof born, 'number');
    cookie = sessionCookie(await get(app, '/', cookie));
    assert.equal(
      createCodec({ secretKey: KEY }).decode(cookieValue(cookie))._iat,
      born,
      'rolling forward keeps the birth time',
    );
    await sleep(200);
    const rejected = once(app, 'session:rejected');
    assert.equal((await get(app, '/', cookie)).body.views, 1);
    assert.equal((await rejected)[0].reason, 'lifetime');
  });

  it('createCodec enforces it too', async () => {
    const codec = createCodec({ secretKey: KEY, maxLifetime: 1000 });
    assert.throws(() => codec.decode(codec.encode({ _iat: Date.now() - 2000 })), { reason: 'lifetime' });
    assert.equal(codec.decode(codec.encode({ a: 1 })).a, 1);
  });

  it('refuses a bad value', () => {
    assert.throws(() => createCodec({ secretKey: KEY, maxLifetime: -5 }), { code: 'ERR_OPTION_VALUE' });
    assert.throws(() => createCodec({ secretKey: KEY, maxLifetime: '1d' }), { code: 'ERR_OPTION_VALUE' });
  });
});
