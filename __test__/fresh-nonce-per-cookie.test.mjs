// Two codecs over the same key sealing the same session never share a nonce. That every seal
// reads its nonce from the OS, with nothing buffered that a copied process could replay, is
// checked in Rust, through a counting hook on libsodium's random source (src/codec.rs and
// src/sodium.rs tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCodec } from '../index.mjs';
import { KEY } from './helpers.mjs';

/** The 24-byte nonce of a cookie, in either format. */
function nonceOf(cookie) {
  if (cookie.startsWith('v2.')) return Buffer.from(cookie.slice(3), 'base64url').subarray(4, 28).toString('hex');
  return Buffer.from(decodeURIComponent(cookie).split(';')[1], 'base64').toString('hex');
}

describe('nonces', () => {
  for (const format of ['legacy', 'compact']) {
    it(`${format}: two codecs sealing the same session give different nonces, every time`, () => {
      const [a, b] = [createCodec({ secretKey: KEY, format }), createCodec({ secretKey: KEY, format })];
      const session = { user: 'alice' };
      const seen = new Set();
      for (let i = 0; i < 2000; i++) {
        for (const codec of [a, b]) {
          const nonce = nonceOf(codec.encode(session));
          assert.equal(nonce.length, 48);
          assert.ok(!seen.has(nonce), `nonce repeated after ${seen.size} cookies`);
          seen.add(nonce);
        }
      }
    });
  }
});
