// The package on whichever runtime runs this file (Node.js, Bun, Deno) and Koa: the native addon
// loads, and a Koa app on a listening socket, asked with fetch, serves sealed sessions in both
// formats, re-seals them when the key rotates, and answers a tampered cookie with a fresh session.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import encryptedSession, { createCodec, generateKey } from '../index.mjs';
import { countViews, KOA_VERSION, makeApp, RUNTIME } from './helpers.mjs';

const servers = [];
after(() => Promise.all(servers.map((close) => close())));

/** Listens with `opts` on a free loopback port; returns the app's URL. */
async function serve(opts) {
  const server = makeApp(encryptedSession, opts, countViews).listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(() => {
    server.closeAllConnections?.();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${server.address().port}/`;
}

/** GETs `url` sending `cookie` (a `name=value` pair); returns the views counted and the session cookie set. */
async function visit(url, cookie) {
  const res = await fetch(url, { headers: cookie ? { cookie } : {} });
  assert.equal(res.status, 200);
  const set = res.headers.getSetCookie().map((line) => line.split(';')[0]);
  return { views: (await res.json()).views, cookie: set.find((pair) => pair.startsWith('koa.sess=')) };
}

/** `pair` with one character in the middle of its value changed. */
function tamper(pair) {
  const at = Math.floor(pair.length / 2);
  return `${pair.slice(0, at)}${pair[at] === 'A' ? 'B' : 'A'}${pair.slice(at + 1)}`;
}

const FORMATS = { legacy: /^[A-Za-z0-9%]+$/, compact: /^v\d+\.[A-Za-z0-9_-]+$/ };

describe(`over real HTTP on ${RUNTIME}, Koa ${KOA_VERSION}`, () => {
  it('runs on the Koa asked for and loads the addon from ESM and CommonJS', (t) => {
    t.diagnostic(`${RUNTIME}, Koa ${KOA_VERSION}`);
    assert.equal(KOA_VERSION.split('.')[0], process.env.KSS_KOA ?? '3');
    const required = createRequire(import.meta.url)('../index.cjs');
    assert.equal(required, encryptedSession);
    assert.equal(required.generateKey().length, 32);
  });

  for (const [format, shape] of Object.entries(FORMATS)) {
    it(`${format}: serves a session sealed in the cookie`, async () => {
      const secretKey = generateKey();
      const url = await serve({ secretKey, format });
      const first = await visit(url);
      assert.equal(first.views, 1);
      const value = first.cookie.slice('koa.sess='.length);
      assert.match(value, shape);
      assert.doesNotMatch(value, /views/);
      assert.equal(createCodec({ secretKey }).decode(value).views, 1);
      assert.equal((await visit(url, first.cookie)).views, 2);
    });

    it(`${format}: opens an old key's cookie and re-seals it with the newest`, async () => {
      const [oldKey, newKey] = [generateKey(), generateKey()];
      const before = await visit(await serve({ secretKey: oldKey, format }));
      const rotated = await visit(await serve({ secretKey: [newKey, oldKey], format }), before.cookie);
      assert.equal(rotated.views, 2);
      const value = rotated.cookie.slice('koa.sess='.length);
      assert.equal(createCodec({ secretKey: newKey }).decode(value).views, 2);
      assert.throws(() => createCodec({ secretKey: oldKey }).decode(value), SyntaxError);
    });

    it(`${format}: answers a tampered cookie with a fresh session`, async () => {
      const url = await serve({ secretKey: generateKey(), format });
      const { cookie } = await visit(url);
      assert.equal((await visit(url, cookie)).views, 2);
      const fresh = await visit(url, tamper(cookie));
      assert.equal(fresh.views, 1);
      assert.notEqual(fresh.cookie, cookie);
    });
  }
});
