// encryptedStore: what an external store holds is sealed, bound to its session id, and anything
// altered there reads as a missing session.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import encryptedSession, { encryptedStore, generateKey } from '../index.mjs';
import { cookieValue, get, KEY, makeApp, SALT, SECRET, sessionCookie } from './helpers.mjs';

/** A koa-session store over a Map, recording what it was given. */
function mapStore() {
  const data = new Map();
  return {
    data,
    get: async (key) => data.get(key),
    set: async (key, value) => {
      data.set(key, value);
    },
    destroy: async (key) => {
      data.delete(key);
    },
  };
}

/** An app whose sessions live in `store`, wrapped, with a view counter and a logout route. */
function appWith(raw, opts = { secretKey: KEY }) {
  return makeApp(encryptedSession, { secretKey: KEY, store: encryptedStore(raw, opts) }, (ctx) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = {};
      return;
    }
    ctx.session.user = 'alice';
    ctx.session.views = (ctx.session.views ?? 0) + 1;
    ctx.body = ctx.session.toJSON();
  });
}

describe('encryptedStore', () => {
  it('keeps sessions in the store, sealed: no user data, no JSON', async () => {
    const raw = mapStore();
    const app = appWith(raw);
    const cookie = sessionCookie(await get(app));
    const id = cookieValue(cookie);
    const stored = raw.data.get(id);
    assert.equal(typeof stored, 'string');
    assert.match(stored, /^v1\.[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(stored, /alice|views|\{/);
    assert.equal((await get(app, '/', cookie)).body.views, 2);
  });

  it('logout destroys the stored session', async () => {
    const raw = mapStore();
    const app = appWith(raw);
    const cookie = sessionCookie(await get(app));
    await get(app, '/logout', cookie).expect(200);
    assert.equal(raw.data.size, 0);
  });

  it('reads an altered value as a missing session', async () => {
    const raw = mapStore();
    const rejected = [];
    const app = appWith(raw, { secretKey: KEY, onRejected: (reason) => rejected.push(reason) });
    const cookie = sessionCookie(await get(app));
    const id = cookieValue(cookie);
    const value = raw.data.get(id);
    raw.data.set(id, `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`);
    const res = await get(app, '/', cookie).expect(200);
    assert.equal(res.body.views, 1);
    assert.deepEqual(rejected, ['authentication']);
  });

  it('refuses a value moved to another session id', async () => {
    const raw = mapStore();
    const rejected = [];
    const app = appWith(raw, { secretKey: KEY, onRejected: (reason) => rejected.push(reason) });
    const alice = sessionCookie(await get(app));
    await get(app, '/', alice);
    const mallory = sessionCookie(await get(app));
    raw.data.set(cookieValue(mallory), raw.data.get(cookieValue(alice)));
    assert.equal((await get(app, '/', mallory)).body.views, 1);
    assert.deepEqual(rejected, ['wrong-id']);
  });

  it('refuses another key’s values, and works with a passphrase', async () => {
    const raw = mapStore();
    const cookie = sessionCookie(await get(appWith(raw, { secret: SECRET, salt: SALT })));
    assert.equal((await get(appWith(raw, { secret: SECRET, salt: SALT }), '/', cookie)).body.views, 2);
    assert.equal((await get(appWith(raw, { secretKey: generateKey() }), '/', cookie)).body.views, 1);
  });

  it('checks its arguments', () => {
    assert.throws(() => encryptedStore({}, { secretKey: KEY }), { code: 'ERR_STORE' });
    assert.throws(() => encryptedStore(mapStore()), { code: 'ERR_OPTIONS_REQUIRED' });
    assert.throws(() => encryptedStore(mapStore(), {}), { code: 'ERR_KEY_MISSING' });
  });
});
