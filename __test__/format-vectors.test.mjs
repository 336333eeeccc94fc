// The published test vectors (docs/vectors.json, described in docs/format.md) through the package's
// JavaScript: createCodec opens every cookie to its session and refuses every negative vector with
// the code and reason given; the native keyring gives each its token and flags; split sessions
// join through decodeCookies and lay out as the vectors do; store values open through
// encryptedStore inside the middleware, found under the store keys given. The vectors come from an
// independent implementation (interop/python/make_vectors.py); the Rust tests seal them again
// byte for byte, and interop/python/check.py reads them in Python.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import encryptedSession, { createCodec, encryptedStore } from '../index.mjs';
import { get, makeApp, mapStore } from './helpers.mjs';

const require = createRequire(import.meta.url);
const native = require('../lib/native.cjs');
const { openValue } = require('../lib/sealed.cjs');
const { layOut } = require('../lib/chunks.cjs');

const vectors = JSON.parse(readFileSync(new URL('../docs/vectors.json', import.meta.url), 'utf8'));

/** The keys a vector's reader holds, newest first. */
const keysOf = (vector) => vector.keys.map((label) => Buffer.from(vectors.keys[label].hex, 'hex'));

/** A codec reading `vector`'s cookies. */
const codecFor = (vector, options = {}) =>
  createCodec({ secretKey: keysOf(vector), key: vector.cookie_name, ...options });

/** The native keyring the codec reads with, for the token and flags. */
const ringFor = (vector, maxCookies = 1) =>
  native.createCookieKeyring(keysOf(vector), vector.cookie_name, true, maxCookies * native.MAX_COOKIE_CHARS, 0);

/** `read(name)` over `[name, value]` pairs, as decodeCookies takes it. */
const reader = (pairs) => {
  const cookies = new Map(pairs);
  return (name) => cookies.get(name);
};

/** Checks that `open()` throws the refusal `want` names. */
function assertRefused(open, want, name) {
  assert.throws(open, (err) => {
    assert.equal(err.code, want.code, `${name}: ${err.message}`);
    assert.equal(err.reason, want.reason, name);
    assert.ok(err.message.includes(want.detail), `${name}: ${err.message}`);
    return true;
  });
}

/** What a session looks like in `ctx.session.toJSON()`: koa-session's own fields left out. */
const ownFields = (session) => Object.fromEntries(Object.entries(session).filter(([field]) => !field.startsWith('_')));

describe('the test vectors of docs/vectors.json', () => {
  it('open every cookie to its session, token and flags', () => {
    assert.ok(vectors.cookies.length >= 15);
    for (const vector of vectors.cookies) {
      const { session, token, stale, adopted } = vector.opens;
      assert.deepEqual(codecFor(vector).decode(vector.cookie), session, vector.name);
      const opened = openValue(ringFor(vector), vector.cookie);
      assert.deepEqual({ ...opened }, { session, token, stale, adopted }, vector.name);
    }
  });

  it('join split sessions, lay them out as the vectors do, and open them', () => {
    for (const vector of vectors.split) {
      const codec = codecFor(vector, { maxCookies: vector.max_cookies });
      assert.deepEqual(codec.decodeCookies(reader(vector.cookies)), vector.opens.session, vector.name);
      const { cookies } = layOut(vector.cookie_name, vector.value, () => vector.room, vector.max_cookies);
      assert.deepEqual(cookies, vector.cookies, vector.name);
      const opened = openValue(ringFor(vector, vector.max_cookies), vector.value);
      assert.deepEqual({ ...opened }, vector.opens, vector.name);
    }
  });

  it('refuse every negative vector with the code and reason given', () => {
    assert.ok(vectors.refused.length >= 40);
    for (const vector of vectors.refused) {
      const want = vector.refused;
      if (vector.cookies) {
        const codec = codecFor(vector, { maxCookies: vector.max_cookies });
        assertRefused(() => codec.decodeCookies(reader(vector.cookies)), want, vector.name);
      } else if (vector.cookie) {
        assertRefused(() => codecFor(vector).decode(vector.cookie), want, vector.name);
      } else if (want.layer === 'core') {
        const ring = native.createStoreKeyring(keysOf(vector), 1024 * 1024);
        assertRefused(() => openValue(ring, vector.store_value), want, vector.name);
      } // store values the JavaScript layer refuses: below, through encryptedStore
    }
  });

  it('open store values through encryptedStore under the store keys given, and refuse the others', async () => {
    const storeVectors = [
      ...vectors.store.map((vector) => ({ vector, stored: vector.value, under: vector.stored_under })),
      ...vectors.refused
        .filter((vector) => vector.store_value)
        .map((vector) => ({ vector, stored: vector.store_value })),
    ];
    for (const { vector, stored, under = 0 } of storeVectors) {
      const keys = keysOf(vector);
      const raw = mapStore();
      const rejected = [];
      const store = encryptedStore(raw, { secretKey: keys, onRejected: (reason) => rejected.push(reason) });
      const storeKeys = native.createStoreKeyring(keys, 1024).storeKeys(vector.cookie_name, vector.store_id);
      if (vector.store_keys) assert.deepEqual(storeKeys, vector.store_keys, vector.name);
      raw.data.set(storeKeys[under], stored);
      const app = makeApp(encryptedSession, { secretKey: keys, key: vector.cookie_name, store }, (ctx) => {
        ctx.body = { session: ctx.session.toJSON(), isNew: ctx.session.isNew === true, id: ctx.sessionId };
      });
      const res = await get(app, '/', `${vector.cookie_name}=${vector.store_id}`).expect(200);
      if (vector.refused) {
        assert.deepEqual(rejected, [vector.refused.reason], vector.name);
        assert.deepEqual(res.body.session, {}, vector.name);
        continue;
      }
      assert.deepEqual(rejected, [], vector.name);
      assert.deepEqual(res.body.session, ownFields(vector.opens.session), vector.name);
      assert.equal(res.body.id, vector.opens.token.slice(0, native.SESSION_ID_CHARS), vector.name);
      // A value an older key sealed is sealed again with the newest, under the newest key's hash.
      assert.deepEqual([...raw.data.keys()], [storeKeys[0]], vector.name);
      assert.equal(raw.data.get(storeKeys[0]) === stored, !vector.opens.stale, vector.name);
    }
  });
});
