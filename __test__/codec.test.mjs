// createCodec: both wire formats, and decode reading either whatever `format` says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCodec } from '../index.mjs';
import { KEY } from './helpers.mjs';

const SESSION = { user: 'alice', note: '; % = + / é 🎉', _expire: 1e13, _maxAge: 864e5 };

describe('createCodec', () => {
  const legacy = createCodec({ secretKey: KEY });
  const compact = createCodec({ secretKey: KEY, format: 'compact' });

  it('round-trips in both formats, and each decodes the other', () => {
    for (const writer of [legacy, compact]) {
      const cookie = writer.encode(SESSION);
      for (const reader of [legacy, compact]) assert.deepEqual(reader.decode(cookie), SESSION);
    }
  });

  it('uses a fresh nonce for every seal', () => {
    assert.notEqual(legacy.encode(SESSION), legacy.encode(SESSION));
  });

  it('writes compact cookies that are cookie-safe, versioned and smaller', () => {
    for (const size of [10, 100, 1000, 3000]) {
      const session = { data: 'x'.repeat(size) };
      const small = compact.encode(session);
      assert.match(small, /^v2\.[A-Za-z0-9_-]+$/);
      assert.ok(small.length < legacy.encode(session).length, `compact is smaller at ${size}`);
    }
  });

  it('encodes what JSON.stringify makes of the session, like koa-encrypted-session', () => {
    const session = { date: new Date(0), skip: undefined, toJSONed: { toJSON: () => 'x' } };
    assert.deepEqual(legacy.decode(legacy.encode(session)), JSON.parse(JSON.stringify(session)));
  });

  it('needs options', () => {
    assert.throws(() => createCodec(), { name: 'TypeError', code: 'ERR_OPTIONS_REQUIRED' });
    assert.throws(() => createCodec({}), { code: 'ERR_KEY_MISSING' });
  });
});
