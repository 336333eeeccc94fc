// What a request costs in calls across the FFI line: a new cookie session one (its seal makes its
// token), a session read and rewritten two; in store mode the store keys are computed once per
// request, and a new session's token once, whoever asks for its id.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import encryptedSession, { encryptedStore } from '../index.mjs';
import native from '../native/binding.cjs';
import { get, KEY, makeApp, mapStore, sessionCookie } from './helpers.mjs';

describe('native calls per request', () => {
  const calls = [];
  const originals = {};
  before(() => {
    for (const factory of ['createCookieKeyring', 'createStoreKeyring']) {
      originals[factory] = native[factory];
      native[factory] = (...args) => {
        const ring = originals[factory](...args);
        for (const method of ['seal', 'open', 'storeKeys', 'checkMetadata']) {
          const real = ring[method].bind(ring);
          ring[method] = (...a) => {
            calls.push(method);
            return real(...a);
          };
        }
        return ring;
      };
    }
    originals.newToken = native.newToken;
    native.newToken = () => {
      calls.push('newToken');
      return originals.newToken();
    };
  });
  after(() => Object.assign(native, originals));

  /** The native calls `fn` makes. */
  async function counted(fn) {
    calls.length = 0;
    await fn();
    return [...calls];
  }

  it('a new cookie session costs one call, a session read and rewritten two', async () => {
    const app = makeApp(encryptedSession, { secretKey: KEY, format: 'compact' });
    let cookie;
    assert.deepEqual(
      await counted(async () => {
        cookie = sessionCookie(await get(app));
      }),
      ['seal'],
    );
    assert.deepEqual(await counted(() => get(app, '/', cookie)), ['open', 'seal']);
  });

  it('in store mode, the keys once per request and a new session’s token once', async () => {
    const app = makeApp(
      encryptedSession,
      { secretKey: KEY, store: encryptedStore(mapStore(), { secretKey: KEY }) },
      (ctx) => {
        ctx.session.views = (ctx.session.views ?? 0) + 1;
        ctx.body = { id: ctx.sessionId };
      },
    );
    let cookie;
    assert.deepEqual(
      await counted(async () => {
        cookie = sessionCookie(await get(app));
      }),
      ['newToken', 'storeKeys', 'seal'],
    );
    assert.deepEqual(await counted(() => get(app, '/', cookie)), ['storeKeys', 'open', 'seal']);
  });
});
