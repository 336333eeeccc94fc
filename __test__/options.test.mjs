// Construction: every option error has a clear message and a stable code; the caller's options
// object is left alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Koa from 'koa';
import encryptedSession, { createCodec } from '../index.mjs';
import { get, KEY, makeApp, SALT, SECRET } from './helpers.mjs';

const app = new Koa();

/** Asserts that `encryptedSession(opts, app)` throws `Type` with `code` and a message matching `message`. */
function rejects(opts, Type, code, message, target = app) {
  assert.throws(
    () => encryptedSession(opts, target),
    (err) => {
      assert.ok(err instanceof Type, `${err.constructor.name} is a ${Type.name}`);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('construction errors', () => {
  it('opts missing', () => {
    rejects(undefined, TypeError, 'ERR_OPTIONS_REQUIRED', /^opts required: `encryptedSession\(opts, app\)`$/);
    rejects('session', TypeError, 'ERR_OPTIONS_REQUIRED', /opts required/);
  });

  it('app missing', () => {
    const message = /^app instance required: `encryptedSession\(opts, app\)`$/;
    rejects({ secretKey: KEY }, TypeError, 'ERR_APP_REQUIRED', message, null);
    rejects({ secretKey: KEY }, TypeError, 'ERR_APP_REQUIRED', message, {});
  });

  it('no key at all', () => {
    const missing =
      /^secretKey or secret must specified: got secretKey undefined and secret undefined \(is the variable that holds the key set\? `npx gen-key` makes a key\)$/;
    rejects({}, Error, 'ERR_KEY_MISSING', missing);
    rejects(
      { secretKey: undefined, secret: null },
      Error,
      'ERR_KEY_MISSING',
      /got secretKey undefined and secret undefined/,
    );
    rejects({ secretKey: [] }, Error, 'ERR_KEY_MISSING', /got secretKey Array and secret undefined/);
  });

  it('a key of the wrong length, which koa-encrypted-session accepts and then fails every request with', () => {
    rejects({ secretKey: Buffer.alloc(64) }, RangeError, 'ERR_KEY_LENGTH', /^secretKey must be 32 bytes, got 64$/);
    rejects({ secretKey: Buffer.alloc(31) }, RangeError, 'ERR_KEY_LENGTH', /got 31$/);
    rejects({ secretKey: Buffer.alloc(64).toString('base64') }, RangeError, 'ERR_KEY_LENGTH', /got 64$/);
    rejects({ secretKey: '' }, RangeError, 'ERR_KEY_LENGTH', /got 0$/);
  });

  it('a hex key passed as a string gets a hint', () => {
    rejects({ secretKey: KEY.toString('hex') }, RangeError, 'ERR_KEY_LENGTH', /got 48; this looks like hex/);
  });

  it('a key of the wrong type', () => {
    for (const secretKey of [42, true, {}, [1, 2], new Float64Array(4), new ArrayBuffer(32)]) {
      rejects({ secretKey }, TypeError, 'ERR_KEY_TYPE', /^secretKey must be a string or a Buffer .*, got \w+/);
    }
  });

  it('a key array with a hole gets a coded error, not one from the native layer', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const holed = [KEY, , KEY];
    rejects({ secretKey: holed }, TypeError, 'ERR_KEY_TYPE', /^secretKey\[1\] is missing: .*got a hole$/);
    rejects({ secretKey: [KEY, undefined] }, TypeError, 'ERR_KEY_TYPE', /secretKey\[1\] is missing/);
    rejects({ secret: [SECRET, null] }, TypeError, 'ERR_SECRET_TYPE', /secret\[1\] is missing: .*got null$/);
  });

  it('a key string that is not base64', () => {
    rejects({ secretKey: 'not base64 at all!' }, TypeError, 'ERR_KEY_ENCODING', /must be base64 of 32 bytes/);
  });

  it('a short secret', () => {
    rejects({ secret: 'short' }, RangeError, 'ERR_SECRET_LENGTH', /at least 32 bytes, got 5$/);
    rejects({ secret: 12345 }, TypeError, 'ERR_SECRET_TYPE', /got number$/);
  });

  it('a salt that is not 16 bytes', () => {
    rejects({ secret: SECRET, salt: 'too short' }, RangeError, 'ERR_SALT_LENGTH', /^salt must be length 16, got 9$/);
    rejects({ secret: SECRET, salt: Buffer.alloc(32) }, RangeError, 'ERR_SALT_LENGTH', /got 32$/);
    rejects({ secret: SECRET, salt: 16 }, TypeError, 'ERR_SALT_TYPE', /got number$/);
  });

  it('user-supplied encode or decode', () => {
    rejects({ secretKey: KEY, encode: String }, TypeError, 'ERR_HOOKS_OWNED', /opts\.encode .*owns encode\/decode/);
    rejects({ secretKey: KEY, decode: String }, TypeError, 'ERR_HOOKS_OWNED', /opts\.decode/);
  });

  it('an unknown format', () => {
    rejects(
      { secretKey: KEY, format: 'json' },
      TypeError,
      'ERR_FORMAT',
      /^format must be 'legacy' or 'compact', got 'json'$/,
    );
    rejects({ secretKey: KEY, format: 1 }, TypeError, 'ERR_FORMAT', /got number$/);
  });

  it('a maxAge that is neither a duration in ms nor session, which koa-session would take and misuse', () => {
    const expected = /^maxAge must be a duration in ms \(a positive number\) or 'session', got /;
    for (const [maxAge, got] of [
      ['1d', "'1d'"],
      [-1, '-1'],
      [0, '0'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [{ days: 1 }, 'Object'],
    ]) {
      rejects({ secretKey: KEY, maxAge }, TypeError, 'ERR_OPTION_VALUE', new RegExp(`${expected.source}${got}$`));
    }
    const older = /^maxage must be a duration in ms \(a positive number\) or 'session', got '1d'$/;
    rejects({ secretKey: KEY, maxage: '1d' }, TypeError, 'ERR_OPTION_VALUE', older);
  });

  it('a cookie name the cookies module would refuse on every save, or browsers would trim, is refused at start-up', () => {
    const expected = "key must be a cookie name (printable Latin-1, no ';' or '=', no space at either end), got ";
    for (const [key, got] of [
      ['a;b', "'a;b'"],
      ['a=b', "'a=b'"],
      [' sid', "' sid'"],
      ['sid ', "'sid '"],
      ['s\nid', "'s\nid'"],
      ['sid\u0100', "'sid\u0100'"],
    ]) {
      const message = new RegExp(`^${(expected + got).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`);
      rejects({ secretKey: KEY, key }, TypeError, 'ERR_OPTION_VALUE', message);
    }
    for (const key of ['koa:sess', 'my session', 'sid-2', 'a.b', 'x+y', 'sé']) {
      assert.equal(typeof encryptedSession({ secretKey: KEY, key }, app), 'function', key);
    }
  });

  it('a long string given to the wrong option is described, never echoed (it may be a secret or a URL with a password)', () => {
    const url = 'redis://default:S3cr3t-P4ssw0rd@cache.internal:6379';
    for (const opts of [{ revocations: url }, { maxAge: url }]) {
      assert.throws(
        () => encryptedSession({ secretKey: KEY, ...opts }, app),
        (err) => err.code === 'ERR_OPTION_VALUE' && err.message.endsWith(`got string of ${url.length} characters`),
      );
    }
  });
});

describe('accepted options', () => {
  it('takes a key as Buffer, Uint8Array, base64 or base64url text, with stray whitespace', async () => {
    const forms = [
      KEY,
      new Uint8Array(KEY),
      KEY.toString('base64'),
      KEY.toString('base64url'),
      `${KEY.toString('base64')}\n`,
    ];
    const cookies = [];
    for (const secretKey of forms) {
      const codec = createCodec({ secretKey });
      cookies.push(codec.encode({ n: 1 }));
    }
    const reader = createCodec({ secretKey: KEY });
    for (const cookie of cookies) assert.deepEqual(reader.decode(cookie), { n: 1 });
  });

  it('leaves the caller’s options object untouched', async () => {
    const opts = { key: 'sid', maxAge: 1000, secretKey: KEY, format: 'compact' };
    const copy = { ...opts };
    Object.freeze(opts);
    const app = makeApp(encryptedSession, opts);
    await get(app).expect(200);
    assert.deepEqual(opts, copy);
  });

  it('keeps key material out of ctx.sessionOptions', async () => {
    const app = makeApp(encryptedSession, { secretKey: KEY }, (ctx) => {
      ctx.body = Object.keys(ctx.sessionOptions);
    });
    const res = await get(app).expect(200);
    for (const name of ['secretKey', 'secret', 'salt']) assert.ok(!res.body.includes(name), name);
  });

  it('prefers secretKey when secret is given too, as koa-encrypted-session does', () => {
    const both = createCodec({ secretKey: KEY, secret: SECRET, salt: SALT });
    assert.deepEqual(createCodec({ secretKey: KEY }).decode(both.encode({ a: 1 })), { a: 1 });
  });

  it('with a passphrase, a middleware that reads ctx.session first, before the key is ready, gets a fresh session, not a 500', async () => {
    const cookie = `koa.sess=${createCodec({ secret: SECRET, salt: SALT }).encode({ views: 4 })}`;
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.state.early = ctx.session.views ?? null;
      await next();
    });
    app.use(encryptedSession({ secret: SECRET, salt: SALT }, app));
    app.use((ctx) => {
      ctx.body = { early: ctx.state.early };
    });
    assert.deepEqual((await get(app, '/', cookie).expect(200)).body, { early: null });
    assert.deepEqual((await get(app, '/', cookie).expect(200)).body, { early: 4 }, 'once the key is ready');
  });

  it('serves requests with a passphrase while its key is derived off the main thread', async () => {
    const app = makeApp(encryptedSession, { secret: SECRET, salt: SALT });
    const [a, b] = await Promise.all([get(app).expect(200), get(app).expect(200)]);
    assert.equal(a.body.views, 1);
    assert.equal(b.body.views, 1);
  });
});
