// generateKey, deriveKey and deriveKeySync against sodium-native's crypto_pwhash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import sodium from 'sodium-native';
import { deriveKey, deriveKeySync, generateKey } from '../index.mjs';
import { SALT, SECRET } from './helpers.mjs';

/** The key koa-encrypted-session derives (its exact call). */
function referenceKey(secret, salt) {
  const key = Buffer.alloc(32);
  sodium.crypto_pwhash(
    key,
    Buffer.from(secret),
    salt,
    sodium.crypto_pwhash_OPSLIMIT_MODERATE,
    sodium.crypto_pwhash_MEMLIMIT_MODERATE,
    sodium.crypto_pwhash_ALG_DEFAULT,
  );
  return key;
}

describe('keys', () => {
  it('generateKey returns 32 fresh bytes', () => {
    const a = generateKey();
    assert.ok(Buffer.isBuffer(a));
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, generateKey());
  });

  it('deriveKeySync and deriveKey match koa-encrypted-session, default salt and given salt', async () => {
    const defaultSalt = Buffer.from('r7bFNKlRQnpAjvuLawnvRQ==', 'base64');
    assert.deepEqual(deriveKeySync(SECRET), referenceKey(SECRET, defaultSalt));
    assert.deepEqual(await deriveKey(SECRET, SALT), referenceKey(SECRET, Buffer.from(SALT, 'ascii')));
  });

  it('deriveKey keeps the event loop turning', async () => {
    let turns = 0;
    let done = false;
    const derived = deriveKey(Buffer.from(SECRET)).then(() => {
      done = true;
    });
    while (!done) {
      await tick();
      turns++;
    }
    await derived;
    assert.ok(turns > 10, `only ${turns} event-loop turns while deriving`);
  });

  it('deriveKey rejects bad input with coded errors', async () => {
    await assert.rejects(deriveKey('short'), { code: 'ERR_SECRET_LENGTH' });
    await assert.rejects(deriveKey(SECRET, 'short'), { code: 'ERR_SALT_LENGTH' });
    await assert.rejects(deriveKey(undefined), { code: 'ERR_SECRET_TYPE' });
    assert.throws(() => deriveKeySync(SECRET, 42), { code: 'ERR_SALT_TYPE' });
  });
});
