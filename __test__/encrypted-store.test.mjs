// encryptedStore: the store never sees session ids, only keyed hashes of them; what it holds is
// sealed under a subkey of its own with the session's metadata, bound to its session id; and
// anything altered there reads as a missing session.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import session from 'koa-session';
import encryptedSession, { encryptedStore, generateKey } from '../index.mjs';
import { aliceUntilLogout, cookieValue, get, KEY, makeApp, mapStore, SALT, SECRET, sessionCookie } from './helpers.mjs';

/** An app whose sessions live in `raw`, wrapped, with a view counter and a logout route. */
function appWith(raw, storeOpts = { secretKey: KEY }, sessionOpts = {}) {
  const opts = { secretKey: KEY, store: encryptedStore(raw, storeOpts), ...sessionOpts };
  return makeApp(encryptedSession, opts, aliceUntilLogout);
}

/** The one key and value the raw store holds. */
function onlyEntry(raw) {
  assert.equal(raw.data.size, 1);
  return [...raw.data][0];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('encryptedStore', () => {
  it('keeps sessions in the store, sealed: no user data, no JSON, and not under the session id', async () => {
    const raw = mapStore();
    const app = appWith(raw);
    const cookie = sessionCookie(await get(app));
    const id = cookieValue(cookie);
    assert.match(id, /^[A-Za-z0-9_-]{22}$/, 'ids from the OS generator');
    const [key, stored] = onlyEntry(raw);
    assert.notEqual(key, id);
    assert.ok(!key.includes(id));
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.match(stored, /^v2\.[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(stored, /alice|views|\{/);
    assert.equal((await get(app, '/', cookie)).body.views, 2);
  });

  it('a store reader replaying store keys as cookies gets a fresh session', async () => {
    const raw = mapStore();
    const app = appWith(raw);
    await get(app, '/', sessionCookie(await get(app)));
    const [key] = onlyEntry(raw);
    const res = await get(app, '/', `koa.sess=${key}`).expect(200);
    assert.equal(res.body.views, 1);
  });

  it('a store value presented as a cookie is refused', async () => {
    const raw = mapStore();
    await get(appWith(raw));
    const [, stored] = onlyEntry(raw);
    const cookieApp = makeApp(encryptedSession, { secretKey: KEY, format: 'compact' });
    const rejected = once(cookieApp, 'session:rejected');
    assert.equal((await get(cookieApp, '/', `koa.sess=${stored}`)).body.views, 1);
    assert.equal((await rejected)[0].reason, 'authentication');
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
    const [key, value] = onlyEntry(raw);
    raw.data.set(key, `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`);
    const event = once(app, 'session:rejected');
    const res = await get(app, '/', cookie).expect(200);
    assert.equal(res.body.views, 1);
    assert.deepEqual(rejected, ['authentication']);
    assert.equal((await event)[0].reason, 'authentication');
  });

  it('refuses a value moved to another session', async () => {
    const raw = mapStore();
    const rejected = [];
    const app = appWith(raw, { secretKey: KEY, onRejected: (reason) => rejected.push(reason) });
    const alice = sessionCookie(await get(app));
    const [aliceKey, aliceValue] = onlyEntry(raw);
    await get(app, '/', alice);
    const mallory = sessionCookie(await get(app));
    const malloryKey = [...raw.data.keys()].find((key) => key !== aliceKey);
    raw.data.set(malloryKey, aliceValue);
    assert.equal((await get(app, '/', mallory)).body.views, 1);
    assert.deepEqual(rejected, ['wrong-id']);
  });

  it('refuses another key’s values, and works with a passphrase', async () => {
    const raw = mapStore();
    const cookie = sessionCookie(await get(appWith(raw, { secret: SECRET, salt: SALT })));
    assert.equal((await get(appWith(raw, { secret: SECRET, salt: SALT }), '/', cookie)).body.views, 2);
    assert.equal((await get(appWith(raw, { secretKey: generateKey() }), '/', cookie)).body.views, 1);
  });

  it('re-seals a value an older key sealed with the newest, under the newest key’s hash', async () => {
    const raw = mapStore();
    const oldKey = generateKey();
    const cookie = sessionCookie(await get(appWith(raw, { secretKey: oldKey })));
    const [oldEntryKey] = onlyEntry(raw);
    const newKey = generateKey();
    const rotated = appWith(raw, { secretKey: [newKey, oldKey] });
    assert.equal((await get(rotated, '/', cookie)).body.views, 2);
    const [newEntryKey] = onlyEntry(raw);
    assert.notEqual(newEntryKey, oldEntryKey, 'moved to the newest key’s hash, the old entry deleted');
    assert.equal((await get(appWith(raw, { secretKey: newKey }), '/', cookie)).body.views, 3, 'the old key can go');
  });

  it('enforces maxLifetime from the issue time sealed in the value', async () => {
    const raw = mapStore();
    const app = appWith(raw, { secretKey: KEY }, { maxLifetime: 300 });
    let cookie = sessionCookie(await get(app));
    for (let i = 2; i <= 3; i++) {
      const res = await get(app, '/', cookie);
      assert.equal(res.body.views, i);
      cookie = sessionCookie(res) ?? cookie;
    }
    await sleep(350);
    const rejected = once(app, 'session:rejected');
    assert.equal((await get(app, '/', cookie)).body.views, 1);
    assert.equal((await rejected)[0].reason, 'lifetime');
  });

  it('checks its arguments', () => {
    assert.throws(() => encryptedStore({}, { secretKey: KEY }), { code: 'ERR_STORE' });
    assert.throws(() => encryptedStore(mapStore()), { code: 'ERR_OPTIONS_REQUIRED' });
    assert.throws(() => encryptedStore(mapStore(), {}), { code: 'ERR_KEY_MISSING' });
  });
});

describe('encryptedStore edge cases', () => {
  it('a session-id cookie too long to be one of ours is a missing session, not a 500', async () => {
    const raw = mapStore();
    const app = appWith(raw);
    const res = await get(app, '/', `koa.sess=${'A'.repeat(9000)}`).expect(200);
    assert.equal(res.body.views, 1);
  });

  it('two apps sharing a key and a store cannot use each other’s sessions', async () => {
    const raw = mapStore();
    const rejected = [];
    const storeOpts = { secretKey: KEY, onRejected: (reason) => rejected.push(reason) };
    const shop = makeApp(encryptedSession, { key: 'shop.sess', secretKey: KEY, store: encryptedStore(raw, storeOpts) });
    const admin = makeApp(encryptedSession, {
      key: 'admin.sess',
      secretKey: KEY,
      store: encryptedStore(raw, storeOpts),
    });
    const id = cookieValue(sessionCookie(await get(shop), 'shop.sess'));
    assert.equal((await get(shop, '/', `shop.sess=${id}`)).body.views, 2);
    assert.equal((await get(admin, '/', `admin.sess=${id}`)).body.views, 1, 'the same id is another session there');
    // Nor does a shop value copied over an admin session's entry open there.
    const adminCookie = sessionCookie(await get(admin), 'admin.sess');
    const [shopKey, , adminKey] = raw.data.keys();
    raw.data.set(adminKey, raw.data.get(shopKey));
    assert.equal((await get(admin, '/', adminCookie)).body.views, 1);
    assert.deepEqual(rejected, ['wrong-id']);
  });

  it('given to koa-session directly rather than to encryptedSession, it says where it belongs', async () => {
    const app = makeApp(session, { signed: false, store: encryptedStore(mapStore(), { secretKey: KEY }) });
    const errors = [];
    app.on('error', (err) => errors.push(err));
    await get(app).expect(500);
    assert.equal(errors[0].code, 'ERR_STORE_CONTEXT');
    assert.match(
      errors[0].message,
      /pass it as encryptedSession\(\{ store: encryptedStore\(store, \{ secretKey \}\) \}\)/,
    );
  });

  it('with the app’s own genid, an expired stored session’s metadata does not carry into the fresh one', async () => {
    const raw = mapStore();
    let n = 0;
    const app = makeApp(
      encryptedSession,
      { secretKey: KEY, maxAge: 1000, genid: () => `sid-${++n}`, store: encryptedStore(raw, { secretKey: KEY }) },
      (ctx) => {
        if (ctx.path === '/login') ctx.session.user = 'alice';
        ctx.body = { user: ctx.session.user ?? null, id: ctx.sessionId };
      },
    );
    const res = await get(app, '/login');
    const cookie = sessionCookie(res);
    const now = Date.now;
    Date.now = () => now() + 5000; // past maxAge, within the store's extra ten seconds
    try {
      const fresh = await get(app, '/', cookie);
      assert.equal(fresh.body.user, null);
      assert.notEqual(fresh.body.id, res.body.id, 'a fresh session has a fresh id');
    } finally {
      Date.now = now;
    }
  });
});
