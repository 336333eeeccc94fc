// createCodec keeps no state of its own: a session's metadata follows the session object it
// opened or sealed, never the codec object, so a spread, bound or copied codec behaves the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCodec } from '../index.mjs';
import native from '../native/binding.cjs';
import { KEY } from './helpers.mjs';

const ring = native.createCookieKeyring([KEY], 'koa.sess', true, native.MAX_COOKIE_CHARS, 0);
/** The session id sealed in a compact `cookie`. */
const idIn = (cookie) => ring.open(cookie).slice(1, 1 + native.SESSION_ID_CHARS);

describe('createCodec keeps no state', () => {
  it('a spread codec gives every session its own id', () => {
    const h = { ...createCodec({ secretKey: KEY, format: 'compact' }) };
    const alice = h.encode({ user: 'alice' });
    const bob = h.encode({ user: 'bob' });
    assert.notEqual(idIn(alice), idIn(bob));
  });

  it('a bound or detached encode gives every session its own id', () => {
    const codec = createCodec({ secretKey: KEY, format: 'compact' });
    const { encode } = codec;
    const bound = codec.encode.bind({});
    assert.equal(new Set([encode({ a: 1 }), bound({ a: 1 }), codec.encode({ a: 1 })].map(idIn)).size, 3);
  });

  it('a decoded session keeps its id when encoded again, through any copy of the codec', () => {
    const codec = createCodec({ secretKey: KEY, format: 'compact' });
    const copy = { ...codec };
    const first = codec.encode({ user: 'alice' });
    const session = copy.decode(first);
    session.views = 2;
    assert.equal(idIn(codec.encode(session)), idIn(first));
    assert.notEqual(idIn(codec.encode({ ...session })), idIn(first), 'a copy of the object is a new session');
  });

  it('an object decode did not make is a new session each time it is sealed', () => {
    const codec = createCodec({ secretKey: KEY, format: 'compact' });
    const session = { user: 'alice' };
    assert.notEqual(idIn(codec.encode(session)), idIn(codec.encode(session)));
    assert.deepEqual(Object.getOwnPropertySymbols(session), [], 'nothing is attached to the caller’s object');
  });

  it('decoding a second session does not change what the first one is sealed as', () => {
    const codec = createCodec({ secretKey: KEY, format: 'compact' });
    const [a, b] = [codec.encode({ n: 'a' }), codec.encode({ n: 'b' })];
    const sessionA = codec.decode(a);
    codec.decode(b);
    assert.equal(idIn(codec.encode(sessionA)), idIn(a));
  });
});
