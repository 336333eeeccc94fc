// Every exported function, driven with wrong types and sizes, answers with a JS error that has a
// code: nothing crashes, nothing panics across the FFI line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Koa from 'koa';
import * as api from '../index.mjs';
import native from '../native/binding.cjs';
import { RUNTIME } from './helpers.mjs';

const WRONG = [
  undefined,
  null,
  0,
  -1,
  Number.NaN,
  2 ** 53,
  10n,
  true,
  '',
  'x',
  'x'.repeat(100_000),
  Symbol('s'),
  {},
  [],
  [[]],
  () => {},
  new Uint8Array(0),
  Buffer.alloc(31),
  Buffer.alloc(33),
  Buffer.alloc(1 << 20),
  new Float64Array(4),
  new ArrayBuffer(32),
  new Date(),
  Object.create(null),
];

/** A short, never-throwing description of a value for failure messages. */
function label(value) {
  try {
    return typeof value === 'symbol' ? value.toString() : label(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** True for what a passphrase may be: text or bytes of at least 32 bytes (those take a second to derive). */
const validSecret = (v) =>
  (typeof v === 'string' && Buffer.byteLength(v) >= 32) || (ArrayBuffer.isView(v) && v.byteLength >= 32);

/** Calls `fn`, awaiting promises, and returns the error it raised (undefined if none). */
async function errorOf(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
}

/** Asserts that `err` is an Error whose code names what went wrong. */
function coded(err, label) {
  assert.ok(err instanceof Error, `${label}: threw ${String(err)}`);
  assert.match(String(err.code), /^(ERR_[A-Z_]+|[A-Z][A-Za-z]+)$/, `${label}: code ${err.code} (${err.message})`);
}

describe('no panics, only coded errors', () => {
  const app = new Koa();

  it('encryptedSession with wrong options', async () => {
    for (const value of WRONG) {
      for (const name of ['secretKey', 'secret', 'salt', 'format', 'maxCookieBytes', 'maxLifetime']) {
        const opts =
          name === 'salt' ? { secret: 'x'.repeat(32), salt: value } : { secretKey: Buffer.alloc(32), [name]: value };
        if (name === 'secretKey' || name === 'secret') delete opts.secretKey;
        if (name === 'secret') opts.secret = value;
        if (name === 'secretKey') opts.secretKey = value;
        const err = await errorOf(() => api.encryptedSession(opts, app));
        if (err) coded(err, `${name}=${label(value)}`);
      }
      const err = await errorOf(() => api.encryptedSession(value, app));
      coded(err, `opts=${label(value)}`);
    }
  });

  it('createCodec, encode and decode with wrong input', async () => {
    const codec = api.createCodec({ secretKey: api.generateKey() });
    for (const value of WRONG) {
      const err = await errorOf(() => api.createCodec(value));
      coded(err, `createCodec(${label(value)})`);
      coded(await errorOf(() => codec.decode(value)), `decode(${label(value)})`);
      const encoded = await errorOf(() => codec.encode(value));
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        coded(encoded, `encode(${label(value)})`);
      else if (encoded) assert.ok(encoded instanceof Error, 'encode errors are Errors');
    }
  });

  it('deriveKey and deriveKeySync with wrong input', async () => {
    for (const value of WRONG.filter((v) => !validSecret(v))) {
      coded(await errorOf(() => api.deriveKey(value)), `deriveKey(${label(value)})`);
      coded(
        await errorOf(() => api.deriveKeySync('x'.repeat(32), value === undefined || value === null ? 5 : value)),
        'salt',
      );
    }
  });

  it('the native layer itself, below the JS checks', async () => {
    const key = Buffer.alloc(32);
    const token = 'AAAAAAAAAAAAAAAAAAAAAA0min9a22o000000000';
    const cookies = native.createCookieKeyring([key], 'koa.sess', true, 8192, 0);
    const store = native.createStoreKeyring([key], 1 << 20);
    for (const value of WRONG) {
      coded(
        await errorOf(() => native.createCookieKeyring(value, 'koa.sess', true, 8192, 0)),
        `createCookieKeyring(${label(value)})`,
      );
      coded(
        await errorOf(() => native.createCookieKeyring([value], 'koa.sess', true, 8192, 0)),
        `createCookieKeyring([${label(value)}])`,
      );
      if (typeof value !== 'string') {
        coded(
          await errorOf(() => native.createCookieKeyring([key], value, true, 8192, 0)),
          `createCookieKeyring name ${label(value)}`,
        );
      }
      if (typeof value !== 'boolean') {
        coded(
          await errorOf(() => native.createCookieKeyring([key], 'koa.sess', value, 8192, 0)),
          `compact ${label(value)}`,
        );
      }
      // Deno's Node-API reads a number argument of another type as a number (undefined, null and
      // false as 0) where Node and Bun refuse it: the JS layer always passes a number.
      if (typeof value !== 'number' && !RUNTIME.startsWith('Deno')) {
        coded(
          await errorOf(() => native.createCookieKeyring([key], 'koa.sess', true, value, 0)),
          `maxValueChars ${label(value)}`,
        );
        coded(await errorOf(() => native.createStoreKeyring([key], value)), `createStoreKeyring max ${label(value)}`);
      }
      coded(await errorOf(() => native.createStoreKeyring(value, 1024)), `createStoreKeyring(${label(value)})`);
      for (const ring of [cookies, store]) {
        coded(await errorOf(() => ring.open(value)), `open(${label(value)})`);
        coded(await errorOf(() => ring.open(['v2.', value])), `open(['v2.', ${label(value)}])`);
        if (value !== undefined) coded(await errorOf(() => ring.seal(value, '{}')), `seal(${label(value)}, '{}')`);
        coded(await errorOf(() => ring.seal(token, value)), `seal(token, ${label(value)})`);
      }
      coded(await errorOf(() => cookies.checkMetadata(value)), `checkMetadata(${label(value)})`);
      if (typeof value !== 'string') {
        coded(await errorOf(() => store.storeKeys(value, 'id')), `storeKeys(${label(value)}, 'id')`);
        coded(await errorOf(() => store.storeKeys('koa.sess', value)), `storeKeys('koa.sess', ${label(value)})`);
      }
      if (!validSecret(value)) {
        coded(await errorOf(() => native.deriveKeySync(value)), `native deriveKeySync(${label(value)})`);
        coded(await errorOf(() => native.deriveKey(value)), `native deriveKey(${label(value)})`);
      }
    }
    const { seal, open } = cookies;
    const sealed = seal(token, '{"n":1}');
    assert.equal(sealed.slice(0, native.TOKEN_CHARS), token, 'seal returns the token first');
    assert.equal(open(sealed.slice(native.TOKEN_CHARS)), `0${token}{"n":1}`, 'the functions work detached');
    assert.match(native.newToken(), /^[A-Za-z0-9_-]{22}[0-9a-z]{18}$/);
    coded(await errorOf(() => open()), 'open()');
    coded(await errorOf(() => seal()), 'seal()');
    coded(await errorOf(() => store.open('v2.'.padEnd((1 << 20) + 1, 'A'))), 'open(a value past the limit)');
    // A value given in pieces (a split session's) opens as the value they make, and is refused
    // as that value would be: too long in all, or not a genuine value.
    const value = sealed.slice(native.TOKEN_CHARS);
    const pieces = [value.slice(0, 5), '', value.slice(5, 30), value.slice(30)];
    assert.equal(open(pieces), open(value), 'pieces open as the value they make');
    const long = Array.from({ length: 3 }, () => 'A'.repeat(3000));
    assert.equal((await errorOf(() => open(long))).code, 'ERR_COOKIE_TOO_LARGE', 'pieces past the limit in all');
    assert.equal((await errorOf(() => open([]))).code, 'ERR_COOKIE_MALFORMED', 'no pieces');
    const many = Array.from({ length: native.MAX_COOKIES + 1 }, () => '');
    assert.equal((await errorOf(() => open(many))).code, 'ERR_COOKIE_MALFORMED', 'more pieces than cookies');
    assert.equal((await errorOf(() => open(new Array(2 ** 32 - 1)))).code, 'ERR_COOKIE_MALFORMED', 'a huge array');
    const swapped = [value.slice(30), value.slice(0, 30)];
    assert.equal((await errorOf(() => open(swapped))).code, 'ERR_COOKIE_MALFORMED', 'pieces out of order');
    // Reading an element can run JS: a getter that calls back into the keyring, or throws.
    const withGetter = (get) => Object.defineProperty([value.slice(0, 5)], 1, { get, enumerable: true });
    coded(await errorOf(() => open(withGetter(() => open(value) && value.slice(5)))), 'a getter calling open');
    assert.equal((await errorOf(() => open(withGetter(() => assert.fail('from a getter'))))).message, 'from a getter');
    assert.equal(open(withGetter(() => value.slice(5))), open(value), 'a getter returning its piece');
  });
});
