// Anything that is not a genuine cookie for this key is refused with a SyntaxError, so
// koa-session starts a fresh session: never a 500, never a forged session accepted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sodium from 'sodium-native';
import encryptedSession, { createCodec, generateKey } from '../index.mjs';
import { get, KEY, makeApp, sessionCookie } from './helpers.mjs';

const legacy = createCodec({ secretKey: KEY });
const compact = createCodec({ secretKey: KEY, format: 'compact' });
const SESSION = { user: 'alice', role: 'admin', _expire: Date.now() + 864e5, _maxAge: 864e5 };

/** Seals arbitrary plaintext bytes in the legacy format with KEY, as sodium-native would. */
function sealRaw(plaintext) {
  const nonce = Buffer.alloc(sodium.crypto_secretbox_NONCEBYTES);
  sodium.randombytes_buf(nonce);
  const boxed = Buffer.alloc(plaintext.length + sodium.crypto_secretbox_MACBYTES);
  sodium.crypto_secretbox_easy(boxed, plaintext, nonce, KEY);
  return encodeURIComponent(`${boxed.toString('base64')};${nonce.toString('base64')}`);
}

/** The two decoded parts of a legacy cookie. */
function legacyParts(cookie) {
  const [boxed, nonce] = decodeURIComponent(cookie).split(';');
  return { boxed: Buffer.from(boxed, 'base64'), nonce: Buffer.from(nonce, 'base64') };
}

const genuine = legacy.encode(SESSION);
const genuineCompact = compact.encode(SESSION);
const { boxed, nonce } = legacyParts(genuine);
const join = (b, n) => encodeURIComponent(`${b.toString('base64')};${n.toString('base64')}`);

const CASES = {
  empty: ['', 'malformed'],
  'plain text': ['not a cookie', 'malformed'],
  'broken percent-escape': [`${genuine.slice(0, 10)}%E`, 'malformed'],
  'percent-escape with non-hex digits': [genuine.replace('%3B', '%3G'), 'malformed'],
  'wrong nonce length': [join(boxed, nonce.subarray(0, 16)), 'malformed'],
  'empty nonce': [join(boxed, Buffer.alloc(0)), 'malformed'],
  'truncated ciphertext': [join(boxed.subarray(0, boxed.length - 1), nonce), 'authentication'],
  'ciphertext shorter than the tag': [join(boxed.subarray(0, 15), nonce), 'malformed'],
  'truncated in the middle': [genuine.slice(0, Math.floor(genuine.length / 2)), 'malformed'],
  'last character cut': [genuine.slice(0, -1), 'malformed'],
  'reordered parts': [join(nonce, boxed), 'malformed'],
  'a third part': [`${genuine}%3B${genuine}`, 'malformed'],
  'not base64': [genuine.replace(/^.{4}/, '!!!!'), 'malformed'],
  'another key': [createCodec({ secretKey: generateKey() }).encode(SESSION), 'authentication'],
  'another key, compact': [
    createCodec({ secretKey: generateKey(), format: 'compact' }).encode(SESSION),
    'authentication',
  ],
  oversized: ['A'.repeat(9000), 'oversized'],
  'not JSON': [sealRaw(Buffer.from('{"user":"alice"')), 'not-json'],
  'not UTF-8': [sealRaw(Buffer.from([0xff, 0xfe, 0x7b])), 'not-json'],
  'JSON number': [sealRaw(Buffer.from('42')), 'not-object'],
  'JSON array': [sealRaw(Buffer.from('[1,2]')), 'not-object'],
  'JSON null': [sealRaw(Buffer.from('null')), 'not-object'],
  'JSON string': [sealRaw(Buffer.from('"alice"')), 'not-object'],
  'unknown compact version': [`v9.${genuineCompact.slice(3)}`, 'malformed'],
  'compact truncated': [genuineCompact.slice(0, 40), 'malformed'],
  'compact with padding': [`${genuineCompact}=`, 'malformed'],
  'compact marker on a legacy body': [`v1.${genuine}`, 'malformed'],
};

describe('decode refuses bad cookies with a SyntaxError', () => {
  for (const [name, [cookie, reason]] of Object.entries(CASES)) {
    it(`${name} → ${reason}`, () => {
      for (const codec of [legacy, compact]) {
        assert.throws(
          () => codec.decode(cookie),
          (err) => err instanceof SyntaxError && err.reason === reason && /^ERR_COOKIE_/.test(err.code),
        );
      }
    });
  }

  it('a value that is not a string', () => {
    for (const value of [undefined, null, 42, {}, Buffer.from(genuine)]) {
      assert.throws(() => legacy.decode(value), { name: 'SyntaxError', code: 'ERR_COOKIE_MALFORMED' });
    }
  });

  for (const [name, codec, cookie] of [
    ['legacy', legacy, genuine],
    ['compact', compact, genuineCompact],
  ]) {
    it(`any flipped bit of a ${name} cookie`, () => {
      assert.deepEqual(codec.decode(cookie), SESSION);
      const bytes = name === 'legacy' ? legacyParts(cookie) : Buffer.from(cookie.slice(3), 'base64url');
      const whole = name === 'legacy' ? Buffer.concat([bytes.boxed, bytes.nonce]) : bytes;
      let refused = 0;
      for (let i = 0; i < whole.length * 8; i++) {
        const flipped = Buffer.from(whole);
        flipped[i >> 3] ^= 1 << (i & 7);
        const forged =
          name === 'legacy'
            ? join(flipped.subarray(0, bytes.boxed.length), flipped.subarray(bytes.boxed.length))
            : `v1.${flipped.toString('base64url')}`;
        assert.throws(() => codec.decode(forged), SyntaxError);
        refused++;
      }
      assert.equal(refused, whole.length * 8);
    });
  }
});

describe('bad cookies over HTTP get a fresh session', () => {
  const app = makeApp(encryptedSession, { secretKey: KEY });

  for (const [name, [cookie]] of Object.entries(CASES)) {
    if (cookie === '') continue; // an empty cookie is no cookie at all to koa-session
    it(name, async () => {
      const res = await get(app, '/', `koa.sess=${cookie}`).expect(200);
      assert.equal(res.body.views, 1);
      assert.equal(res.body.user, undefined);
      assert.ok(sessionCookie(res), 'a fresh cookie is set');
    });
  }

  it('the genuine cookie still works afterwards', async () => {
    const res = await get(app, '/', `koa.sess=${genuine}`).expect(200);
    assert.equal(res.body.user, 'alice');
    assert.equal(res.body.views, 1);
  });
});
