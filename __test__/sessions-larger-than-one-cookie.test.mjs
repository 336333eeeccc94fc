// maxCookies: a session too large for one cookie is sealed once and split across several, each
// within maxCookieBytes with its name and attributes; the parts open only together, all from one
// save; parts a session no longer needs are expired in the same response; and past maxCookies or
// maxTotalCookieBytes saving is refused with the browser keeping the session it had.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Koa from 'koa';
import legacySession from 'koa-encrypted-session';
import encryptedSession, { createCodec, generateKey, memoryRevocations } from '../index.mjs';
import { get, KEY, makeApp } from './helpers.mjs';

/** The cookies a browser would hold after `res`, starting from `jar` (name → value). */
function after(res, jar = {}) {
  const next = { ...jar };
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair, ...attributes] = line.split('; ');
    const name = pair.slice(0, pair.indexOf('='));
    if (attributes.some((a) => a.startsWith('expires=Thu, 01 Jan 1970'))) delete next[name];
    else next[name] = pair.slice(name.length + 1);
  }
  return next;
}

/** The Cookie header a browser holding `jar` sends. */
const header = (jar) =>
  Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

/** An app whose `/?size=n` sets n characters of data, `/logout` ends the session, and every answer says how much data the session holds. */
function appWith(opts = {}) {
  const app = makeApp(
    encryptedSession,
    { secretKey: KEY, maxCookies: 4, maxTotalCookieBytes: 16_000, ...opts },
    (ctx) => {
      if (ctx.path === '/logout') {
        ctx.session = null;
        ctx.body = {};
        return;
      }
      if (ctx.query.size) ctx.session.data = 'x'.repeat(Number(ctx.query.size));
      if (ctx.query.user) ctx.session.userId = ctx.query.user;
      ctx.body = { data: ctx.session.data?.length ?? 0 };
    },
  );
  app.silent = true;
  app.rejected = [];
  app.on('session:rejected', ({ reason }) => app.rejected.push(reason));
  return app;
}

/** GET `path` from `app` as a browser holding `jar`; the answer and the jar after it. */
async function visit(app, path, jar = {}) {
  const res = await get(app, path, Object.keys(jar).length ? header(jar) : undefined);
  return { res, jar: after(res, jar) };
}

const nextTurn = () => new Promise(setImmediate);

for (const format of ['compact', 'legacy']) {
  describe(`sessions larger than one cookie (${format})`, () => {
    it('a 10 KB session is split across cookies, each within 4096 bytes with its attributes, and reads back', async () => {
      const app = appWith({ format, sameSite: 'lax', domain: 'example.com', priority: 'high' });
      const { res, jar } = await visit(app, '/?size=10000');
      const names = Object.keys(jar).sort();
      assert.ok(names.length >= 3, names.join());
      assert.deepEqual(names, ['koa.sess', ...names.slice(1).map((_, i) => `koa.sess.${i + 1}`)]);
      for (const line of res.headers['set-cookie']) assert.ok(`${line}; secure`.length <= 4096, `${line.length}`);
      assert.equal((await visit(app, '/', jar)).res.body.data, 10_000);
    });

    it('a session that fits stays one cookie, with no part header', async () => {
      const app = appWith({ format });
      const { jar } = await visit(app, '/?size=100');
      assert.deepEqual(Object.keys(jar), ['koa.sess']);
      assert.doesNotMatch(jar['koa.sess'], /^c\d/);
    });

    it('a part from another save, a missing, reordered or altered part: a fresh session, reason chunks', async () => {
      const app = appWith({ format });
      const one = (await visit(app, '/?size=10000')).jar;
      const two = (await visit(app, '/?size=10000')).jar;
      const cases = {
        'a part from another save': { ...one, 'koa.sess.1': two['koa.sess.1'] },
        'a missing part': { 'koa.sess': one['koa.sess'], 'koa.sess.2': one['koa.sess.2'] },
        'parts reordered': { ...one, 'koa.sess.1': one['koa.sess.2'], 'koa.sess.2': one['koa.sess.1'] },
        'an altered part': {
          ...one,
          'koa.sess.1': one['koa.sess.1'].replace(/.{20}$/, (tail) => [...tail].reverse().join('')),
        },
        'a part count raised': {
          ...one,
          'koa.sess': one['koa.sess'].replace(/^c3/, 'c4'),
          'koa.sess.3': one['koa.sess.2'],
        },
      };
      for (const [what, jar] of Object.entries(cases)) {
        app.rejected.length = 0;
        const { res } = await visit(app, '/', jar);
        assert.equal(res.status, 200, what);
        assert.equal(res.body.data, 0, what);
        await nextTurn();
        assert.deepEqual(app.rejected, ['chunks'], what);
      }
    });

    it('a shrinking session leaves one cookie: the parts it no longer needs expire in the same response', async () => {
      const app = appWith({ format });
      let { jar } = await visit(app, '/?size=10000');
      ({ jar } = await visit(app, '/?size=5000', jar));
      assert.deepEqual(Object.keys(jar).sort(), ['koa.sess', 'koa.sess.1']);
      ({ jar } = await visit(app, '/?size=10', jar));
      assert.deepEqual(Object.keys(jar), ['koa.sess']);
      assert.equal((await visit(app, '/', jar)).res.body.data, 10);
    });

    it('an ended session expires every part', async () => {
      const app = appWith({ format });
      const { jar } = await visit(app, '/?size=10000');
      assert.deepEqual((await visit(app, '/logout', jar)).jar, {});
    });

    it('a part the request carried beyond what this save writes is expired too', async () => {
      const app = appWith({ format });
      const { jar } = await visit(app, '/?size=5000');
      const stale = { ...jar, 'koa.sess.7': 'left over' };
      assert.deepEqual(Object.keys((await visit(app, '/?size=5001', stale)).jar).sort(), ['koa.sess', 'koa.sess.1']);
    });

    it('a refused split session is refused whole: all its cookies expire', async () => {
      const app = appWith({ format });
      const { jar } = await visit(app, '/?size=10000');
      const other = appWith({ format, secretKey: generateKey() });
      const { res, jar: left } = await visit(other, '/', jar);
      assert.equal(res.body.data, 0);
      assert.deepEqual(left, {});
    });
  });
}

describe('split sessions within every budget', () => {
  it('past maxCookies: ERR_SESSION_TOO_LARGE with the sizes, session:too-large, and the jar left as it was', async () => {
    const app = appWith({ maxCookies: 3 });
    const errors = [];
    const events = [];
    app.on('error', (err) => errors.push(err));
    app.on('session:too-large', (event) => events.push(event));
    const { jar } = await visit(app, '/?size=5000');
    const { res, jar: kept } = await visit(app, '/?size=20000', jar);
    assert.equal(res.status, 500);
    assert.deepEqual(kept, jar, 'not one cookie set or expired');
    await nextTurn();
    assert.equal(errors[0].code, 'ERR_SESSION_TOO_LARGE');
    assert.match(errors[0].message, /more than maxCookies \(3\) cookies of maxCookieBytes \(4096\)/);
    assert.equal(events.length, 1);
    assert.equal(events[0].limit, 3 * 4096, 'three cookies of 4096 bytes, less than maxTotalCookieBytes');
    assert.ok(events[0].size > events[0].limit, `${events[0].size} bytes`);
    assert.equal((await visit(app, '/', kept)).res.body.data, 5000);
  });

  it('past maxTotalCookieBytes: refused the same way', async () => {
    const app = appWith({ maxCookies: 8, maxTotalCookieBytes: 9000 });
    const errors = [];
    app.on('error', (err) => errors.push(err));
    assert.equal((await visit(app, '/?size=6000')).res.status, 200);
    const { res } = await visit(app, '/?size=9000');
    assert.equal(res.status, 500);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.match(errors[0].message, /would take \d+ bytes of the Cookie header, over maxTotalCookieBytes \(9000\)/);
  });

  it('the default total keeps a split session under 6 KiB of Cookie header', async () => {
    const app = appWith({ maxTotalCookieBytes: undefined });
    assert.equal((await visit(app, '/?size=4000')).res.status, 200);
    assert.equal((await visit(app, '/?size=7000')).res.status, 500);
  });

  it('a request with more parts than maxCookies, or larger than maxTotalCookieBytes, is refused before any work', async () => {
    const app = appWith({ maxCookies: 4, maxTotalCookieBytes: 10_000 });
    const big = (await visit(appWith({ maxCookies: 8, maxCookieBytes: 2000 }), '/?size=9000')).jar;
    assert.ok(Object.keys(big).length > 4);
    await visit(app, '/', big);
    const mid = (await visit(appWith({ maxCookies: 4 }), '/?size=9000')).jar;
    assert.equal(Object.keys(mid).length, 4);
    await visit(app, '/', mid);
    await nextTurn();
    assert.deepEqual(app.rejected, ['chunks', 'oversized']);
  });

  it('a single cookie longer than one cookie may be is refused before any work, whatever maxCookies allows', async () => {
    const app = appWith({ maxCookies: 4 });
    await visit(app, '/', { 'koa.sess': `v2.${'A'.repeat(9000)}` });
    await nextTurn();
    assert.deepEqual(app.rejected, ['oversized']);
  });

  it('with partitioned cookies, a total past the 10 KiB a partition holds is refused at start', () => {
    const app = new Koa();
    assert.throws(
      () =>
        encryptedSession(
          { secretKey: KEY, partitioned: true, secure: true, maxCookies: 4, maxTotalCookieBytes: 12_000 },
          app,
        ),
      { code: 'ERR_OPTION_VALUE', message: /partitioned: true, maxTotalCookieBytes must be at most 10240/ },
    );
    assert.doesNotThrow(() =>
      encryptedSession(
        { secretKey: KEY, partitioned: true, secure: true, maxCookies: 4, maxTotalCookieBytes: 10_240 },
        app,
      ),
    );
  });

  it('maxCookies and maxTotalCookieBytes are checked', () => {
    for (const opts of [{ maxCookies: 0 }, { maxCookies: 17 }, { maxCookies: 1.5 }, { maxTotalCookieBytes: '6k' }]) {
      assert.throws(() => encryptedSession({ secretKey: KEY, ...opts }, new Koa()), { code: 'ERR_OPTION_VALUE' });
    }
  });
});

describe('split sessions with the rest of the package', () => {
  it('by default (maxCookies 1) a session too large for one cookie is refused, as before', async () => {
    const app = appWith({ maxCookies: undefined, maxTotalCookieBytes: undefined });
    assert.equal((await visit(app, '/?size=5000')).res.status, 500);
  });

  it('a legacy session that fits in one cookie stays readable by koa-encrypted-session', async () => {
    const app = appWith({ format: 'legacy' });
    const { jar } = await visit(app, '/?size=100');
    const theirs = makeApp(legacySession, { secretKey: KEY }, (ctx) => {
      ctx.body = { data: ctx.session.data?.length ?? 0 };
    });
    assert.equal((await visit(theirs, '/', jar)).res.body.data, 100);
  });

  it('key rotation re-seals every part with the newest key', async () => {
    const [oldKey, newKey] = [generateKey(), generateKey()];
    const { jar } = await visit(appWith({ secretKey: oldKey }), '/?size=10000');
    const { res, jar: resealed } = await visit(appWith({ secretKey: [newKey, oldKey] }), '/', jar);
    assert.equal(res.body.data, 10_000);
    assert.deepEqual(Object.keys(resealed).sort(), Object.keys(jar).sort());
    for (const name of Object.keys(jar)) assert.notEqual(resealed[name], jar[name], `${name} rewritten`);
    assert.equal((await visit(appWith({ secretKey: newKey }), '/', resealed)).res.body.data, 10_000);
  });

  it('a revoked split session is refused and its cookies all expire', async () => {
    const app = appWith({ revocations: memoryRevocations(), userKey: 'userId' });
    const { jar } = await visit(app, '/?size=10000&user=u-1');
    await visit(app, '/logout', jar);
    const { res, jar: left } = await visit(app, '/', jar);
    assert.equal(res.body.data, 0);
    assert.deepEqual(left, {});
    await nextTurn();
    assert.ok(app.rejected.includes('revoked'));
  });

  it('rolling re-sets every part; maxLifetime ends a split session like any other', async () => {
    const app = appWith({ rolling: true, maxLifetime: 60_000 });
    const { jar } = await visit(app, '/?size=10000');
    const { res } = await visit(app, '/', jar);
    assert.deepEqual(res.headers['set-cookie'].map((line) => line.split('=')[0]).sort(), Object.keys(jar).sort());
    const short = appWith({ maxLifetime: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((await visit(short, '/', jar)).res.body.data, 0, 'past maxLifetime');
  });
});

describe('createCodec with several cookies', () => {
  const codec = createCodec({
    secretKey: KEY,
    key: 'sid',
    format: 'compact',
    maxCookies: 4,
    maxTotalCookieBytes: 16_000,
  });

  it('seals to and opens from several cookies', () => {
    const cookies = codec.encodeCookies({ data: 'x'.repeat(9000) }, 4000);
    assert.deepEqual(
      cookies.map(({ name }) => name),
      ['sid', 'sid.1', 'sid.2', 'sid.3'],
    );
    assert.ok(cookies.every(({ value }) => value.length <= 4000));
    const jar = new Map(cookies.map(({ name, value }) => [name, value]));
    assert.equal(codec.decodeCookies((name) => jar.get(name)).data.length, 9000);
    assert.equal(
      codec.decodeCookies(() => undefined),
      undefined,
    );
    assert.deepEqual(codec.encodeCookies({ a: 1 }, 4000).length, 1);
  });

  it('refuses parts from two saves, and too many cookies', () => {
    const [a, b] = [
      codec.encodeCookies({ data: 'x'.repeat(9000) }, 4000),
      codec.encodeCookies({ data: 'y'.repeat(9000) }, 4000),
    ];
    const mixed = new Map([...a.map(({ name, value }) => [name, value]), ['sid.1', b[1].value]]);
    assert.throws(() => codec.decodeCookies((name) => mixed.get(name)), { reason: 'chunks' });
    assert.throws(() => codec.encodeCookies({ data: 'x'.repeat(9000) }, 2000), { code: 'ERR_SESSION_TOO_LARGE' });
    assert.throws(() => codec.encodeCookies({}, 10), { code: 'ERR_INVALID_ARG_TYPE' });
    const [whole] = [codec.encodeCookies({ data: 'x'.repeat(9000) }, 4000)];
    const strict = createCodec({
      secretKey: KEY,
      key: 'sid',
      format: 'compact',
      maxCookies: 4,
      maxTotalCookieBytes: 6000,
    });
    const jar = new Map(whole.map(({ name, value }) => [name, value]));
    assert.throws(() => strict.decodeCookies((name) => jar.get(name)), { reason: 'oversized' });
  });
});
