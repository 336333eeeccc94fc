// secretKey and secret take arrays, newest first: the newest seals, any opens, and a session an
// older key opened is sealed again with the newest on that response.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import encryptedSession, { createCodec, generateKey } from '../index.mjs';
import { cookieValue, get, makeApp, SALT, SECRET, sessionCookie } from './helpers.mjs';

const oldKey = generateKey();
const newKey = generateKey();

describe('key rotation', () => {
  for (const format of ['legacy', 'compact']) {
    it(`${format}: opens old-key cookies and re-seals them with the newest key`, async () => {
      const before = makeApp(encryptedSession, { secretKey: oldKey, format });
      const after = makeApp(encryptedSession, { secretKey: [newKey, oldKey], format });
      const oldCookie = sessionCookie(await get(before));

      // Read-only request: nothing changed, yet the cookie is re-sealed because an older key opened it.
      const readOnly = makeApp(encryptedSession, { secretKey: [newKey.toString('base64'), oldKey], format }, (ctx) => {
        ctx.body = ctx.session.toJSON();
      });
      const res = await get(readOnly, '/', oldCookie).expect(200);
      assert.equal(res.body.views, 1);
      const resealed = sessionCookie(res);
      assert.ok(resealed, 'the response re-seals the session');
      assert.deepEqual(createCodec({ secretKey: newKey }).decode(cookieValue(resealed)).views, 1);
      assert.throws(() => createCodec({ secretKey: oldKey }).decode(cookieValue(resealed)), SyntaxError);

      // A newest-key cookie is not re-sent when unchanged.
      const again = await get(readOnly, '/', resealed).expect(200);
      assert.equal(sessionCookie(again), undefined);

      assert.equal((await get(after, '/', oldCookie)).body.views, 2);
    });
  }

  it('drops a key once it leaves the list', async () => {
    const before = makeApp(encryptedSession, { secretKey: oldKey });
    const after = makeApp(encryptedSession, { secretKey: [newKey] });
    const oldCookie = sessionCookie(await get(before));
    assert.equal((await get(after, '/', oldCookie)).body.views, 1);
  });

  it('works with an array of passphrases', async () => {
    const before = makeApp(encryptedSession, { secret: SECRET, salt: SALT });
    const after = makeApp(encryptedSession, { secret: [`new ${SECRET}`, SECRET], salt: SALT });
    const oldCookie = sessionCookie(await get(before));
    assert.equal((await get(after, '/', oldCookie)).body.views, 2);
  });

  it('refuses an empty list and bad entries with coded errors', () => {
    assert.throws(() => createCodec({ secretKey: [] }), { code: 'ERR_KEY_MISSING' });
    assert.throws(() => createCodec({ secretKey: [newKey, Buffer.alloc(16)] }), { code: 'ERR_KEY_LENGTH' });
    assert.throws(() => createCodec({ secretKey: [newKey, 7] }), { code: 'ERR_KEY_TYPE' });
  });

  it('zeroes the key copies it decoded from base64, never the caller’s Buffers', () => {
    const mine = Buffer.from(newKey);
    createCodec({ secretKey: [mine, oldKey.toString('base64')] });
    assert.deepEqual(mine, newKey);
  });
});
